"""A transfer quarantined on the destination is sent back to its original sender on the source chain (ADR 0106):
governance (QUARANTINE_RELEASE_ROLE) calls `returnQuarantined`, the pool burns the escrow and sends a CCIP message
through the real Router (`ccipSend`, native fee from msg.value) to the ramp harness as OnRamp; the relay carries it
to chain A, where the sender is judged like any recipient. Two anvils with different chain ids, as
tests/bridge/test_two_chains.py."""

from __future__ import annotations

import ape
import pytest
from ape import project
from eth_utils import keccak

from rat.bridge.ccip import CHAIN_A_SELECTOR, encode_address
from rat.bridge.lane import Side, balances, send, supplies
from rat.bridge.relay import relay

ONE = 10**18
AMOUNT = 100 * ONE
REF = keccak(text="return-decision-1")
FEE = 10**15  # wei, quoted by the ramp harness as OnRamp
KYC_GONE = keccak(text="kyc withdrawn")
QUARANTINE_RELEASE_ROLE = keccak(text="QUARANTINE_RELEASE_ROLE")

pytestmark = pytest.mark.usefixtures("isolated_chain_b")


@pytest.fixture(scope="module")
def returning(sides, admin) -> tuple[Side, Side]:
    """The two-anvil lane (tests/bridge/conftest.py) with admin allowed to return quarantined transfers on both
    sides and each ramp quoting FEE."""
    for side in sides:
        with side.chain.active():
            side.pool.grantRole(QUARANTINE_RELEASE_ROLE, admin, sender=admin)
            side.ramp.setFee(FEE, sender=admin)
    return sides


@pytest.fixture
def held(returning, alice, bob, kyc_operator, mallory):
    """Alice sent AMOUNT to Bob; Bob's KYC was withdrawn on B in flight, so B holds it in quarantine (id 1)."""
    a, b = returning
    send(a, b, alice, bob.address, AMOUNT)
    with b.chain.active():
        b.stack.registry.revokeInvestor(bob, KYC_GONE, sender=kyc_operator)
    [delivery] = relay(a, b, mallory)
    assert delivery.status == "executed"
    with b.chain.active():
        assert b.pool.quarantined(1).amount == AMOUNT
    return a, b


def _return(b: Side, caller, quarantine_id: int = 1, value: int = FEE, ref: bytes = REF):
    with b.chain.active():
        return b.pool.returnQuarantined(quarantine_id, ref, value=value, sender=caller)


def test_a_returned_transfer_lands_with_its_original_sender_on_chain_a(held, admin, alice, mallory):
    a, b = held
    _return(b, admin)
    [delivery] = relay(b, a, mallory)
    assert delivery.status == "executed"
    assert balances((a, b), alice.address) == {"A": 5_000 * ONE, "B": 0}


def test_the_return_burns_the_escrow_on_b_and_keeps_the_supply_over_chains(held, admin, mallory):
    a, b = held
    total = sum(supplies((a, b)).values())
    _return(b, admin)
    with b.chain.active():
        assert (b.pool.quarantinedTotal(), b.token.totalSupply()) == (0, 0)
    relay(b, a, mallory)
    assert supplies((a, b)) == {"A": total, "B": 0}


def test_the_home_pools_net_bridged_out_follows_the_supply_on_b_through_the_return(held, admin, mallory):
    a, b = held
    assert a.pool.netBridgedOut() == AMOUNT  # the escrow on B is supply on B
    _return(b, admin)
    relay(b, a, mallory)
    with b.chain.active():
        assert b.token.totalSupply() == 0
    assert a.pool.netBridgedOut() == 0


def test_the_return_is_recorded_with_the_sender_amount_and_reference(held, admin, alice):
    a, b = held
    tx = _return(b, admin)
    with b.chain.active():
        event = b.pool.QuarantineReturned.from_receipt(tx)[0]
        burned = b.pool.Burned.from_receipt(tx)[0]
        record = b.pool.quarantined(1)
    assert (event.quarantineId, event.remoteChainSelector, event.amount, bytes(event.ref)) == (
        1, CHAIN_A_SELECTOR, AMOUNT, REF)
    assert bytes(event.originalSender) == encode_address(alice.address)
    assert (burned.sender, burned.recipient, burned.amount) == (b.pool.address, alice.address, AMOUNT)
    assert record.amount == 0


def test_the_ccip_fee_is_paid_from_msg_value_to_the_onramp(held, admin):
    a, b = held
    _return(b, admin)
    with b.chain.active():
        wrapped = project.WrappedNativeMock.at(b.router.getWrappedNative())
        assert wrapped.balanceOf(b.ramp) == FEE


def test_a_fee_below_the_quote_is_refused_and_the_transfer_stays_quarantined(held, admin):
    a, b = held
    with pytest.raises(ape.exceptions.ContractLogicError):
        _return(b, admin, value=FEE - 1)
    with b.chain.active():
        assert b.pool.quarantined(1).amount == AMOUNT
        assert b.pool.quarantinedTotal() == AMOUNT


def test_a_returned_transfer_cannot_be_returned_twice(held, admin):
    a, b = held
    _return(b, admin)
    with b.chain.active(), ape.reverts(b.pool.UnknownQuarantine, quarantineId=1):
        b.pool.returnQuarantined(1, REF, value=FEE, sender=admin)


def test_the_return_message_is_executed_once_on_chain_a(held, admin, alice, mallory):
    a, b = held
    _return(b, admin)
    relay(b, a, mallory)
    [again] = relay(b, a, mallory)
    assert again.status == "already-executed"
    assert balances((a, b), alice.address)["A"] == 5_000 * ONE


def test_an_unauthorised_caller_cannot_return_a_quarantined_transfer(held, mallory):
    a, b = held
    with b.chain.active(), ape.reverts(b.pool.AccessControlUnauthorizedAccount):
        b.pool.returnQuarantined(1, REF, value=FEE, sender=mallory)


def test_an_unknown_quarantine_id_is_refused(held, admin):
    a, b = held
    with b.chain.active(), ape.reverts(b.pool.UnknownQuarantine, quarantineId=99):
        b.pool.returnQuarantined(99, REF, value=FEE, sender=admin)


def test_a_return_without_a_reference_is_refused(held, admin):
    a, b = held
    with b.chain.active(), ape.reverts(b.pool.ZeroReference):
        b.pool.returnQuarantined(1, b"\0" * 32, value=FEE, sender=admin)


def test_a_sender_no_longer_eligible_on_a_gets_the_return_quarantined_there(held, admin, alice, kyc_operator,
                                                                             mallory):
    a, b = held
    _return(b, admin)
    a.stack.registry.revokeInvestor(alice, KYC_GONE, sender=kyc_operator)
    relay(b, a, mallory)
    record = a.pool.quarantined(1)
    assert (record.recipient, record.amount, bytes(record.originalSender)) == (
        alice.address, AMOUNT, encode_address(b.pool.address))
    assert a.token.balanceOf(alice) == 4_900 * ONE


def test_a_return_quarantined_on_its_way_back_is_not_bounced_again(held, admin, alice, kyc_operator, mallory):
    a, b = held
    _return(b, admin)
    a.stack.registry.revokeInvestor(alice, KYC_GONE, sender=kyc_operator)
    relay(b, a, mallory)
    with ape.reverts(a.pool.QuarantinedReturnCannotBeReturned, quarantineId=1):
        a.pool.returnQuarantined(1, REF, value=FEE, sender=admin)
