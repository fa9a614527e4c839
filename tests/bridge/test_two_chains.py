"""A CCIP lane between two anvil chains with different chain ids (ADR 0106): the RAT stack, Chainlink's Router, a
RatCcipPool and the ramp harness on each, and the relay carrying each send from one chain to the other. Chain A is
the test provider; chain B is a second anvil this module starts, snapshotted and reverted around every test as Ape
does for chain A."""

from __future__ import annotations

import ape
import pytest
from ape import chain, networks

from rat.bridge.chains import CHAIN_B_ID
from rat.bridge.lane import balances, send, supplies
from rat.bridge.relay import relay, sent_messages

ONE = 10**18

pytestmark = pytest.mark.usefixtures("isolated_chain_b")


@pytest.fixture
def outbound_capacity(lane_limits) -> int:
    return lane_limits.a_outbound.capacity  # 950 tokens


def test_the_two_chains_have_different_chain_ids(sides):
    a, b = sides
    assert a.chain.chain_id() != b.chain.chain_id() == CHAIN_B_ID


def test_entering_chain_b_again_reuses_its_connected_provider_without_connecting_another(sides, monkeypatch):
    _, b = sides
    with b.chain.active() as provider:
        pass
    connected = []
    monkeypatch.setattr(type(provider), "connect", lambda self: connected.append(self))
    with b.chain.active() as again:
        assert again is provider and networks.provider.chain_id == CHAIN_B_ID
    assert connected == []


def test_a_send_from_chain_a_is_delivered_to_an_eligible_recipient_on_chain_b_by_the_relay(sides, alice, bob,
                                                                                            mallory):
    a, b = sides
    total = sum(supplies(sides).values())
    send(a, b, alice, bob.address, 100 * ONE)
    assert balances(sides, alice.address) == {"A": 4_900 * ONE, "B": 0}
    assert balances(sides, bob.address) == {"A": 0, "B": 0}  # burned on A, not yet minted on B
    [delivery] = relay(a, b, mallory)
    assert delivery.status == "executed"
    assert balances(sides, bob.address) == {"A": 0, "B": 100 * ONE}
    assert sum(supplies(sides).values()) == total


def test_the_relay_executes_each_message_once(sides, alice, bob, mallory):
    a, b = sides
    send(a, b, alice, bob.address, 100 * ONE)
    relay(a, b, mallory)
    [again] = relay(a, b, mallory)
    assert again.status == "already-executed"
    assert balances(sides, bob.address)["B"] == 100 * ONE


def test_a_recipient_not_eligible_on_chain_b_is_refused_on_chain_a_without_a_burn(sides, alice, carol):
    a, b = sides
    before = supplies(sides), balances(sides, alice.address)
    with ape.reverts(a.pool.RecipientNotEligible):
        send(a, b, alice, carol.address, 100 * ONE)
    assert (supplies(sides), balances(sides, alice.address)) == before
    assert sent_messages(a, b.selector) == []


def test_chain_a_outbound_limit_refuses_a_burst_before_any_burn(sides, outbound_capacity, alice, bob):
    a, b = sides
    send(a, b, alice, bob.address, outbound_capacity)
    before = supplies(sides), balances(sides, alice.address)
    with ape.reverts(a.pool.RateLimitReached):
        send(a, b, alice, bob.address, 100 * ONE)
    assert (supplies(sides), balances(sides, alice.address)) == before


def test_chain_b_outbound_limit_refuses_a_burst_on_the_way_back(sides, outbound_capacity, alice, bob, mallory):
    a, b = sides
    for _ in range(2):
        send(a, b, alice, bob.address, outbound_capacity)
        chain.mine(timestamp=chain.pending_timestamp + 200)  # A's outbound bucket refills
        with b.chain.active():
            chain.mine(timestamp=chain.pending_timestamp + 200)  # B's inbound bucket refills
        relay(a, b, mallory)
    assert balances(sides, bob.address)["B"] == 2 * outbound_capacity
    send(b, a, bob, alice.address, outbound_capacity)
    with ape.reverts(b.pool.RateLimitReached):
        send(b, a, bob, alice.address, 100 * ONE)
    assert balances(sides, bob.address)["B"] == outbound_capacity


def test_a_send_from_chain_b_is_delivered_back_to_chain_a(sides, alice, bob, mallory):
    a, b = sides
    send(a, b, alice, bob.address, 100 * ONE)
    relay(a, b, mallory)
    send(b, a, bob, alice.address, 40 * ONE)
    [delivery] = relay(b, a, mallory)
    assert delivery.status == "executed"
    assert balances(sides, alice.address) == {"A": 4_940 * ONE, "B": 0}
    assert balances(sides, bob.address) == {"A": 0, "B": 60 * ONE}


def test_chain_b_inbound_limit_holds_a_message_until_its_bucket_refills(sides, chain_b, alice, bob, mallory):
    a, b = sides
    send(a, b, alice, bob.address, 900 * ONE)
    chain.mine(timestamp=chain.pending_timestamp + 100)  # A's outbound refills; B's clock does not move
    send(a, b, alice, bob.address, 900 * ONE)
    first, second = relay(a, b, mallory)
    assert (first.status, second.status) == ("executed", "pending")
    assert second.detail.startswith("RateLimitReached(")
    assert balances(sides, bob.address)["B"] == 900 * ONE
    chain_b.advance_time(100)
    statuses = [d.status for d in relay(a, b, mallory)]
    assert statuses == ["already-executed", "executed"]
    assert balances(sides, bob.address)["B"] == 1_800 * ONE
