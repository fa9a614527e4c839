"""Shared set-up of the Morpho Blue collateral tests: the real Morpho Blue, a RatEquityOracle on the XNYS calendar
and a market whose collateral is a plain ERC-20 standing in for a RAT (MockMultiplierSource plays the token's
multiplier) until the VENUE holder class lands. Times are fixed dates of the week before Christmas 2026, so the
calendar holds a normal session, an early close, a holiday and a weekend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, NamedTuple

from eth_utils import keccak

from rat.venues.calendar import day_index, publish_sessions, sessions_for_days
from rat.venues.collateral import (
    CollateralStack,
    OracleParams,
    deploy_calendar,
    deploy_collateral_stack,
    list_collateral_venues,
)
from rat.venues.morpho import deploy_morpho

UNIT = 10**18
USDC = 10**6
FEED_DECIMALS = 8
SHARE_PRICE = 100 * 10**FEED_DECIMALS  # $100 per share
PRICE_1E36 = 10**26  # $100 per token: 100e6 USDC units per 1e18 collateral units, scaled 1e36
COLLATERAL = 1_000 * UNIT
LIQUIDITY = 1_000_000 * USDC
PARAMS = OracleParams()
PLEDGED = 100 * UNIT  # rAAPL Alice pledges in the frozen-borrower tests
BORROWED = 5_000 * USDC  # what she borrows against it
LISTING_REF = keccak(text="governance decision: list the rAAPL/USDC Morpho Blue market")
FREEZE_REF = keccak(text="sanctions decision 2026-117")


def utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=timezone.utc).timestamp())


MON_OPEN = utc(2026, 12, 21, 14, 30)
MON_MIDDAY = utc(2026, 12, 21, 16, 0)
MON_CLOSE = utc(2026, 12, 21, 21, 0)
TUE_MIDDAY = utc(2026, 12, 22, 16, 0)
FRI_HOLIDAY = utc(2026, 12, 25, 16, 0)
SAT_MIDDAY = utc(2026, 12, 26, 12, 0)
THU_EARLY_CLOSE = utc(2026, 12, 24, 18, 0)


@dataclass
class Market:
    stack: CollateralStack
    morpho: Any
    oracle: Any
    gateway: Any
    calendar: Any
    feed: Any
    collateral: Any
    loan: Any
    multiplier: Any
    reserves: Any
    params: Any
    admin: Any


class BorrowedMarket(NamedTuple):
    """rAAPL/USDC on the real Morpho Blue with Alice's loan open: the `borrowed_market` fixture (conftest.py)."""

    stack: CollateralStack
    token: Any
    loan: Any
    feed: Any
    params: tuple


def warp(chain: Any, timestamp: int) -> None:
    """Mines a block at `timestamp` so views and the next transactions see that time."""
    chain.mine(1, timestamp=timestamp)


def set_price(market: Market, answer: int, at: int) -> None:
    """Publishes a feed round answered at `at`."""
    round_id = market.feed.latestRound() + 1
    market.feed.setRound(round_id, answer, at, at, round_id, sender=market.admin)


def build_market(project: Any, chain: Any, admin: Any, keeper: Any, lender: Any, borrower: Any) -> Market:
    morpho = deploy_morpho(admin)
    loan = admin.deploy(project.TestStablecoin, "USD Coin", "USDC", 6, admin.address)
    collateral = admin.deploy(project.PlainERC20, admin.address, 10**6 * UNIT)
    multiplier = admin.deploy(project.MockMultiplierSource, 18)
    reserves = admin.deploy(project.MockReserveRoundSource)
    feed = admin.deploy(project.MockV3Aggregator, FEED_DECIMALS, SHARE_PRICE)
    calendar = deploy_calendar(admin, keeper)
    today = chain.pending_timestamp // 86_400
    publish_sessions(calendar, sessions_for_days("XNYS", today, day_index(datetime(2027, 1, 15)) - today), keeper)
    stack = deploy_collateral_stack(
        morpho, admin, calendar=calendar, feed=feed, collateral_token=collateral, multiplier_source=multiplier,
        loan_token=loan, reserves=reserves, oracle_params=PARAMS)
    market = Market(stack, morpho, stack.oracle, stack.gateway, calendar, feed, collateral, loan, multiplier,
                    reserves, stack.params.as_tuple(), admin)
    warp(chain, MON_OPEN + 60)
    set_price(market, SHARE_PRICE, MON_OPEN + 60)
    stack.oracle.acceptReviewedPrice(sender=admin)
    loan.mint(lender.address, LIQUIDITY, sender=admin)
    loan.approve(morpho.address, 2**256 - 1, sender=lender)
    morpho.supply(market.params, LIQUIDITY, 0, lender.address, b"", sender=lender)
    collateral.transfer(borrower.address, COLLATERAL, sender=admin)
    collateral.approve(morpho.address, 2**256 - 1, sender=borrower)
    morpho.supplyCollateral(market.params, COLLATERAL, borrower.address, b"", sender=borrower)
    morpho.setAuthorization(stack.gateway.address, True, sender=borrower)
    return market


def max_borrow(price: int, collateral: int = COLLATERAL, lltv: int = 625 * 10**15) -> int:
    return collateral * price // 10**36 * lltv // UNIT


def fresh_price(market: Market, chain: Any, at: int, answer: int = SHARE_PRICE, accept: bool = False) -> None:
    """Moves time to `at` and publishes a feed round answered then; `accept` also runs the keeper's update()."""
    warp(chain, at)
    set_price(market, answer, at)
    if accept:
        market.oracle.update(sender=market.admin)


def borrow_via_gateway(market: Market, borrower: Any, assets: int) -> Any:
    """Borrows for `borrower` through the gateway's BORROW context (the oracle prices nowhere else)."""
    return market.gateway.borrow(market.params, assets, borrower.address, sender=borrower)


def borrow_direct(market: Market, borrower: Any, assets: int) -> Any:
    """A borrow straight at Morpho: the oracle prices it outside any context, so it reverts NoPricingContext."""
    return market.morpho.borrow(market.params, assets, 0, borrower.address, borrower.address, sender=borrower)


def borrow_shares(market: Market, borrower: Any) -> int:
    return int(market.morpho.position(market.stack.params.market_id(), borrower.address)[1])


def collateral_of(market: Market, borrower: Any) -> int:
    return int(market.morpho.position(market.stack.params.market_id(), borrower.address)[2])


def fund_liquidator(market: Market, liquidator: Any, amount: int = 200_000 * USDC) -> None:
    market.loan.mint(liquidator.address, amount, sender=market.admin)
    market.loan.approve(market.gateway.address, 2**256 - 1, sender=liquidator)


def open_rat_market(project, chain, admin, pauser, supplier, borrower, token, registry, listing_ref: bytes,
                    pledged: int, governance: str | None = None):
    """rAAPL/USDC on the real Morpho Blue, Morpho and the gateway registered venues of `token` (the gateway Morpho's
    exit), the oracle OPEN at
    $100 a share on Monday's open; `supplier` supplies 1,000,000 USDC and `borrower` pledges `pledged` RAT.
    Returns (stack, loan token, feed, market params tuple)."""
    from datetime import date

    from rat.deploy import role

    morpho = deploy_morpho(admin)
    loan = admin.deploy(project.TestStablecoin, "USD Coin", "USDC", 6, admin.address)
    feed = admin.deploy(project.MockV3Aggregator, 8, SHARE_PRICE)
    reserves = admin.deploy(project.MockReserveRoundSource)
    calendar = deploy_calendar(admin, pauser)
    today = chain.pending_timestamp // 86_400
    publish_sessions(calendar, sessions_for_days("XNYS", today, day_index(date(2027, 1, 15)) - today), pauser)
    extra = {} if governance is None else {"governance": governance}
    stack = deploy_collateral_stack(morpho, admin, calendar=calendar, feed=feed, collateral_token=token,
                                    multiplier_source=token, loan_token=loan, reserves=reserves, **extra)
    registry.grantRole(role("VENUE_LISTING_ROLE"), admin, sender=admin)
    list_collateral_venues(registry, token, morpho, stack.gateway, listing_ref, admin)
    warp(chain, MON_OPEN + 60)
    feed.setRound(2, SHARE_PRICE, MON_OPEN + 60, MON_OPEN + 60, 2, sender=admin)
    stack.oracle.acceptReviewedPrice(sender=admin)
    params = stack.params.as_tuple()
    loan.mint(supplier.address, 1_000_000 * USDC, sender=admin)
    loan.approve(morpho.address, 2**256 - 1, sender=supplier)
    morpho.supply(params, 1_000_000 * USDC, 0, supplier.address, b"", sender=supplier)
    token.approve(morpho.address, 2**256 - 1, sender=borrower)
    morpho.supplyCollateral(params, pledged, borrower.address, b"", sender=borrower)
    return stack, loan, feed, params


def open_borrowed_market(project, chain, admin, pauser, supplier, borrower, token, registry, listing_ref: bytes,
                         pledged: int, borrowed: int, governance: str | None = None):
    """`open_rat_market`, then at Monday midday (a fresh round, the oracle OPEN at $100 a share) `borrower` authorises
    the gateway at Morpho and borrows `borrowed` USDC through it. Returns what `open_rat_market` returns."""
    stack, loan, feed, params = open_rat_market(project, chain, admin, pauser, supplier, borrower, token, registry,
                                                listing_ref, pledged, governance=governance)
    stack.morpho.setAuthorization(stack.gateway.address, True, sender=borrower)
    warp(chain, MON_MIDDAY)
    feed.setRound(3, SHARE_PRICE, MON_MIDDAY, MON_MIDDAY, 3, sender=admin)
    stack.gateway.borrow(params, borrowed, borrower.address, sender=borrower)
    return stack, loan, feed, params
