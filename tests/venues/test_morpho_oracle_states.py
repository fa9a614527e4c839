"""RatEquityOracle's states and every transition between them, the multiplier in its price, the calendar it shares
with the relayer, and who may change it (docs/decisions/0102)."""

from datetime import datetime, timezone

import ape
import pytest
from morpho_support import (
    MON_CLOSE,
    MON_MIDDAY,
    MON_OPEN,
    PARAMS,
    PRICE_1E36,
    SAT_MIDDAY,
    SHARE_PRICE,
    THU_EARLY_CLOSE,
    TUE_MIDDAY,
    build_market,
    fresh_price,
    set_price,
    utc,
    warp,
)

from relayer.market_hours import ExchangeCalendar

OPEN, CLOSED, STALE, SPLIT_WINDOW = range(4)
(NONE, MARKET_CLOSED, CALENDAR_UNKNOWN, NO_ACCEPTED_PRICE, INVALID_ANSWER, HEARTBEAT_MISSED, DEVIATION_TOO_LARGE,
 SPLIT_PENDING, SPLIT_UNCONFIRMED) = range(9)


@pytest.fixture(scope="module")
def market(project, chain, admin, pauser, bob, alice):
    return build_market(project, chain, admin, pauser, bob, alice)


def state(market):
    q = market.oracle.quote()
    return int(q.state), int(q.reason)


def test_the_open_price_is_the_share_price_times_the_multiplier_scaled_to_1e36(market, chain):
    fresh_price(market, chain, MON_MIDDAY)
    assert market.oracle.borrowPrice() == PRICE_1E36
    fee_eroded = 99 * 10**16  # 0.99 shares per token after management fees
    market.multiplier.setState((fee_eroded, MON_MIDDAY - 1, 0, 0, 0, 0), sender=market.admin)
    assert market.oracle.borrowPrice() == PRICE_1E36 * 99 // 100


def test_outside_the_gateways_pricing_context_price_reverts_even_while_open(market, chain):
    fresh_price(market, chain, MON_MIDDAY)
    assert state(market) == (OPEN, NONE)
    with ape.reverts(market.oracle.NoPricingContext):
        market.oracle.price()


def test_the_views_give_the_closed_markets_borrow_price_with_haircut_and_liquidation_price_without(market, chain):
    fresh_price(market, chain, THU_EARLY_CLOSE - 60)
    warp(chain, SAT_MIDDAY)
    quote = market.oracle.quote()
    assert state(market) == (CLOSED, MARKET_CLOSED)
    assert market.oracle.borrowPrice() == PRICE_1E36 * (10_000 - quote.haircutBps) // 10_000
    assert market.oracle.liquidationPrice() == PRICE_1E36


def test_the_views_refuse_a_stale_borrow_price_and_give_the_favourable_liquidation_price(market, chain):
    fresh_price(market, chain, MON_MIDDAY)
    warp(chain, MON_MIDDAY + PARAMS.heartbeat + 1)
    assert state(market) == (STALE, HEARTBEAT_MISSED)
    with ape.reverts(market.oracle.OracleUnavailable):
        market.oracle.borrowPrice()
    assert market.oracle.liquidationPrice() == market.oracle.favourablePrice()


def test_open_to_closed_at_the_session_close(market, chain):
    fresh_price(market, chain, MON_CLOSE - 60)
    assert state(market) == (OPEN, NONE)
    warp(chain, MON_CLOSE + 1)
    assert state(market) == (CLOSED, MARKET_CLOSED)


def test_closed_to_open_at_the_next_session_with_a_fresh_price(market, chain):
    fresh_price(market, chain, MON_CLOSE - 60)
    warp(chain, MON_CLOSE + 3_600)
    assert state(market) == (CLOSED, MARKET_CLOSED)
    fresh_price(market, chain, utc(2026, 12, 22, 14, 31))
    assert state(market) == (OPEN, NONE)


def test_open_to_stale_when_the_heartbeat_is_missed_and_back_on_a_fresh_price(market, chain):
    fresh_price(market, chain, MON_MIDDAY)
    warp(chain, MON_MIDDAY + PARAMS.heartbeat + 1)
    assert state(market) == (STALE, HEARTBEAT_MISSED)
    fresh_price(market, chain, MON_MIDDAY + PARAMS.heartbeat + 60)
    assert state(market) == (OPEN, NONE)


def test_open_to_stale_on_a_move_beyond_the_deviation_bound_until_governance_accepts_it(market, chain):
    fresh_price(market, chain, MON_MIDDAY, SHARE_PRICE * 85 // 100)
    assert state(market) == (STALE, DEVIATION_TOO_LARGE)
    with ape.reverts(market.oracle.DeviationTooLarge):
        market.oracle.update(sender=market.admin)
    market.oracle.acceptReviewedPrice(sender=market.admin)
    assert state(market) == (OPEN, NONE)
    assert market.oracle.borrowPrice() == PRICE_1E36 * 85 // 100


def test_a_non_positive_answer_makes_the_oracle_stale(market, chain):
    fresh_price(market, chain, MON_MIDDAY, 0)
    assert state(market) == (STALE, INVALID_ANSWER)


def test_a_closed_market_is_stale_when_the_feed_went_quiet_before_the_close(market, chain):
    warp(chain, MON_CLOSE + 3_600)  # last price at Monday's open, more than a heartbeat before the close
    assert state(market) == (STALE, HEARTBEAT_MISSED)


def test_an_unpublished_calendar_day_makes_the_oracle_stale(market, chain):
    fresh_price(market, chain, MON_MIDDAY)
    warp(chain, utc(2027, 2, 1, 16, 0))
    assert state(market) == (STALE, CALENDAR_UNKNOWN)


def test_the_closed_haircut_grows_with_time_closed(market, chain):
    fresh_price(market, chain, THU_EARLY_CLOSE - 60)
    warp(chain, THU_EARLY_CLOSE + 60)
    just_closed = int(market.oracle.quote().haircutBps)
    warp(chain, SAT_MIDDAY)
    saturday = int(market.oracle.quote().haircutBps)
    assert just_closed == PARAMS.closed_haircut_bps
    hours_closed = (SAT_MIDDAY - THU_EARLY_CLOSE) // 3_600
    assert saturday == PARAMS.closed_haircut_bps + PARAMS.haircut_per_day_bps * hours_closed // 24


def test_the_closed_haircut_stops_at_its_cap(market, chain):
    market.oracle.setParams((PARAMS.heartbeat, PARAMS.max_deviation_bps, 200, 2_000, 1_500, PARAMS.split_guard),
                            sender=market.admin)
    fresh_price(market, chain, THU_EARLY_CLOSE - 60)
    warp(chain, SAT_MIDDAY)
    assert market.oracle.quote().haircutBps == 1_500


def test_a_split_opens_the_window_a_guard_period_before_activation(market, chain):
    market.multiplier.scheduleSplit(TUE_MIDDAY, 2, 1, sender=market.admin)
    fresh_price(market, chain, TUE_MIDDAY - PARAMS.split_guard - 60)
    assert state(market) == (OPEN, NONE)
    fresh_price(market, chain, TUE_MIDDAY - 3_600)
    assert state(market) == (SPLIT_WINDOW, SPLIT_PENDING)


def test_the_split_window_lasts_until_a_post_split_price_and_a_post_split_reserve_round(market, chain):
    split_at = TUE_MIDDAY - 3_600
    market.multiplier.scheduleSplit(split_at, 2, 1, sender=market.admin)
    set_price(market, SHARE_PRICE, split_at - 600)  # the last pre-split round
    warp(chain, split_at + 60)
    assert state(market) == (SPLIT_WINDOW, SPLIT_UNCONFIRMED)
    with ape.reverts(market.oracle.AnswerPredatesSplit):  # the feed still quotes the old shares
        market.oracle.acceptReviewedPrice(sender=market.admin)
    fresh_price(market, chain, TUE_MIDDAY, SHARE_PRICE // 2, accept=True)
    assert state(market) == (SPLIT_WINDOW, SPLIT_UNCONFIRMED)  # the custodian has not confirmed yet
    market.reserves.setAsOf(market.multiplier.address, split_at + 600, sender=market.admin)
    assert state(market) == (OPEN, NONE)
    assert market.oracle.borrowPrice() == PRICE_1E36


def test_scheduling_the_next_split_does_not_end_the_window_of_an_unconfirmed_one(market, chain):
    split_at = TUE_MIDDAY - 3_600
    market.multiplier.scheduleSplit(split_at, 2, 1, sender=market.admin)
    set_price(market, SHARE_PRICE, split_at - 600)
    warp(chain, split_at + 60)
    market.multiplier.scheduleSplit(split_at + 30 * 24 * 3_600, 2, 1, sender=market.admin)
    assert state(market) == (SPLIT_WINDOW, SPLIT_UNCONFIRMED)


def test_in_the_split_window_the_favourable_price_takes_the_larger_multiplier(market, chain):
    market.multiplier.scheduleSplit(TUE_MIDDAY - 3_600, 2, 1, sender=market.admin)
    warp(chain, TUE_MIDDAY)
    # Accepted: $100 per old share at multiplier 1; now multiplier 2: the borrower gets the doubled reading + bound.
    assert market.oracle.favourablePrice() == 2 * PRICE_1E36 * (10_000 + PARAMS.max_deviation_bps) // 10_000


def test_the_on_chain_calendar_agrees_with_the_relayer_calendar_minute_by_minute(market):
    relayer = ExchangeCalendar("XNYS")
    disagreements = []
    for t in range(utc(2026, 12, 21), utc(2026, 12, 29), 900):  # every 15 min: early close, holiday, weekend
        on_chain = bool(market.calendar.statusAt(t).open)
        if on_chain != relayer.is_open(datetime.fromtimestamp(t, timezone.utc)):
            disagreements.append(t)
    assert disagreements == []
    assert market.calendar.statusAt(utc(2026, 12, 24, 17, 45)).open  # Christmas Eve early close at 13:00 ET
    assert not market.calendar.statusAt(utc(2026, 12, 24, 18, 15)).open


def test_a_calendar_day_cannot_be_rewritten_once_it_has_begun(market, chain, pauser):
    warp(chain, MON_MIDDAY)
    with ape.reverts(market.calendar.DayAlreadyStarted):
        market.calendar.publish(MON_MIDDAY // 86_400, [0], [0], sender=pauser)


def test_the_keeper_moves_the_oracle_along_the_feed_within_the_bound(market, chain):
    fresh_price(market, chain, MON_MIDDAY, SHARE_PRICE * 105 // 100, accept=True)
    assert market.oracle.acceptedAnswer() == SHARE_PRICE * 105 // 100
    with ape.reverts(market.oracle.NothingNewToAccept):
        market.oracle.update(sender=market.admin)


def test_an_answer_older_than_the_heartbeat_is_not_accepted(market, chain):
    set_price(market, SHARE_PRICE, MON_OPEN + 120)
    warp(chain, MON_OPEN + 120 + PARAMS.heartbeat + 1)
    with ape.reverts(market.oracle.AnswerTooOld):
        market.oracle.update(sender=market.admin)
