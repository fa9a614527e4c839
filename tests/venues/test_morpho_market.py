"""RAT-style collateral in the real Morpho Blue: supply, borrow, repay, withdraw and liquidate end to end, and the
oracle's states deciding what may happen (docs/decisions/0102). Collateral is a plain ERC-20 standing in for a RAT;
the oracle reads the multiplier from MockMultiplierSource exactly as from a RealAssetToken."""

import ape
import pytest
from morpho_support import (
    COLLATERAL,
    MON_MIDDAY,
    MON_OPEN,
    PRICE_1E36,
    SAT_MIDDAY,
    SHARE_PRICE,
    THU_EARLY_CLOSE,
    TUE_MIDDAY,
    UNIT,
    USDC,
    borrow_direct,
    borrow_via_gateway,
    borrow_shares,
    build_market,
    collateral_of,
    fresh_price,
    fund_liquidator,
    max_borrow,
    warp,
)

from rat.venues.morpho import is_healthy


@pytest.fixture(scope="module")
def market(project, chain, admin, pauser, bob, alice):
    return build_market(project, chain, admin, pauser, bob, alice)


def test_borrow_repay_and_withdraw_go_through_the_real_morpho_while_the_market_is_open(market, chain, alice):
    fresh_price(market, chain, MON_MIDDAY)
    borrow_via_gateway(market, alice, 50_000 * USDC)
    assert market.loan.balanceOf(alice) == 50_000 * USDC
    market.loan.approve(market.morpho.address, 2**256 - 1, sender=alice)
    market.loan.mint(alice.address, 10 * USDC, sender=market.admin)  # a few seconds of interest
    market.morpho.repay(market.params, 0, borrow_shares(market, alice), alice.address, b"", sender=alice)
    market.morpho.withdrawCollateral(market.params, COLLATERAL, alice.address, alice.address, sender=alice)
    assert (borrow_shares(market, alice), collateral_of(market, alice)) == (0, 0)
    assert market.collateral.balanceOf(alice) == COLLATERAL


def test_borrowing_beyond_the_lltv_is_refused_by_morpho(market, chain, alice):
    fresh_price(market, chain, MON_MIDDAY)
    with ape.reverts("insufficient collateral"):
        borrow_via_gateway(market, alice, max_borrow(PRICE_1E36) + USDC)


def test_a_price_drop_makes_the_position_liquidatable_through_the_gateway(market, chain, alice, carol):
    fresh_price(market, chain, MON_MIDDAY)
    borrow_via_gateway(market, alice, 60_000 * USDC)
    fresh_price(market, chain, MON_MIDDAY + 600, SHARE_PRICE * 91 // 100, accept=True)
    assert not is_healthy(market.morpho, market.stack.params, alice.address, market.oracle.liquidationPrice())
    fund_liquidator(market, carol)
    market.gateway.liquidate(market.params, alice.address, 100 * UNIT, 0, 2**256 - 1, sender=carol)
    assert market.collateral.balanceOf(carol) == 100 * UNIT
    assert collateral_of(market, alice) == COLLATERAL - 100 * UNIT


def test_the_liquidator_pays_no_more_than_its_stated_maximum(market, chain, alice, carol):
    fresh_price(market, chain, MON_MIDDAY)
    borrow_via_gateway(market, alice, 60_000 * USDC)
    fresh_price(market, chain, MON_MIDDAY + 600, SHARE_PRICE * 91 // 100, accept=True)
    fund_liquidator(market, carol)
    with ape.reverts(market.gateway.RepaidAboveMaximum):
        market.gateway.liquidate(market.params, alice.address, 100 * UNIT, 0, 1 * USDC, sender=carol)


def test_a_direct_borrow_is_refused_while_the_market_is_closed(market, chain, alice):
    fresh_price(market, chain, THU_EARLY_CLOSE - 60)
    warp(chain, SAT_MIDDAY)
    with ape.reverts(market.oracle.NoPricingContext):
        borrow_direct(market, alice, 1_000 * USDC)


def test_a_closed_market_lends_through_the_gateway_only_up_to_the_haircut_price(market, chain, alice):
    fresh_price(market, chain, THU_EARLY_CLOSE - 60)
    warp(chain, SAT_MIDDAY + 1)
    quote = market.oracle.quote()
    haircut_price = PRICE_1E36 * (10_000 - quote.haircutBps) // 10_000
    assert quote.haircutBps > 0
    with ape.reverts("insufficient collateral"):
        market.gateway.borrow(market.params, max_borrow(haircut_price) + 100 * USDC, alice.address, sender=alice)
    market.gateway.borrow(market.params, max_borrow(haircut_price) - 100 * USDC, alice.address, sender=alice)
    assert market.loan.balanceOf(alice) == max_borrow(haircut_price) - 100 * USDC
    assert market.loan.balanceOf(market.gateway) == 0  # paid through, nothing kept


def test_no_position_is_liquidatable_purely_because_the_market_closed(market, chain, alice, carol):
    fresh_price(market, chain, THU_EARLY_CLOSE - 60)
    # The week before, Monday: borrow close to the limit at the same price.
    borrow_via_gateway(market, alice, 62_000 * USDC)
    warp(chain, SAT_MIDDAY)
    haircut = market.oracle.quote().haircutBps
    assert not is_healthy(market.morpho, market.stack.params, alice.address,
                          PRICE_1E36 * (10_000 - haircut) // 10_000)  # unhealthy only at the haircut price
    fund_liquidator(market, carol)
    with ape.reverts("position is healthy"):
        market.gateway.liquidate(market.params, alice.address, 10 * UNIT, 0, 2**256 - 1, sender=carol)
    with ape.reverts(market.oracle.NoPricingContext):
        market.morpho.liquidate(market.params, alice.address, 10 * UNIT, 0, b"", sender=carol)


def test_repay_and_adding_collateral_still_work_while_the_oracle_is_stale(market, chain, alice):
    fresh_price(market, chain, MON_MIDDAY)
    borrow_via_gateway(market, alice, 10_000 * USDC)
    warp(chain, TUE_MIDDAY)  # in session, no price since Monday: heartbeat missed
    assert market.oracle.quote().state == 2  # STALE
    market.collateral.transfer(alice.address, 5 * UNIT, sender=market.admin)
    market.morpho.supplyCollateral(market.params, 5 * UNIT, alice.address, b"", sender=alice)
    market.loan.approve(market.morpho.address, 2**256 - 1, sender=alice)
    market.morpho.repay(market.params, 0, borrow_shares(market, alice) // 2, alice.address, b"", sender=alice)
    assert collateral_of(market, alice) == COLLATERAL + 5 * UNIT


def test_no_borrow_or_collateral_withdrawal_with_debt_while_the_oracle_is_stale(market, chain, alice):
    fresh_price(market, chain, MON_MIDDAY)
    borrow_via_gateway(market, alice, 10_000 * USDC)
    warp(chain, TUE_MIDDAY)
    with ape.reverts(market.oracle.NoPricingContext):
        borrow_direct(market, alice, 1_000 * USDC)
    with ape.reverts(market.oracle.OracleUnavailable):
        market.gateway.borrow(market.params, 1_000 * USDC, alice.address, sender=alice)
    with ape.reverts(market.oracle.OracleUnavailable):
        market.gateway.withdrawCollateral(market.params, UNIT, alice.address, sender=alice)


def test_a_stale_position_is_liquidated_only_if_unhealthy_even_at_the_most_favourable_price(
        market, chain, alice, carol):
    fresh_price(market, chain, MON_OPEN + 120)
    borrow_via_gateway(market, alice, 62_000 * USDC)
    fund_liquidator(market, carol)
    warp(chain, TUE_MIDDAY)  # stale at $100: favourable $110, healthy
    with ape.reverts("position is healthy"):
        market.gateway.liquidate(market.params, alice.address, 10 * UNIT, 0, 2**256 - 1, sender=carol)


def test_a_stale_position_unhealthy_at_the_favourable_price_can_be_liquidated_through_the_gateway_only(
        market, chain, alice, carol):
    fresh_price(market, chain, MON_OPEN + 120)
    borrow_via_gateway(market, alice, 62_000 * USDC)
    for step, answer in enumerate((91, 83, 76)):  # each move within the 10% bound, accepted by the keeper
        fresh_price(market, chain, MON_OPEN + 600 * (step + 1), answer * 10**8, accept=True)
    warp(chain, TUE_MIDDAY)  # stale; favourable price 76 * 1.1 = $83.6 -> borrowable 52,250 < 62,000
    assert not is_healthy(market.morpho, market.stack.params, alice.address, market.oracle.favourablePrice())
    fund_liquidator(market, carol)
    with ape.reverts(market.oracle.NoPricingContext):
        market.morpho.liquidate(market.params, alice.address, 10 * UNIT, 0, b"", sender=carol)
    market.gateway.liquidate(market.params, alice.address, 10 * UNIT, 0, 2**256 - 1, sender=carol)
    assert market.collateral.balanceOf(carol) == 10 * UNIT


def test_no_borrow_in_the_day_before_a_split(market, chain, alice):
    market.multiplier.scheduleSplit(TUE_MIDDAY + 3_600, 2, 1, sender=market.admin)
    fresh_price(market, chain, MON_OPEN + 120)
    borrow_via_gateway(market, alice, 1_000 * USDC)  # Monday: more than a day ahead, borrowing works
    fresh_price(market, chain, TUE_MIDDAY)
    with ape.reverts(market.oracle.OracleUnavailable):
        borrow_via_gateway(market, alice, 1_000 * USDC)


def test_a_split_leaves_the_position_health_unchanged(market, chain, alice):
    fresh_price(market, chain, MON_MIDDAY)
    borrow_via_gateway(market, alice, 60_000 * USDC)
    before = market.oracle.borrowPrice()
    split_at = TUE_MIDDAY - 3_600
    market.multiplier.scheduleSplit(split_at, 2, 1, sender=market.admin)
    # After the split the feed quotes the new (half-price) shares; the custodian confirms the post-split holding.
    market.reserves.setAsOf(market.multiplier.address, split_at + 60, sender=market.admin)
    fresh_price(market, chain, TUE_MIDDAY, SHARE_PRICE // 2, accept=True)
    assert market.oracle.borrowPrice() == before
    assert is_healthy(market.morpho, market.stack.params, alice.address, market.oracle.borrowPrice())
    with ape.reverts("insufficient collateral"):
        borrow_via_gateway(market, alice, max_borrow(before) - 60_000 * USDC + 100 * USDC)
