"""ERC-3643 side of the gas comparison: the T-REX reference suite (npm `@tokenysolutions/t-rex` 4.1.6) with
ONCHAINID identities (npm `@onchain-id/solidity` 2.2.1), deployed from the packages' shipped Hardhat artifacts
exactly as T-REX's own full-suite fixture wires it, next to RAT and a plain OpenZeppelin ERC-20 on the same chain.

`measure_trex()` runs on the connected Ape network (call it inside bench/gas.py's network context so that OZ,
T-REX and RAT share one anvil run) and returns, for T-REX and for RAT:

* a warm compliant transfer (second transfer between two verified holders),
* a mint and a burn by the issuer's agent / MINTER_ROLE holder (warm: the holder already has a balance),
* KYC onboarding: RAT's one registry write vs. T-REX's identity deployment (IdentityProxy on an
  ImplementationAuthority, as ONCHAINID's IdFactory deploys them), the signed KYC claim added to it, and the
  identity's registration in the IdentityRegistry.

T-REX is configured at its floor: one required claim topic, one trusted claim issuer, a ModularCompliance with no
modules. Any module would only add gas to T-REX's side. Figures are whole-transaction gas_used (21,000 included).
Standalone: `python bench/trex.py` (starts anvil through ape-foundry) prints the dict.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARE = 10**18
KYC_TOPIC = 7  # ERC-3643 examples use topic 7 for KYC
PACKAGES = ("@tokenysolutions/t-rex", "@onchain-id/solidity")
# node_modules (once package.json pins them) first, then the bench's own npm prefix used while they are not pinned.
NODE_ROOTS = (ROOT / "node_modules", ROOT / ".cache" / "bench-npm" / "node_modules")


def package_version(package: str) -> str:
    for base in NODE_ROOTS:
        manifest = base / package / "package.json"
        if manifest.exists():
            return json.loads(manifest.read_text())["version"]
    raise FileNotFoundError(f"{package} is not installed (npm install {package})")


@cache
def artifact(package: str, source: str, name: str) -> dict[str, Any]:
    for base in NODE_ROOTS:
        path = base / package / "artifacts" / "contracts" / source / f"{name}.json"
        if path.exists():
            return json.loads(path.read_text())
    raise FileNotFoundError(f"{package}: artifacts/contracts/{source}/{name}.json")


class Chain:
    """Thin web3 helper over the Ape provider: deploy shipped artifacts and send transactions from anvil's
    unlocked test accounts, returning receipts."""

    def __init__(self, web3):
        self.w3 = web3

    def deploy(self, art: dict, sender: str, *args):
        contract = self.w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        receipt = self._wait(contract.constructor(*args).transact({"from": sender}))
        return self.w3.eth.contract(address=receipt["contractAddress"], abi=art["abi"]), receipt

    def at(self, art: dict, address: str):
        return self.w3.eth.contract(address=address, abi=art["abi"])

    def send(self, fn, sender: str):
        receipt = self._wait(fn.transact({"from": sender}))
        if receipt["status"] != 1:
            raise RuntimeError(f"transaction reverted: {fn.fn_name}")
        return receipt

    def _wait(self, tx_hash):
        return self.w3.eth.wait_for_transaction_receipt(tx_hash)


def _trex(source: str, name: str) -> dict:
    return artifact("@tokenysolutions/t-rex", source, name)


def _oid(source: str, name: str) -> dict:
    return artifact("@onchain-id/solidity", source, name)


def deploy_trex_suite(c: Chain, owner: str, agent: str, claim_signer) -> dict[str, Any]:
    """T-REX v4 behind its proxies and implementation authority, one trusted KYC claim issuer, a token (paused
    until the agent unpauses it, as T-REX tokens start)."""
    impls = {}
    for key, (src, name) in {
        "token": ("token/Token.sol", "Token"),
        "ctr": ("registry/implementation/ClaimTopicsRegistry.sol", "ClaimTopicsRegistry"),
        "ir": ("registry/implementation/IdentityRegistry.sol", "IdentityRegistry"),
        "irs": ("registry/implementation/IdentityRegistryStorage.sol", "IdentityRegistryStorage"),
        "tir": ("registry/implementation/TrustedIssuersRegistry.sol", "TrustedIssuersRegistry"),
        "mc": ("compliance/modular/ModularCompliance.sol", "ModularCompliance"),
    }.items():
        impls[key], _ = c.deploy(_trex(src, name), owner)
    authority, _ = c.deploy(_trex("proxy/authority/TREXImplementationAuthority.sol", "TREXImplementationAuthority"),
                            owner, True, "0x" + "00" * 20, "0x" + "00" * 20)
    c.send(authority.functions.addAndUseTREXVersion(
        (4, 0, 0),
        (impls["token"].address, impls["ctr"].address, impls["ir"].address, impls["irs"].address,
         impls["tir"].address, impls["mc"].address),
    ), owner)
    ia = authority.address
    ctr_p, _ = c.deploy(_trex("proxy/ClaimTopicsRegistryProxy.sol", "ClaimTopicsRegistryProxy"), owner, ia)
    tir_p, _ = c.deploy(_trex("proxy/TrustedIssuersRegistryProxy.sol", "TrustedIssuersRegistryProxy"), owner, ia)
    irs_p, _ = c.deploy(_trex("proxy/IdentityRegistryStorageProxy.sol", "IdentityRegistryStorageProxy"), owner, ia)
    ir_p, _ = c.deploy(_trex("proxy/IdentityRegistryProxy.sol", "IdentityRegistryProxy"), owner, ia,
                       tir_p.address, ctr_p.address, irs_p.address)
    mc_p, _ = c.deploy(_trex("proxy/ModularComplianceProxy.sol", "ModularComplianceProxy"), owner, ia)
    token_p, _ = c.deploy(_trex("proxy/TokenProxy.sol", "TokenProxy"), owner, ia, ir_p.address, mc_p.address,
                          "T-REX Apple Inc.", "tAAPL", 18, "0x" + "00" * 20)
    ctr = c.at(_trex("registry/implementation/ClaimTopicsRegistry.sol", "ClaimTopicsRegistry"), ctr_p.address)
    tir = c.at(_trex("registry/implementation/TrustedIssuersRegistry.sol", "TrustedIssuersRegistry"), tir_p.address)
    irs = c.at(_trex("registry/implementation/IdentityRegistryStorage.sol", "IdentityRegistryStorage"), irs_p.address)
    ir = c.at(_trex("registry/implementation/IdentityRegistry.sol", "IdentityRegistry"), ir_p.address)
    token = c.at(_trex("token/Token.sol", "Token"), token_p.address)

    c.send(irs.functions.bindIdentityRegistry(ir.address), owner)
    c.send(ctr.functions.addClaimTopic(KYC_TOPIC), owner)
    issuer, _ = c.deploy(_oid("ClaimIssuer.sol", "ClaimIssuer"), owner, owner)
    signer_key = keccak(encode(["address"], [claim_signer.address]))
    c.send(issuer.functions.addKey(signer_key, 3, 1), owner)  # purpose CLAIM, type ECDSA
    c.send(tir.functions.addTrustedIssuer(issuer.address, [KYC_TOPIC]), owner)
    c.send(ir.functions.addAgent(agent), owner)
    c.send(token.functions.addAgent(agent), owner)
    c.send(token.functions.unpause(), agent)

    identity_impl, _ = c.deploy(_oid("Identity.sol", "Identity"), owner, owner, True)
    identity_ia, _ = c.deploy(_oid("proxy/ImplementationAuthority.sol", "ImplementationAuthority"), owner,
                              identity_impl.address)
    return {"token": token, "ir": ir, "issuer": issuer, "identity_ia": identity_ia, "claim_signer": claim_signer}


def onboard_trex(c: Chain, suite: dict, investor: str, agent: str, country: int = 76) -> dict[str, int]:
    """One investor's T-REX onboarding, step by step: identity deployment, KYC claim, registry entry."""
    proxy, deployed = c.deploy(_oid("proxy/IdentityProxy.sol", "IdentityProxy"), investor,
                               suite["identity_ia"].address, investor)
    identity = c.at(_oid("Identity.sol", "Identity"), proxy.address)
    data = keccak(text=f"kyc:{investor}")
    digest = keccak(encode(["address", "uint256", "bytes"], [identity.address, KYC_TOPIC, data]))
    signature = Account.sign_message(encode_defunct(primitive=digest), suite["claim_signer"].key).signature
    claim = c.send(identity.functions.addClaim(KYC_TOPIC, 1, suite["issuer"].address, signature, data,
                                               "https://kyc.example/claim"), investor)
    registered = c.send(suite["ir"].functions.registerIdentity(investor, identity.address, country), agent)
    return {
        "identity_deployment": deployed["gasUsed"],
        "add_kyc_claim": claim["gasUsed"],
        "register_identity": registered["gasUsed"],
        "total": deployed["gasUsed"] + claim["gasUsed"] + registered["gasUsed"],
    }


def _rat_side(accounts, chain) -> dict[str, int]:
    """RAT on the same chain: registry write for onboarding; token mint/burn by a MINTER_ROLE holder; transfer."""
    from rat.deploy import AssetTerms, approve_investor, deploy_compliance_stack, list_equity, role

    deployer, alice, bob = accounts.test_accounts[0], accounts.test_accounts[6], accounts.test_accounts[7]
    stack = deploy_compliance_stack(deployer)
    stack.registry.grantRole(role("KYC_OPERATOR_ROLE"), deployer, sender=deployer)
    stack.registry.grantRole(role("ASSET_POLICY_ROLE"), deployer, sender=deployer)
    token = list_equity(deployer, stack, AssetTerms.example("rBNCH", "RAT Bench Corp.", "US0378331005"), deployer)
    token.grantRole(role("MINTER_ROLE"), deployer, sender=deployer)
    approve_investor(stack, deployer, alice.address, now=chain.pending_timestamp)
    onboarding = stack.registry.setInvestor(bob.address, 1, b"BR", chain.pending_timestamp + 86_400 * 365,
                                            keccak(text="applicant:bob"), sender=deployer).gas_used
    token.mint(alice, 100 * SHARE, sender=deployer)
    mint = token.mint(alice, SHARE, sender=deployer).gas_used
    token.transfer(bob, SHARE, sender=alice)
    transfer = token.transfer(bob, SHARE, sender=alice).gas_used
    approve_investor(stack, deployer, deployer.address, now=chain.pending_timestamp)
    token.mint(deployer, 10 * SHARE, sender=deployer)
    burn = token.burn(SHARE, sender=deployer).gas_used
    return {"transfer": transfer, "mint": mint, "burn": burn, "kyc_onboarding": onboarding}


def _oz_side(accounts) -> dict[str, int | None]:
    """Plain OpenZeppelin ERC-20 figures: transfer (PlainERC20), mint (TestStablecoin: OZ ERC20 + Ownable mint).
    OZ's ERC20 has no burn or KYC, so those are reported as None."""
    from ape import project

    deployer, alice, bob = accounts.test_accounts[0], accounts.test_accounts[6], accounts.test_accounts[7]
    plain = deployer.deploy(project.PlainERC20, alice.address, 1_000 * SHARE)
    plain.transfer(bob, SHARE, sender=alice)
    transfer = plain.transfer(bob, SHARE, sender=alice).gas_used
    coin = deployer.deploy(project.TestStablecoin, "Bench", "BNCH", 18, deployer.address)
    coin.mint(alice, SHARE, sender=deployer)
    mint = coin.mint(alice, SHARE, sender=deployer).gas_used
    return {"transfer": transfer, "mint": mint, "burn": None, "kyc_onboarding": None}


def measure_trex() -> dict[str, Any]:
    """OZ, T-REX and RAT in the connected network's one chain; returns figures, ratios and targets."""
    from ape import accounts, chain

    c = Chain(chain.provider.web3)
    owner, agent = accounts.test_accounts[0].address, accounts.test_accounts[3].address
    alice, bob = accounts.test_accounts[6].address, accounts.test_accounts[7].address
    suite = deploy_trex_suite(c, owner, agent, Account.from_key(keccak(text="rat-bench:trex-claim-signer")))
    onboard_alice = onboard_trex(c, suite, alice, agent)
    onboard_bob = onboard_trex(c, suite, bob, agent, country=32)
    token = suite["token"]
    c.send(token.functions.mint(alice, 100 * SHARE), agent)
    t_mint = c.send(token.functions.mint(alice, SHARE), agent)["gasUsed"]
    c.send(token.functions.transfer(bob, SHARE), alice)
    t_transfer = c.send(token.functions.transfer(bob, SHARE), alice)["gasUsed"]
    t_burn = c.send(token.functions.burn(alice, SHARE), agent)["gasUsed"]
    trex = {"transfer": t_transfer, "mint": t_mint, "burn": t_burn, "kyc_onboarding": onboard_bob["total"],
            "onboarding_steps": onboard_bob, "first_onboarding_steps": onboard_alice}

    rat = _rat_side(accounts, chain)
    oz = _oz_side(accounts)
    ratios = {
        "transfer_rat_vs_oz": round(rat["transfer"] / oz["transfer"], 3),
        "transfer_rat_vs_trex": round(rat["transfer"] / trex["transfer"], 3),
        "mint_rat_vs_trex": round(rat["mint"] / trex["mint"], 3),
        "burn_rat_vs_trex": round(rat["burn"] / trex["burn"], 3),
        "onboarding_rat_vs_trex_identity_deployment": round(
            rat["kyc_onboarding"] / trex["onboarding_steps"]["identity_deployment"], 3),
        "onboarding_rat_vs_trex_total": round(rat["kyc_onboarding"] / trex["kyc_onboarding"], 3),
    }
    targets = {
        "transfer_rat_vs_oz": 1.30,
        "transfer_rat_vs_trex": 0.40,
        "onboarding_rat_vs_trex_identity_deployment": 0.10,
    }
    return {
        "packages": {p: package_version(p) for p in PACKAGES},
        "trex_configuration": "T-REX v4 proxies + TREXImplementationAuthority; 1 claim topic (KYC), 1 trusted "
                              "ClaimIssuer, ModularCompliance without modules; identities are IdentityProxy",
        "oz": oz,
        "trex": trex,
        "rat": rat,
        "ratios": ratios,
        "targets": {k: {"target": v, "measured": ratios[k], "meets": ratios[k] <= v} for k, v in targets.items()},
    }


if __name__ == "__main__":
    from ape import networks

    with networks.parse_network_choice("ethereum:local:foundry"):
        figures = measure_trex()
    out = ROOT / "bench" / "results" / "trex.json"
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures["ratios"], indent=2))
    print(f"wrote {out}")
