"""The destination re-checks the recipient at mint: a transfer whose recipient became ineligible between the burn and
the delivery is minted into the pool's quarantine escrow (never reverted, never paid to the ineligible holder), and
leaves it only for an address the registry accepts (ADR 0106)."""

from __future__ import annotations

import ape
from eth_utils import keccak

from rat.bridge.ccip import CHAIN_A_SELECTOR, CHAIN_B_SELECTOR, encode_address
from rat.bridge.corporate_actions import corporate_actions
from rat.deploy import jurisdiction
from rat.errors import TransferStatus as S

ONE = 10**18
RECIPIENT_NOT_ELIGIBLE = 0  # QuarantineReason
REF = keccak(text="quarantine-decision-1")
QUARANTINE_RELEASE_ROLE = keccak(text="QUARANTINE_RELEASE_ROLE")


def send(lane, sender, recipient, amount):
    return lane.ramp_a.send(lane.a.pool, CHAIN_B_SELECTOR, recipient, amount, sender=sender)


def deliver(lane, sender, recipient, amount):
    data = corporate_actions(lane.a.token).pool_data()
    return lane.ramp_b.deliver(lane.b.pool, CHAIN_A_SELECTOR, encode_address(lane.a.pool.address), sender,
                               recipient, amount, data, sender=sender)


def total_supply(lane):
    return lane.a.token.totalSupply() + lane.b.token.totalSupply()


def quarantine_in_flight(lane, alice, bob, amount, make_ineligible):
    """Alice sends to Bob (eligible at the source); Bob becomes ineligible on B before the delivery."""
    send(lane, alice, bob, amount)
    make_ineligible()
    return deliver(lane, alice, bob, amount)


def test_a_recipient_frozen_in_flight_gets_nothing_and_the_tokens_wait_in_quarantine(
        funded, sanctions_officer, alice, bob):
    lane = funded
    supply_before = total_supply(lane)
    tx = quarantine_in_flight(lane, alice, bob, 100 * ONE, lambda: lane.b.registry.freeze(
        [bob], keccak(text="order-1"), sender=sanctions_officer))
    event = lane.b.pool.Quarantined.from_receipt(tx)[0]
    assert (event.quarantineId, event.remoteChainSelector, event.recipient, event.amount, event.reason,
            event.status) == (1, CHAIN_A_SELECTOR, bob.address, 100 * ONE, RECIPIENT_NOT_ELIGIBLE, S.RECIPIENT_FROZEN)
    assert bytes(event.sender) == encode_address(alice.address)
    assert lane.b.token.balanceOf(bob) == 0
    assert lane.b.token.balanceOf(lane.b.pool) == 100 * ONE
    assert lane.b.pool.quarantinedTotal() == 100 * ONE
    assert total_supply(lane) == supply_before


def test_a_recipient_whose_kyc_expired_in_flight_is_quarantined_with_the_reason(funded, kyc_both, chain, alice, carol):
    lane = funded
    kyc_both(carol, valid_for=60)
    send(lane, alice, carol, 10 * ONE)
    chain.pending_timestamp += 120
    tx = deliver(lane, alice, carol, 10 * ONE)
    assert lane.b.pool.Quarantined.from_receipt(tx)[0].status == S.RECIPIENT_KYC_EXPIRED
    assert lane.b.pool.quarantined(1).recipient == carol.address
    assert lane.b.token.balanceOf(carol) == 0


def test_a_jurisdiction_blocked_in_flight_quarantines_the_transfer(funded, admin, alice, bob):
    lane = funded
    tx = quarantine_in_flight(lane, alice, bob, 10 * ONE, lambda: lane.b.registry.setJurisdictionsBlocked(
        lane.b.token, [jurisdiction("BR")], True, sender=admin))
    assert lane.b.pool.Quarantined.from_receipt(tx)[0].status == S.RECIPIENT_JURISDICTION_BLOCKED


def test_a_quarantined_delivery_reports_nothing_reached_the_recipient(funded, sanctions_officer, alice, bob):
    """CCIP's OffRamp requires the receiver's balance to move by exactly the amount `releaseOrMint` returns."""
    lane = funded
    send(lane, alice, bob, 10 * ONE)
    lane.b.registry.freeze([bob], keccak(text="order-1"), sender=sanctions_officer)
    data = corporate_actions(lane.a.token).pool_data()
    assert lane.ramp_b.deliver.call(lane.b.pool, CHAIN_A_SELECTOR, encode_address(lane.a.pool.address), alice, bob,
                                    10 * ONE, data, sender=alice) == 0


def test_a_delivery_to_an_eligible_recipient_reports_the_amount_minted_to_it(funded, alice, bob):
    lane = funded
    send(lane, alice, bob, 10 * ONE)
    data = corporate_actions(lane.a.token).pool_data()
    assert lane.ramp_b.deliver.call(lane.b.pool, CHAIN_A_SELECTOR, encode_address(lane.a.pool.address), alice, bob,
                                    10 * ONE, data, sender=alice) == 10 * ONE


def test_an_eligible_recipient_is_paid_directly_and_nothing_is_quarantined(funded, alice, bob):
    lane = funded
    send(lane, alice, bob, 10 * ONE)
    tx = deliver(lane, alice, bob, 10 * ONE)
    assert not lane.b.pool.Quarantined.from_receipt(tx)
    assert lane.b.token.balanceOf(bob) == 10 * ONE
    assert lane.b.pool.lastQuarantineId() == 0


def test_the_recipient_cannot_be_paid_from_quarantine_while_still_frozen(funded, sanctions_officer, alice, bob):
    lane = funded
    quarantine_in_flight(lane, alice, bob, 10 * ONE, lambda: lane.b.registry.freeze(
        [bob], keccak(text="order-1"), sender=sanctions_officer))
    with ape.reverts(lane.b.pool.ReleaseRecipientNotEligible, to=bob.address, status=S.RECIPIENT_FROZEN):
        lane.b.pool.deliverQuarantined(1, sender=alice)
    assert lane.b.token.balanceOf(lane.b.pool) == 10 * ONE


def test_anyone_delivers_a_quarantined_transfer_to_its_recipient_once_eligible_again(
        funded, sanctions_officer, alice, bob, carol):
    lane = funded
    quarantine_in_flight(lane, alice, bob, 10 * ONE, lambda: lane.b.registry.freeze(
        [bob], keccak(text="order-1"), sender=sanctions_officer))
    lane.b.registry.unfreeze([bob], keccak(text="order-1-lifted"), sender=sanctions_officer)
    tx = lane.b.pool.deliverQuarantined(1, sender=carol)
    released = lane.b.pool.QuarantineReleased.from_receipt(tx)[0]
    assert (released.quarantineId, released.to, released.amount) == (1, bob.address, 10 * ONE)
    assert lane.b.token.balanceOf(bob) == 10 * ONE
    assert lane.b.token.balanceOf(lane.b.pool) == 0
    assert lane.b.pool.quarantinedTotal() == 0
    assert lane.b.pool.quarantined(1).amount == 0


def test_a_quarantined_transfer_is_paid_out_once_only(funded, sanctions_officer, alice, bob):
    lane = funded
    quarantine_in_flight(lane, alice, bob, 10 * ONE, lambda: lane.b.registry.freeze(
        [bob], keccak(text="order-1"), sender=sanctions_officer))
    lane.b.registry.unfreeze([bob], keccak(text="order-1-lifted"), sender=sanctions_officer)
    lane.b.pool.deliverQuarantined(1, sender=bob)
    with ape.reverts(lane.b.pool.UnknownQuarantine, quarantineId=1):
        lane.b.pool.deliverQuarantined(1, sender=bob)


def test_governance_releases_a_quarantined_transfer_to_another_eligible_address(
        funded, admin, sanctions_officer, kyc_both, alice, bob, carol):
    lane = funded
    quarantine_in_flight(lane, alice, bob, 10 * ONE, lambda: lane.b.registry.freeze(
        [bob], keccak(text="order-1"), sender=sanctions_officer))
    kyc_both(carol)
    lane.b.pool.grantRole(QUARANTINE_RELEASE_ROLE, admin, sender=admin)
    tx = lane.b.pool.releaseQuarantined(1, carol, REF, sender=admin)
    released = lane.b.pool.QuarantineReleased.from_receipt(tx)[0]
    assert (released.to, released.amount, bytes(released.ref)) == (carol.address, 10 * ONE, REF)
    assert lane.b.token.balanceOf(carol) == 10 * ONE
    assert lane.b.token.balanceOf(bob) == 0


def test_governance_cannot_release_quarantine_to_an_address_without_kyc(funded, admin, sanctions_officer, alice,
                                                                      bob, mallory):
    lane = funded
    quarantine_in_flight(lane, alice, bob, 10 * ONE, lambda: lane.b.registry.freeze(
        [bob], keccak(text="order-1"), sender=sanctions_officer))
    lane.b.pool.grantRole(QUARANTINE_RELEASE_ROLE, admin, sender=admin)
    with ape.reverts(lane.b.pool.ReleaseRecipientNotEligible, to=mallory.address, status=S.RECIPIENT_NOT_ELIGIBLE):
        lane.b.pool.releaseQuarantined(1, mallory, REF, sender=admin)


def test_governance_cannot_release_quarantine_to_a_protocol_contract(funded, admin, sanctions_officer, alice, bob):
    lane = funded
    quarantine_in_flight(lane, alice, bob, 10 * ONE, lambda: lane.b.registry.freeze(
        [bob], keccak(text="order-1"), sender=sanctions_officer))
    lane.b.pool.grantRole(QUARANTINE_RELEASE_ROLE, admin, sender=admin)
    with ape.reverts(lane.b.pool.ReleaseRecipientNotEligible):
        lane.b.pool.releaseQuarantined(1, lane.b.pool, REF, sender=admin)


def test_a_release_to_another_address_needs_a_reference(funded, admin, sanctions_officer, kyc_both, alice, bob,
                                                         carol):
    lane = funded
    quarantine_in_flight(lane, alice, bob, 10 * ONE, lambda: lane.b.registry.freeze(
        [bob], keccak(text="order-1"), sender=sanctions_officer))
    kyc_both(carol)
    lane.b.pool.grantRole(QUARANTINE_RELEASE_ROLE, admin, sender=admin)
    with ape.reverts(lane.b.pool.ZeroReference):
        lane.b.pool.releaseQuarantined(1, carol, b"\x00" * 32, sender=admin)


def test_only_the_quarantine_release_role_releases_to_another_address(funded, sanctions_officer, kyc_both, alice,
                                                                      bob, carol, mallory):
    lane = funded
    quarantine_in_flight(lane, alice, bob, 10 * ONE, lambda: lane.b.registry.freeze(
        [bob], keccak(text="order-1"), sender=sanctions_officer))
    kyc_both(carol)
    with ape.reverts(lane.b.pool.AccessControlUnauthorizedAccount, account=mallory.address,
                     neededRole=QUARANTINE_RELEASE_ROLE):
        lane.b.pool.releaseQuarantined(1, carol, REF, sender=mallory)


def test_an_unknown_quarantine_id_is_refused(funded, bob):
    with ape.reverts(funded.b.pool.UnknownQuarantine, quarantineId=7):
        funded.b.pool.deliverQuarantined(7, sender=bob)


def test_a_quarantined_delivery_still_consumes_the_inbound_bucket(funded, sanctions_officer, alice, bob):
    lane = funded
    available_before = lane.b.pool.rateLimit(CHAIN_A_SELECTOR, False)[0]
    quarantine_in_flight(lane, alice, bob, 100 * ONE, lambda: lane.b.registry.freeze(
        [bob], keccak(text="order-1"), sender=sanctions_officer))
    assert lane.b.pool.rateLimit(CHAIN_A_SELECTOR, False)[0] <= available_before - 100 * ONE + 10 * ONE
