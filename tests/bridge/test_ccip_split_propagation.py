"""Corporate actions in step across a CCIP lane (ADR 0106): a split scheduled on the home chain (A) is propagated to
the remote token (B) by governance, and in the window where the two chains disagree every transfer is refused on the
source before any burn, or quarantined on the destination if it was already burned."""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak

from rat.bridge.ccip import CHAIN_A_SELECTOR, CHAIN_B_SELECTOR, CcipError, encode_address
from rat.bridge.corporate_actions import (
    CorporateActions,
    corporate_actions,
    in_step,
    pending_split,
    propagate_corporate_actions,
)
from rat.deploy import role

ONE = 10**18
DAY = 24 * 3600
ACTION_REF = keccak(text="AAPL 4-for-1 split notice")
CANCEL_REF = keccak(text="AAPL split withdrawn")
MULTIPLIER_OUT_OF_STEP = 1  # QuarantineReason


@pytest.fixture
def actions(funded, admin):
    """Governance (admin) holds CORPORATE_ACTIONS_ROLE on both tokens."""
    for token in (funded.a.token, funded.b.token):
        token.grantRole(role("CORPORATE_ACTIONS_ROLE"), admin, sender=admin)
    return funded


def schedule_home_split(lane, admin, chain, notice=2 * DAY):
    activates_at = chain.pending_timestamp + notice
    version = corporate_actions(lane.a.token).multiplier_version
    lane.a.token.scheduleSplit(4, 1, activates_at, version, ACTION_REF, sender=admin)
    return activates_at


def propagate(lane, admin, home=None, remote=None):
    return propagate_corporate_actions(home or lane.a, remote or lane.b, ACTION_REF, admin, admin)


def send(lane, sender, recipient, amount):
    return lane.ramp_a.send(lane.a.pool, CHAIN_B_SELECTOR, recipient, amount, sender=sender)


def deliver(lane, sender, recipient, amount, source_actions: CorporateActions):
    return lane.ramp_b.deliver(lane.b.pool, CHAIN_A_SELECTOR, encode_address(lane.a.pool.address), sender,
                               recipient, amount, source_actions.pool_data(), sender=sender)


# ---------------------------------------------------------------- the window opens at home


def test_a_send_in_the_block_before_the_home_split_is_scheduled_crosses(actions, admin, chain, alice, bob):
    lane = actions
    send(lane, alice, bob, ONE)
    schedule_home_split(lane, admin, chain)
    assert lane.a.token.balanceOf(alice) == 4_999 * ONE


def test_a_send_in_the_block_after_the_home_split_is_scheduled_is_refused_without_a_burn(
        actions, admin, chain, alice, bob):
    lane = actions
    schedule_home_split(lane, admin, chain)
    supply = lane.a.token.totalSupply()
    with ape.reverts(lane.a.pool.MultiplierOutOfStep):
        send(lane, alice, bob, ONE)
    assert lane.a.token.totalSupply() == supply
    assert lane.a.token.balanceOf(alice) == 5_000 * ONE


def test_the_refusal_names_both_chains_corporate_actions(actions, admin, chain, alice, bob):
    lane = actions
    activates_at = schedule_home_split(lane, admin, chain)
    with ape.reverts(lane.a.pool.MultiplierOutOfStep, remoteChainSelector=CHAIN_B_SELECTOR,
                     local=(1, activates_at), remote=(0, 0)):
        send(lane, alice, bob, ONE)


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_an_unpropagated_split_keeps_the_lane_closed_around_its_activation_second(
        actions, admin, chain, alice, bob, offset):
    lane = actions
    activates_at = schedule_home_split(lane, admin, chain)
    chain.pending_timestamp = activates_at + offset
    with ape.reverts(lane.a.pool.MultiplierOutOfStep):
        send(lane, alice, bob, ONE)


# ---------------------------------------------------------------- the window closes with the propagation


def test_propagation_schedules_the_same_split_on_the_remote_token(actions, admin, chain):
    lane = actions
    activates_at = schedule_home_split(lane, admin, chain)
    shared = propagate(lane, admin)
    assert shared == CorporateActions(multiplier_version=1, split_at=activates_at)
    assert pending_split(lane.b.token) == pending_split(lane.a.token)
    assert in_step(lane.a.token, lane.b.token)
    assert lane.a.pool.remoteCorporateActions(CHAIN_B_SELECTOR) == shared.as_tuple()
    assert lane.b.pool.remoteCorporateActions(CHAIN_A_SELECTOR) == shared.as_tuple()


def test_a_send_in_the_block_after_the_propagation_crosses(actions, admin, chain, alice, bob):
    lane = actions
    schedule_home_split(lane, admin, chain)
    propagate(lane, admin)
    send(lane, alice, bob, ONE)
    deliver(lane, alice, bob, ONE, corporate_actions(lane.a.token))
    assert lane.b.token.balanceOf(bob) == ONE


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_a_propagated_split_lets_transfers_cross_around_its_activation_second_at_one_multiplier(
        actions, admin, chain, alice, bob, offset):
    lane = actions
    activates_at = schedule_home_split(lane, admin, chain)
    propagate(lane, admin)
    chain.pending_timestamp = activates_at + offset
    send(lane, alice, bob, ONE)
    deliver(lane, alice, bob, ONE, corporate_actions(lane.a.token))
    assert lane.b.token.balanceOf(bob) == ONE
    expected = 4 * ONE if offset >= 0 else ONE
    assert lane.a.token.multiplierAt(activates_at + offset) == lane.b.token.multiplierAt(activates_at + offset)
    assert lane.a.token.multiplierAt(activates_at + offset) == expected


def test_a_home_cancellation_closes_the_lane_until_it_is_propagated(actions, admin, chain, alice, bob):
    lane = actions
    schedule_home_split(lane, admin, chain)
    propagate(lane, admin)
    lane.a.token.cancelSplit(1, CANCEL_REF, sender=admin)
    with ape.reverts(lane.a.pool.MultiplierOutOfStep):
        send(lane, alice, bob, ONE)
    propagate_corporate_actions(lane.a, lane.b, CANCEL_REF, admin, admin)
    assert pending_split(lane.b.token) is None
    send(lane, alice, bob, ONE)


def test_a_split_too_close_to_its_activation_for_the_remote_notice_is_not_propagated(actions, admin, chain):
    lane = actions
    activates_at = schedule_home_split(lane, admin, chain, notice=DAY + 10)
    chain.pending_timestamp = activates_at - DAY + 1
    with pytest.raises(CcipError, match="cancel it at home"):
        propagate(lane, admin)
    assert pending_split(lane.b.token) is None


def test_a_remote_token_more_than_one_action_behind_is_not_propagated(actions, admin, chain):
    lane = actions
    schedule_home_split(lane, admin, chain)
    lane.a.token.cancelSplit(1, CANCEL_REF, sender=admin)
    schedule_home_split(lane, admin, chain)
    with pytest.raises(CcipError, match="only one pending action"):
        propagate(lane, admin)


def test_recording_remote_corporate_actions_is_refused_for_an_unauthorised_caller(actions, mallory):
    with ape.reverts(actions.a.pool.AccessControlUnauthorizedAccount, account=mallory.address,
                     neededRole=keccak(text="LANE_ADMIN_ROLE")):
        actions.a.pool.setRemoteCorporateActions(CHAIN_B_SELECTOR, (1, 1), sender=mallory)


# ---------------------------------------------------------------- the destination, for what was already burned


def test_a_delivery_burned_under_other_corporate_actions_is_quarantined(actions, admin, chain, alice, bob):
    lane = actions
    before = corporate_actions(lane.a.token)
    send(lane, alice, bob, ONE)
    schedule_home_split(lane, admin, chain)
    propagate(lane, admin)
    tx = deliver(lane, alice, bob, ONE, before)
    event = lane.b.pool.Quarantined.from_receipt(tx)[0]
    assert (event.reason, event.recipient, event.amount) == (MULTIPLIER_OUT_OF_STEP, bob.address, ONE)
    assert lane.b.token.balanceOf(bob) == 0
    assert lane.b.token.balanceOf(lane.b.pool) == ONE


def test_a_quarantined_out_of_step_delivery_is_paid_once_governance_records_the_chains_in_step(
        actions, admin, chain, alice, bob):
    lane = actions
    before = corporate_actions(lane.a.token)
    send(lane, alice, bob, ONE)
    schedule_home_split(lane, admin, chain)
    propagate(lane, admin)
    deliver(lane, alice, bob, ONE, before)
    lane.b.pool.deliverQuarantined(1, sender=bob)
    assert lane.b.token.balanceOf(bob) == ONE


def test_a_quarantined_out_of_step_delivery_waits_while_the_chains_disagree(actions, admin, chain, alice, bob):
    lane = actions
    send(lane, alice, bob, ONE)
    activates_at = chain.pending_timestamp + 2 * DAY
    lane.b.token.scheduleSplit(4, 1, activates_at, 0, ACTION_REF, sender=admin)  # B alone: out of step with A
    deliver(lane, alice, bob, ONE, corporate_actions(lane.a.token))
    with ape.reverts(lane.b.pool.QuarantineMultiplierOutOfStep, quarantineId=1, local=(1, activates_at),
                     remote=(0, 0)):
        lane.b.pool.deliverQuarantined(1, sender=bob)
    propagate(lane, admin, home=lane.b, remote=lane.a)
    lane.b.pool.deliverQuarantined(1, sender=bob)
    assert lane.b.token.balanceOf(bob) == ONE
