"""Gas benchmark: the same warm transfer (both parties already hold the token) on a plain OpenZeppelin ERC-20 and
on a compliant RAT equity, deployed in one anvil run. Writes bench/results/gas.json.

Figures are whole-transaction gas_used (intrinsic 21,000 included), i.e. what the sender pays. Run: `make bench`."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ape import accounts, chain, networks, project

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rat.deploy import AssetTerms, approve_investor, deploy_compliance_stack, list_equity, role  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gas_minting import measure_minting  # noqa: E402
from trex import measure_trex  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "gas.json"
SHARE = 10**18
TARGET_RATIO_VS_OZ = 1.30


def _transfer_gas(token, sender, recipient) -> tuple[int, int]:
    """(first transfer to a new holder, the same transfer again between two existing holders)."""
    first = token.transfer(recipient, SHARE, sender=sender).gas_used
    return first, token.transfer(recipient, SHARE, sender=sender).gas_used


def _access_list_transfer_gas(token, sender, recipient) -> int:
    """The same transfer sent with the EIP-2930 access list that eth_createAccessList suggests."""
    web3 = chain.provider.web3
    tx = {"from": sender.address, "to": token.address, "data": token.transfer.encode_input(recipient, SHARE)}
    access_list = web3.eth.create_access_list(tx)["accessList"]
    receipt = web3.eth.wait_for_transaction_receipt(web3.eth.send_transaction({**tx, "accessList": access_list}))
    return receipt["gasUsed"]


def measure_token() -> dict[str, Any]:
    deployer, alice, bob = (accounts.test_accounts[i] for i in (0, 6, 7))
    plain = deployer.deploy(project.PlainERC20, alice.address, 1_000 * SHARE)
    plain_new_holder, plain_gas = _transfer_gas(plain, alice, bob)

    stack = deploy_compliance_stack(deployer)
    stack.registry.grantRole(role("KYC_OPERATOR_ROLE"), deployer, sender=deployer)
    stack.registry.grantRole(role("ASSET_POLICY_ROLE"), deployer, sender=deployer)
    rat = list_equity(deployer, stack, AssetTerms.example(), deployer)
    rat.grantRole(role("MINTER_ROLE"), deployer, sender=deployer)
    approve_investor(stack, deployer, alice.address, now=chain.pending_timestamp)
    onboarding = stack.registry.setInvestor(
        bob.address, 1, b"BR", chain.pending_timestamp + 86_400, b"\x01" * 32, sender=deployer)
    onboarding_gas = onboarding.gas_used
    rat.mint(alice, 1_000 * SHARE, sender=deployer)
    rat_new_holder, rat_gas = _transfer_gas(rat, alice, bob)
    ratio = rat_gas / plain_gas
    access_list = {"oz_erc20": _access_list_transfer_gas(plain, alice, bob),
                   "rat": _access_list_transfer_gas(rat, alice, bob)}
    return {
        "transfer": {
            "oz_erc20": plain_gas,
            "rat": rat_gas,
            "ratio_rat_vs_oz": round(ratio, 3),
            "target_ratio_vs_oz": TARGET_RATIO_VS_OZ,
            "meets_target": ratio <= TARGET_RATIO_VS_OZ,
        },
        "transfer_to_new_holder": {
            "oz_erc20": plain_new_holder,
            "rat": rat_new_holder,
            "note": "RAT also counts holders (for the optional holder cap): paid only when a balance becomes "
                    "non-zero or zero, never on transfers between existing holders",
        },
        "transfer_with_access_list": access_list,
        "transfer_with_venue": _venue_transfer_gas(stack, rat, deployer, alice, bob),
        "kyc_onboarding_rat": onboarding_gas,
    }


def _venue_transfer_gas(stack, rat, deployer, alice, bob) -> dict[str, Any]:
    """A venue (ADR 0101) registered for the asset: an investor selling into it and the venue paying an existing
    holder, both warm (the venue and the investor already hold). The venue's standing is the one extra slot."""
    stack.registry.grantRole(role("VENUE_LISTING_ROLE"), deployer, sender=deployer)
    venue = deployer.deploy(project.ERC1271WalletMock, deployer.address)
    stack.registry.registerVenue(rat, venue, b"\x02" * 32, sender=deployer)
    rat.transfer(venue, SHARE, sender=alice)
    into = rat.transfer(venue, SHARE, sender=alice).gas_used
    chain.set_balance(venue.address, 10**20)
    out = rat.transfer(bob, SHARE, sender=accounts[venue.address]).gas_used
    return {"investor_to_venue": into, "venue_to_investor": out,
            "note": "a party of class VENUE costs one extra cold slot (its standing for the asset); investors none"}


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    with networks.parse_network_choice("ethereum:local:foundry"):
        results: dict[str, Any] = {
            "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "git_commit": _git_commit(),
            "chain": f"anvil (chain id {chain.chain_id})",
            "machine": platform.machine(),
            "unit": "transaction gas_used, including the 21,000 intrinsic gas",
            "token": measure_token(),
            "minting": measure_minting(),
            "trex": measure_trex(),
        }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    t = results["token"]["transfer"]
    print(f"warm transfer: OZ ERC20 {t['oz_erc20']:,} gas, RAT {t['rat']:,} gas, "
          f"ratio {t['ratio_rat_vs_oz']} (target ≤ {TARGET_RATIO_VS_OZ})")
    for operation, gas in results["minting"].items():
        print(f"{operation}: {gas:,} gas" if isinstance(gas, int) else f"{operation}: {gas}")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
