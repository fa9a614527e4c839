"""Gas of the mint/burn engine, measured as real transaction gas_used on the connected network.

`measure_minting()` deploys a fresh compliance + minting stack with the connected network's test accounts and
returns gas per operation. Steady state: every measured call is the investor's second of its kind, so no
first-ever storage writes (new balances, new rate-limit buckets) inflate the figures; the first-request figures
are reported separately. The Minter keeps ESCROW_KEEPALIVE units of each payment token (ADR 0010), so its escrow
balance never flips 0 <-> non-zero. Standalone: `python bench/gas_minting.py` (starts anvil through ape-foundry)
prints the figures and a table against BASELINE (before the gas work), the targets and Dinari's medians.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from eth_account import Account
from eth_utils import keccak

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

USDC = 10**6
SHARE = 10**18
PRICE = 200 * USDC


def measure_minting() -> dict[str, int]:
    from ape import accounts, chain

    from rat.deploy import AssetTerms, approve_investor, deploy_compliance_stack, list_equity, role
    from rat.minting import (
        DAY,
        build_fill,
        attest,
        deploy_minting_stack,
        deploy_test_stablecoin,
        grant_minting_roles,
        list_asset,
        list_payment_token,
        publish_reserves,
        set_attestors,
        set_tier_limits,
    )

    admin, investor, relayer = accounts.test_accounts[0], accounts.test_accounts[1], accounts.test_accounts[2]
    broker = Account.from_key(keccak(text="rat-bench:brokerage"))
    custody = Account.from_key(keccak(text="rat-bench:custody"))
    custodian = Account.from_key(keccak(text="rat-bench:custodian"))

    compliance = deploy_compliance_stack(admin)
    compliance.registry.grantRole(role("KYC_OPERATOR_ROLE"), admin, sender=admin)
    compliance.registry.grantRole(role("ASSET_POLICY_ROLE"), admin, sender=admin)
    token = list_equity(admin, compliance, AssetTerms.example(), admin)
    now = chain.pending_timestamp
    approve_investor(compliance, admin, investor.address, tier=2, now=now)

    stack = deploy_minting_stack(admin, compliance, admin, settlement=relayer.address, now=now)
    grant_minting_roles(stack, admin, submitter=relayer, rejecter=admin, publisher=admin)
    set_attestors(stack, admin, brokerage=[broker.address], custody=[custody.address])
    usdc = deploy_test_stablecoin(admin)
    list_payment_token(stack, admin, usdc)
    set_tier_limits(stack, admin)
    list_asset(stack, admin, token, custodian.address, 10**6 * SHARE, 10**5 * SHARE, DAY, 30, 50)
    publish_reserves(stack, admin, custodian.key, token, 10_000 * SHARE, chain.pending_timestamp - 1)
    usdc.mint(investor, 10**6 * USDC, sender=admin)
    usdc.mint(relayer, 10**6 * USDC, sender=admin)
    usdc.approve(stack.minter.address, 2**256 - 1, sender=investor)
    usdc.approve(stack.minter.address, 2**256 - 1, sender=relayer)
    token.approve(stack.minter.address, 2**256 - 1, sender=investor)
    keys = [broker.key, custody.key]
    m = stack.minter
    result: dict[str, int] = {}

    def request_mint() -> tuple[bytes, int]:
        deadline = chain.pending_timestamp + 3600
        receipt = m.requestMint(token.address, usdc.address, 1_000 * USDC, PRICE, deadline, sender=investor)
        return bytes(receipt.decode_logs(m.MintRequested)[0].requestId), receipt.gas_used

    def fulfill(rid: bytes, shares: int) -> int:
        fill, asset, account = build_fill(stack, rid, shares, PRICE, chain.pending_timestamp + 3600)
        method = m.fulfillMint if m.getRequest(rid).kind == 0 else m.fulfillBurn
        return method(fill.as_tuple(), attest(stack, fill, asset, account, keys), sender=relayer).gas_used

    rid, result["requestMint_first"] = request_mint()
    result["fulfillMint_2_attestations_first"] = fulfill(rid, 2 * SHARE)
    rid, result["requestMint"] = request_mint()
    result["fulfillMint_2_attestations"] = fulfill(rid, 2 * SHARE)
    rid, _ = request_mint()
    result["fulfillMint_partial_2_attestations"] = fulfill(rid, SHARE)

    def request_burn(shares: int) -> tuple[bytes, int]:
        deadline = chain.pending_timestamp + 3600
        receipt = m.requestBurn(token.address, usdc.address, shares, PRICE, deadline, sender=investor)
        return bytes(receipt.decode_logs(m.BurnRequested)[0].requestId), receipt.gas_used

    rid, result["requestBurn"] = request_burn(SHARE)
    result["fulfillBurn_2_attestations"] = fulfill(rid, SHARE)

    rid, _ = request_mint()
    chain.pending_timestamp += 3601
    result["cancel"] = m.cancel(rid, sender=relayer).gas_used
    return result


# Before the gas work of ADR 0010's "Gas" section (commit 5e26f75, token on ComplianceRecords), same script.
BASELINE = {
    "requestMint_first": 182_972,
    "fulfillMint_2_attestations_first": 292_837,
    "requestMint": 149_236,
    "fulfillMint_2_attestations": 202_294,
    "fulfillMint_partial_2_attestations": 202_294,
    "requestBurn": 149_345,
    "fulfillBurn_2_attestations": 180_827,
    "cancel": 53_513,
}
TARGETS = {"requestMint": 120_000, "fulfillMint_2_attestations": 160_000}
# Dinari's published medians (forge, .gas-report): createOrder 159,370 / fillOrder 176,840.
DINARI = {"requestMint": 159_370, "fulfillMint_2_attestations": 176_840}


def table(result: dict[str, int]) -> str:
    rows = [f"{'operation':<36}{'before':>10}{'after':>10}{'change':>10}{'target':>10}{'Dinari':>10}"]
    for name, after in result.items():
        before = BASELINE.get(name)
        change = f"{after - before:+,}" if before else ""
        target, dinari = (f"{d[name]:,}" if name in d else "" for d in (TARGETS, DINARI))
        rows.append(f"{name:<36}{before or 0:>10,}{after:>10,}{change:>10}{target:>10}{dinari:>10}")
    return "\n".join(rows)


def main() -> None:
    from ape import networks

    with networks.parse_network_choice("ethereum:local:foundry"):
        result = measure_minting()
    print(json.dumps(result, indent=2))
    print(table(result))


if __name__ == "__main__":
    main()
