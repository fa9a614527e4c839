"""Share multiplier: scheduled splits and reverse splits, continuous management fee, O(1) reads, rounding."""

import ape
import pytest
from eth_utils import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rat.deploy import role

SHARE = 10**18
DAY = 24 * 3600
YEAR = 365 * DAY
NOTICE = keccak(text="issuer notice: 2-for-1 split")


@pytest.fixture(scope="module")
def actions(new_account):
    """Holds CORPORATE_ACTIONS_ROLE (governance's timelock in production)."""
    return new_account()


@pytest.fixture(scope="module")
def fee_manager(new_account):
    """Holds MANAGEMENT_FEE_ROLE (the FeeVault in production)."""
    return new_account()


@pytest.fixture(scope="module")
def equity(funded, admin, actions, fee_manager):
    funded.grantRole(role("CORPORATE_ACTIONS_ROLE"), actions, sender=admin)
    funded.grantRole(role("MANAGEMENT_FEE_ROLE"), fee_manager, sender=admin)
    return funded


def _version(token) -> int:
    return token.multiplierState()[1]


def _anchor_time(token) -> int:
    return token.multiplierState()[0][1]


def _schedule(token, actions, chain, numerator, denominator, after=DAY + 60):
    activates = chain.pending_timestamp + after
    token.scheduleSplit(numerator, denominator, activates, _version(token), NOTICE, sender=actions)
    return activates


def _move_to(chain, timestamp):
    chain.pending_timestamp = timestamp
    chain.mine()


def test_a_new_token_represents_one_share_per_token(equity, alice):
    assert equity.multiplier() == SHARE
    assert equity.sharesOf(alice) == equity.balanceOf(alice) == 100 * SHARE


def test_a_split_takes_effect_by_itself_at_its_activation_time(equity, actions, chain, alice):
    activates = _schedule(equity, actions, chain, 2, 1)
    _move_to(chain, activates - 10)
    assert equity.sharesOf(alice) == 100 * SHARE
    _move_to(chain, activates)
    assert equity.multiplier() == 2 * SHARE
    assert equity.sharesOf(alice) == 200 * SHARE


def test_a_split_leaves_every_token_balance_untouched(equity, actions, chain, alice):
    activates = _schedule(equity, actions, chain, 2, 1)
    _move_to(chain, activates + 1)
    assert equity.balanceOf(alice) == 100 * SHARE
    assert equity.totalSupply() == 100 * SHARE
    assert equity.totalShares() == 200 * SHARE


def test_a_reverse_split_divides_shares(equity, actions, chain, alice):
    activates = _schedule(equity, actions, chain, 1, 4)
    _move_to(chain, activates)
    assert equity.sharesOf(alice) == 25 * SHARE


def test_a_split_is_announced_by_event_with_its_ratio_time_and_notice(equity, actions, chain):
    activates = chain.pending_timestamp + 2 * DAY
    tx = equity.scheduleSplit(3, 2, activates, 0, NOTICE, sender=actions)
    (event,) = tx.events.filter(equity.SplitScheduled)
    assert (event.version, event.numerator, event.denominator, event.activatesAt) == (1, 3, 2, activates)
    assert event.actionRef == NOTICE


def test_a_stale_version_cannot_schedule_a_second_split(equity, actions, chain):
    _schedule(equity, actions, chain, 2, 1)
    with ape.reverts(equity.MultiplierVersionMismatch, expected=0, actual=1):
        equity.scheduleSplit(2, 1, chain.pending_timestamp + 2 * DAY, 0, NOTICE, sender=actions)


def test_only_one_split_may_be_pending(equity, actions, chain):
    activates = _schedule(equity, actions, chain, 2, 1)
    with ape.reverts(equity.SplitAlreadyScheduled, activatesAt=activates):
        equity.scheduleSplit(3, 1, chain.pending_timestamp + 3 * DAY, 1, NOTICE, sender=actions)


def test_a_second_split_may_follow_once_the_first_took_effect(equity, actions, chain, alice):
    first = _schedule(equity, actions, chain, 2, 1)
    _move_to(chain, first)
    second = _schedule(equity, actions, chain, 3, 1)
    _move_to(chain, second)
    assert equity.sharesOf(alice) == 600 * SHARE


def test_a_cancelled_split_never_applies(equity, actions, chain, alice):
    activates = _schedule(equity, actions, chain, 2, 1)
    tx = equity.cancelSplit(1, NOTICE, sender=actions)
    assert [e.version for e in tx.events.filter(equity.SplitCancelled)] == [2]
    _move_to(chain, activates + DAY)
    assert equity.sharesOf(alice) == 100 * SHARE


def test_cancelling_without_a_pending_split_reverts(equity, actions):
    with ape.reverts(equity.NoSplitScheduled):
        equity.cancelSplit(0, NOTICE, sender=actions)


@pytest.mark.parametrize(("numerator", "denominator"), [(0, 1), (1, 0), (2, 2), (1001, 1), (1, 1001)])
def test_an_invalid_split_ratio_reverts(equity, actions, chain, numerator, denominator):
    with ape.reverts(equity.InvalidSplitRatio):
        equity.scheduleSplit(numerator, denominator, chain.pending_timestamp + 2 * DAY, 0, NOTICE, sender=actions)


@pytest.mark.parametrize("after", [0, DAY - 60, 366 * DAY])
def test_a_split_outside_the_notice_window_reverts(equity, actions, chain, after):
    with ape.reverts(equity.InvalidActivationTime):
        equity.scheduleSplit(2, 1, chain.pending_timestamp + after, 0, NOTICE, sender=actions)


def test_a_split_that_would_push_the_multiplier_below_its_floor_reverts(equity, actions, chain):
    for _ in range(2):
        activates = _schedule(equity, actions, chain, 1, 1000)
        _move_to(chain, activates)
    with ape.reverts(equity.MultiplierOutOfRange):
        equity.scheduleSplit(1, 1000, chain.pending_timestamp + 2 * DAY, _version(equity), NOTICE, sender=actions)


def test_the_management_fee_accrues_continuously(equity, fee_manager, chain, alice):
    equity.setManagementFee(100, sender=fee_manager)  # 1 % a year
    start = _anchor_time(equity)
    _move_to(chain, start + YEAR // 2)
    assert equity.multiplier() == SHARE - SHARE // 200
    assert equity.sharesOf(alice) == 100 * SHARE * 995 // 1000


def test_reading_the_multiplier_costs_the_same_after_ten_years(equity, fee_manager, chain):
    equity.setManagementFee(25, sender=fee_manager)
    chain.mine()
    soon = equity.multiplier.estimate_gas_cost(sender=fee_manager)
    _move_to(chain, chain.pending_timestamp + 10 * YEAR)
    # A per-period loop (3,650 daily periods) would cost hundreds of thousands of gas; estimates vary by a few
    # hundred with the operands, nothing more.
    assert abs(equity.multiplier.estimate_gas_cost(sender=fee_manager) - soon) < 1_000


def test_a_fee_change_folds_what_accrued_at_the_old_rate(equity, fee_manager, chain):
    equity.setManagementFee(200, sender=fee_manager)
    start = _anchor_time(equity)
    chain.pending_timestamp = start + YEAR // 4
    equity.setManagementFee(0, sender=fee_manager)
    after = equity.multiplier()
    assert after == SHARE - SHARE // 200
    _move_to(chain, chain.pending_timestamp + YEAR)
    assert equity.multiplier() == after


def test_a_management_fee_above_the_maximum_reverts(equity, fee_manager):
    with ape.reverts(equity.ManagementFeeTooHigh, bps=201, maxBps=200):
        equity.setManagementFee(201, sender=fee_manager)


def test_a_checkpoint_reports_the_fee_shares_the_custodian_must_sell(equity, fee_manager, chain):
    equity.setManagementFee(100, sender=fee_manager)
    start = _anchor_time(equity)
    chain.pending_timestamp = start + YEAR
    tx = equity.checkpoint(sender=fee_manager)
    (event,) = tx.events.filter(equity.MultiplierCheckpointed)
    assert event.multiplier == SHARE * 99 // 100
    assert event.feeShares == 100 * SHARE // 100
    assert event.since == start


def test_fee_shares_across_a_split_are_counted_in_post_split_shares(equity, actions, fee_manager, chain):
    equity.setManagementFee(100, sender=fee_manager)
    start = _anchor_time(equity)
    activates = start + YEAR // 2
    equity.scheduleSplit(2, 1, activates, 0, NOTICE, sender=actions)
    chain.pending_timestamp = start + YEAR
    tx = equity.checkpoint(sender=fee_manager)
    (event,) = tx.events.filter(equity.MultiplierCheckpointed)
    # 0.5 % taken before the split (then doubled with every share), 0.5 % of the split multiplier after it.
    assert event.multiplier == pytest.approx(2 * SHARE * 0.995 * 0.995, rel=1e-9)
    assert event.feeShares == pytest.approx(100 * (2 - 2 * 0.995 * 0.995) * SHARE, rel=1e-6)
    assert 200 * SHARE - event.feeShares == pytest.approx(equity.totalShares(), rel=1e-9)


def test_the_multiplier_ahead_of_a_split_can_be_previewed(equity, actions, chain):
    activates = _schedule(equity, actions, chain, 5, 1)
    assert equity.multiplierAt(activates) == 5 * SHARE
    assert equity.multiplierAt(activates - 1) == SHARE


def test_the_multiplier_before_the_last_checkpoint_is_read_from_archive_state(equity, chain, bob):
    earlier = _anchor_time(equity)
    equity.checkpoint(sender=bob)
    with ape.reverts(equity.MultiplierHistoryUnavailable):
        equity.multiplierAt(earlier)


def test_the_reserve_guard_view_rounds_shares_up_and_counts_tokens_exactly(equity, actions, chain):
    activates = _schedule(equity, actions, chain, 3, 2)
    _move_to(chain, activates)
    supply_after, shares_after, _ = equity.supplyAfterMint(1)
    assert supply_after == 100 * SHARE + 1
    assert shares_after == 150 * SHARE + 2  # 1.5 rounded up


def test_the_reserve_guard_view_reports_when_the_last_split_took_effect_even_after_a_checkpoint(
    equity, actions, chain, bob
):
    assert equity.supplyAfterMint(1)[2] == 0  # never split
    activates = _schedule(equity, actions, chain, 1, 2)
    assert equity.supplyAfterMint(1)[2] == 0  # scheduled, not yet in effect
    _move_to(chain, activates)
    assert equity.supplyAfterMint(1)[2] == activates
    equity.checkpoint(sender=bob)  # folds the split: its ratio is cleared, its time stays
    assert equity.supplyAfterMint(1)[2] == activates
    assert equity.multiplierState()[0][4] == 0  # numerator cleared


def test_the_reserve_guard_view_keeps_the_last_activation_while_the_next_split_is_pending(equity, actions, chain):
    activates = _schedule(equity, actions, chain, 1, 2)
    _move_to(chain, activates + 1)
    _schedule(equity, actions, chain, 2, 1)
    assert equity.supplyAfterMint(1)[2] == activates
    assert equity.lastSplitActivatedAt() == activates


def test_cancelling_the_next_split_restores_the_last_activation_in_the_state(equity, actions, chain):
    activates = _schedule(equity, actions, chain, 1, 2)
    _move_to(chain, activates + 1)
    _schedule(equity, actions, chain, 2, 1)
    equity.cancelSplit(_version(equity), NOTICE, sender=actions)
    assert equity.multiplierState()[0][3] == activates  # splitAt: when the last split took effect
    assert equity.supplyAfterMint(1)[2] == activates


def test_cancelling_a_first_split_leaves_no_activation_time(equity, actions, chain):
    _schedule(equity, actions, chain, 2, 1)
    equity.cancelSplit(_version(equity), NOTICE, sender=actions)
    assert equity.lastSplitActivatedAt() == 0
    assert equity.multiplierState()[0][3] == 0


def test_token_share_conversions_never_create_shares(equity, actions, chain):
    activates = _schedule(equity, actions, chain, 7, 3)
    _move_to(chain, activates)
    assert equity.toShares(equity.toTokens(10 * SHARE + 1)) <= 10 * SHARE + 1


@pytest.mark.parametrize(
    ("function", "args", "role_name"),
    [
        ("scheduleSplit", (2, 1, 10**10, 0, NOTICE), "CORPORATE_ACTIONS_ROLE"),
        ("cancelSplit", (0, NOTICE), "CORPORATE_ACTIONS_ROLE"),
        ("setManagementFee", (10,), "MANAGEMENT_FEE_ROLE"),
    ],
)
def test_corporate_action_functions_refuse_an_unauthorised_caller(equity, mallory, function, args, role_name):
    with ape.reverts(equity.AccessControlUnauthorizedAccount, account=mallory.address, neededRole=role(role_name)):
        getattr(equity, function)(*args, sender=mallory)


@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    numerator=st.integers(1, 1000),
    denominator=st.integers(1, 1000),
    fee_bps=st.integers(0, 200),
    years=st.integers(0, 20),
)
def test_rounding_never_understates_holders_against_exact_arithmetic(
    equity, actions, fee_manager, chain, numerator, denominator, fee_bps, years
):
    """After any split and fee history the multiplier is exactly the documented rounding (fee down, split up) and
    never below the exact rational value rounded down."""
    if numerator == denominator:
        numerator += 1
    snapshot = chain.snapshot()
    try:
        # The split first, then the fee: its accrual starts at the fee's own block, so the model is exact whatever
        # the wall-clock gaps between blocks.
        activates = chain.pending_timestamp + 2 * DAY
        equity.scheduleSplit(numerator, denominator, activates, _version(equity), NOTICE, sender=actions)
        equity.setManagementFee(fee_bps, sender=fee_manager)
        start = _anchor_time(equity)
        _move_to(chain, activates + years * YEAR)
        scale = 10_000 * YEAR
        before = SHARE - SHARE * fee_bps * (activates - start) // scale
        split = -(-before * numerator // denominator)
        documented = split - split * fee_bps * years * YEAR // scale
        exact_floor = SHARE * (scale - fee_bps * (activates - start)) * numerator * (
            scale - fee_bps * years * YEAR) // (scale * denominator * scale)
        assert equity.multiplier() == documented
        assert documented >= exact_floor
    finally:
        chain.restore(snapshot)
