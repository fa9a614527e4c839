"""Collateral benchmark: gas of Morpho Blue operations with RAT collateral against the same market with a plain
ERC-20 collateral, both in ONE anvil run on the real Morpho Blue (our build of the unmodified npm 1.0.0 sources),
plus the cost of one RatEquityOracle read (`borrowPrice()`, what `price()` costs in the BORROW context). Writes
bench/results/collateral.json. Run: `make bench-collateral`.

Both markets use a RatEquityOracle, the same IRM and LLTV, and the same call sequence (first pledge, borrow,
partial repay, a one-unit collateral withdrawal and the liquidation of a 2-share slice; borrow, withdrawal and
liquidation through the gateway, the only place the oracle prices: a direct Morpho.borrow reverts), so
the ratio isolates what the RAT collateral costs: the compliance-checked transfers into and out of Morpho, the
gateway's freeze check and the token's multiplier read. RAT leaves Morpho only through the gateway (its venue exit,
ADR 0102), so a direct liquidation at Morpho is not measured: it is refused for RAT.
Goal (issue 19): RAT / plain <= 1.25 on each operation. Figures are whole-transaction gas_used (21,000 included)."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ape import accounts, chain, networks, project
from eth_utils import keccak

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rat.deploy import AssetTerms, approve_investor, deploy_compliance_stack, list_equity, role  # noqa: E402
from rat.venues.calendar import DAY, publish_sessions, sessions_for_days  # noqa: E402
from rat.venues.collateral import deploy_calendar, deploy_collateral_stack, list_collateral_venues  # noqa: E402
from rat.venues.morpho import deploy_morpho  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "collateral.json"
UNIT = 10**18
USDC = 10**6
SHARE_PRICE = 100 * 10**8
PLEDGE = 100 * UNIT
GOAL_RATIO = 1.25
OPERATIONS = ("supply_collateral", "borrow_gateway", "repay", "withdraw_collateral_gateway", "liquidate_gateway")


def _git_commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()


def _next_session_open() -> int:
    today = chain.pending_timestamp // DAY
    for session in sessions_for_days("XNYS", today + 1, 10):
        if session.is_trading_day:
            return session.day * DAY + session.open_offset
    raise RuntimeError("no XNYS session in the next 10 days")


def _tick() -> None:
    """A minute passes before each measured call, so Morpho always accrues interest (it skips the IRM when no
    second has passed since the market's last update, which would make figures depend on block timing)."""
    chain.mine(1, timestamp=chain.blocks.head.timestamp + 60)


def measure() -> dict[str, Any]:
    admin, kyc_operator, keeper, lender, liquidator = (accounts.test_accounts[i] for i in (0, 1, 4, 7, 9))
    # One borrower per market, each starting from the same warm state (a USDC balance already non-zero), so the
    # order in which the markets are measured does not bias a figure.
    borrowers = {"plain_erc20": accounts.test_accounts[6], "rat": accounts.test_accounts[8]}
    morpho = deploy_morpho(admin)
    loan = admin.deploy(project.TestStablecoin, "USD Coin", "USDC", 6, admin.address)
    calendar = deploy_calendar(admin, keeper)
    publish_sessions(calendar, sessions_for_days("XNYS", chain.pending_timestamp // DAY, 30), keeper)
    reserves = admin.deploy(project.MockReserveRoundSource)

    compliance = deploy_compliance_stack(admin)
    compliance.registry.grantRole(role("KYC_OPERATOR_ROLE"), kyc_operator, sender=admin)
    compliance.registry.grantRole(role("ASSET_POLICY_ROLE"), admin, sender=admin)
    compliance.registry.grantRole(role("VENUE_LISTING_ROLE"), admin, sender=admin)
    rat = list_equity(admin, compliance, AssetTerms.example(), admin)
    rat.grantRole(role("MINTER_ROLE"), admin, sender=admin)
    for account in (borrowers["rat"], liquidator):
        approve_investor(compliance, kyc_operator, account.address, now=chain.pending_timestamp)
    rat.mint(borrowers["rat"], 2 * PLEDGE, sender=admin)
    plain = admin.deploy(project.PlainERC20, admin.address, 10**6 * UNIT)
    plain.transfer(borrowers["plain_erc20"], 2 * PLEDGE, sender=admin)
    plain_multiplier = admin.deploy(project.MockMultiplierSource, 18)

    feed_rat = admin.deploy(project.MockV3Aggregator, 8, SHARE_PRICE)
    feed_plain = admin.deploy(project.MockV3Aggregator, 8, SHARE_PRICE)
    rat_stack = deploy_collateral_stack(morpho, admin, calendar=calendar, feed=feed_rat, collateral_token=rat,
                                        multiplier_source=rat, loan_token=loan, reserves=reserves)
    plain_stack = deploy_collateral_stack(morpho, admin, calendar=calendar, feed=feed_plain, collateral_token=plain,
                                          multiplier_source=plain_multiplier, loan_token=loan, reserves=reserves,
                                          irm=rat_stack.irm, gateway=rat_stack.gateway)
    plain_stack.oracle.setGateway(rat_stack.gateway.address, sender=admin)
    ref = keccak(text="bench: Morpho Blue venue")
    list_collateral_venues(compliance.registry, rat, morpho, rat_stack.gateway, ref, admin)

    opens = _next_session_open()
    chain.mine(1, timestamp=opens + 60)
    for feed, stack in ((feed_rat, rat_stack), (feed_plain, plain_stack)):
        feed.setRound(2, SHARE_PRICE, opens + 60, opens + 60, 2, sender=admin)
        stack.oracle.acceptReviewedPrice(sender=admin)
    loan.mint(lender, 10**7 * USDC, sender=admin)
    loan.approve(morpho, 2**256 - 1, sender=lender)
    loan.mint(liquidator, 10**6 * USDC, sender=admin)
    loan.approve(morpho, 2**256 - 1, sender=liquidator)
    loan.approve(rat_stack.gateway, 2**256 - 1, sender=liquidator)
    for borrower in borrowers.values():
        loan.mint(borrower, USDC, sender=admin)
        loan.approve(morpho, 2**256 - 1, sender=borrower)
        morpho.setAuthorization(rat_stack.gateway, True, sender=borrower)  # the gateway withdraws for them

    results: dict[str, dict[str, int]] = {}
    for name, token, stack, feed in (("plain_erc20", plain, plain_stack, feed_plain),
                                     ("rat", rat, rat_stack, feed_rat)):
        params = stack.params.as_tuple()
        borrower = borrowers[name]
        morpho.supply(params, 10**6 * USDC, 0, lender, b"", sender=lender)
        token.approve(morpho, 2**256 - 1, sender=borrower)
        figures: dict[str, int] = {}
        _tick()
        figures["supply_collateral"] = morpho.supplyCollateral(params, PLEDGE, borrower, b"",
                                                               sender=borrower).gas_used
        _tick()
        # The oracle prices only inside the gateway's BORROW context: every borrow goes through the gateway.
        figures["borrow_gateway"] = stack.gateway.borrow(params, 6_200 * USDC, borrower, sender=borrower).gas_used
        _tick()
        figures["repay"] = morpho.repay(params, 100 * USDC, 0, borrower, b"", sender=borrower).gas_used
        _tick()
        figures["withdraw_collateral_gateway"] = stack.gateway.withdrawCollateral(params, UNIT, borrower,
                                                                                  sender=borrower).gas_used
        now = chain.pending_timestamp
        feed.setRound(3, SHARE_PRICE * 91 // 100, now, now, 3, sender=admin)
        stack.oracle.update(sender=admin)
        # What Morpho's `price()` costs in the BORROW context (outside a context it reverts NoPricingContext).
        figures["oracle_price_read"] = stack.oracle.borrowPrice.estimate_gas_cost(sender=admin) - 21_000
        _tick()
        figures["liquidate_gateway"] = stack.gateway.liquidate(params, borrower, 2 * UNIT, 0, 2**256 - 1,
                                                               sender=liquidator).gas_used
        results[name] = figures
    ratios = {op: round(results["rat"][op] / results["plain_erc20"][op], 3) for op in OPERATIONS}
    return {
        "plain_erc20": results["plain_erc20"],
        "rat": results["rat"],
        "ratio_rat_over_plain": ratios,
        "goal_ratio": GOAL_RATIO,
        "meets_goal": {op: ratio <= GOAL_RATIO for op, ratio in ratios.items()},
    }


def main() -> None:
    with networks.parse_network_choice("ethereum:local:foundry"):
        figures = measure()
        results: dict[str, Any] = {
            "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "git_commit": _git_commit(),
            "chain": f"anvil (chain id {chain.chain_id})",
            "machine": platform.machine(),
            "unit": "transaction gas_used, including the 21,000 intrinsic gas (oracle read: call gas without it)",
            "engine": "@morpho-org/morpho-blue 1.0.0 Morpho (built unmodified, solc 0.8.19 via-IR), RatEquityOracle, "
                      "RatMorphoGateway, RatFixedRateIrm",
            **figures,
        }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    for op, ratio in results["ratio_rat_over_plain"].items():
        print(f"{op}: plain {results['plain_erc20'][op]:,} rat {results['rat'][op]:,} ratio {ratio}")
    print(f"oracle read: plain {results['plain_erc20']['oracle_price_read']:,} rat {results['rat']['oracle_price_read']:,}")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
