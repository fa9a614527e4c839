"""RatCcipPool on a two-selector lane: what crosses, what is refused before any burn, the rate limits both ways and
who may configure the pool (ADR 0106)."""

from __future__ import annotations

import ape
import pytest
from ape import project
from eth_utils import keccak

from rat.bridge.ccip import (
    CHAIN_A_SELECTOR,
    CHAIN_B_SELECTOR,
    LanePairLimits,
    RateLimit,
    encode_address,
)
from rat.bridge.corporate_actions import corporate_actions
from rat.deploy import jurisdiction
from rat.errors import TransferStatus as S
ONE = 10**18

CCIP_POOL_V1 = bytes.fromhex("aff2afbf")


def send(lane, sender, recipient, amount):
    return lane.ramp_a.send(lane.a.pool, CHAIN_B_SELECTOR, recipient, amount, sender=sender)


def deliver(lane, sender, recipient, amount, source_pool=None):
    source = encode_address(source_pool or lane.a.pool.address)
    return lane.ramp_b.deliver(lane.b.pool, CHAIN_A_SELECTOR, source, sender, recipient, amount,
                               corporate_actions(lane.a.token).pool_data(), sender=sender)


def supplies(lane):
    return lane.a.token.totalSupply(), lane.b.token.totalSupply()


def assert_nothing_moved(lane, alice, before_supply, before_balance):
    assert supplies(lane) == before_supply
    assert lane.a.token.balanceOf(alice) == before_balance
    assert lane.a.token.balanceOf(lane.a.pool) == 0


# ---------------------------------------------------------------- a transfer that crosses


def test_send_to_an_eligible_recipient_burns_on_the_source_and_mints_to_them_on_the_destination(funded, alice, bob):
    lane = funded
    total_before = sum(supplies(lane))
    tx = send(lane, alice, bob, 100 * ONE)
    assert lane.a.token.balanceOf(alice) == 4_900 * ONE
    assert lane.a.token.balanceOf(lane.a.pool) == 0
    burned = lane.a.pool.Burned.from_receipt(tx)[0]
    assert (burned.remoteChainSelector, burned.sender, burned.recipient, burned.amount) == (
        CHAIN_B_SELECTOR, alice.address, bob.address, 100 * ONE)
    deliver(lane, alice, bob, 100 * ONE)
    assert lane.b.token.balanceOf(bob) == 100 * ONE
    assert sum(supplies(lane)) == total_before


def test_the_source_pool_returns_the_remote_token_its_decimals_and_its_corporate_actions(funded, alice, bob):
    out = funded.ramp_a.send.call(funded.a.pool, CHAIN_B_SELECTOR, bob, ONE, sender=alice)
    assert bytes(out.destTokenAddress) == encode_address(funded.b.token.address)
    assert bytes(out.destPoolData) == corporate_actions(funded.a.token).pool_data()
    assert bytes(out.destPoolData)[31] == 18


def test_the_pool_declares_the_ccip_pool_v1_interface(lane):
    assert lane.a.pool.supportsInterface(CCIP_POOL_V1)
    assert lane.a.pool.isSupportedChain(CHAIN_B_SELECTOR)
    assert not lane.a.pool.isSupportedChain(CHAIN_A_SELECTOR)
    assert lane.a.pool.isSupportedToken(lane.a.token)
    assert not lane.a.pool.isSupportedToken(lane.b.token)


# ---------------------------------------------------------------- refused on the source, before any burn


def test_a_recipient_without_kyc_is_refused_on_the_source_without_a_burn(funded, alice, carol):
    lane = funded
    before = supplies(lane), lane.a.token.balanceOf(alice)
    with ape.reverts(lane.a.pool.RecipientNotEligible, recipient=carol.address, tier=0, requiredTier=1):
        send(lane, alice, carol, 100 * ONE)
    assert_nothing_moved(lane, alice, *before)


def test_a_recipient_below_the_destination_minimum_tier_is_refused_on_the_source(funded, admin, alice, bob):
    lane = funded
    b_pool, b_token = encode_address(lane.b.pool.address), encode_address(lane.b.token.address)
    lane.a.pool.setLane(CHAIN_B_SELECTOR, (b_pool, b_token, 2, funded.limits.a_outbound.as_tuple(),
                                           funded.limits.a_inbound.as_tuple()), sender=admin)
    before = supplies(lane), lane.a.token.balanceOf(alice)
    with ape.reverts(lane.a.pool.RecipientNotEligible, recipient=bob.address, tier=1, requiredTier=2):
        send(lane, alice, bob, 100 * ONE)
    assert_nothing_moved(lane, alice, *before)


def test_a_frozen_recipient_is_refused_on_the_source_without_a_burn(funded, sanctions_officer, alice, bob):
    lane = funded
    lane.a.registry.freeze([bob], keccak(text="order-1"), sender=sanctions_officer)
    before = supplies(lane), lane.a.token.balanceOf(alice)
    with ape.reverts(lane.a.pool.RecipientFrozen, recipient=bob.address):
        send(lane, alice, bob, 100 * ONE)
    assert_nothing_moved(lane, alice, *before)


def test_a_recipient_whose_kyc_has_expired_is_refused_on_the_source(funded, kyc_both, chain, alice, carol):
    lane = funded
    kyc_both(carol, valid_for=60)
    chain.pending_timestamp += 120
    before = supplies(lane), lane.a.token.balanceOf(alice)
    with ape.reverts(lane.a.pool.RecipientKycExpired):
        send(lane, alice, carol, 100 * ONE)
    assert_nothing_moved(lane, alice, *before)


def test_a_recipient_in_a_blocked_jurisdiction_is_refused_on_the_source(funded, admin, kyc_both, alice, carol):
    lane = funded
    kyc_both(carol, country="KP")
    lane.a.registry.setJurisdictionsBlocked(lane.a.token, [jurisdiction("KP")], True, sender=admin)
    before = supplies(lane), lane.a.token.balanceOf(alice)
    with ape.reverts(lane.a.pool.RecipientJurisdictionBlocked, recipient=carol.address):
        send(lane, alice, carol, 100 * ONE)
    assert_nothing_moved(lane, alice, *before)


def test_a_contract_recipient_that_is_not_an_investor_is_refused(funded, alice):
    lane = funded
    before = supplies(lane), lane.a.token.balanceOf(alice)
    protocol_holder = lane.a.pool.address  # classified PROTOCOL by governance on both chains' registries
    with ape.reverts(lane.a.pool.RecipientNotInvestor, recipient=protocol_holder):
        send(lane, alice, protocol_holder, 100 * ONE)
    assert_nothing_moved(lane, alice, *before)


def test_a_frozen_holder_cannot_bridge_out(funded, sanctions_officer, alice, bob):
    lane = funded
    lane.a.registry.freeze([alice], keccak(text="order-2"), sender=sanctions_officer)
    before = supplies(lane), lane.a.token.balanceOf(alice)
    with ape.reverts(lane.a.token.TransferRestricted, status=int(S.SENDER_FROZEN)):
        send(lane, alice, bob, 100 * ONE)
    assert_nothing_moved(lane, alice, *before)


def test_a_sender_whose_kyc_has_expired_cannot_bridge_out(funded, kyc_both, minter, chain, carol, bob):
    lane = funded
    kyc_both(carol, valid_for=3600)
    lane.a.token.mint(carol, 10 * ONE, sender=minter)
    lane.a.token.approve(lane.ramp_a, 10 * ONE, sender=carol)
    chain.pending_timestamp += 7200
    before = supplies(lane), lane.a.token.balanceOf(carol)
    with ape.reverts(lane.a.pool.SenderKycExpired, sender=carol.address):
        send(lane, carol, bob, 10 * ONE)
    assert_nothing_moved(lane, carol, *before)


# ---------------------------------------------------------------- rate limits, both ways


def test_the_outbound_limit_refuses_a_send_above_its_capacity(funded, alice, bob):
    lane = funded
    capacity = funded.limits.a_outbound.capacity
    with ape.reverts(lane.a.pool.AmountAboveCapacity, outbound=True, amount=capacity + 1, capacity=capacity):
        send(lane, alice, bob, capacity + 1)


def test_the_outbound_bucket_refuses_once_drained_and_refills_at_its_rate(funded, chain, alice, bob):
    lane = funded
    capacity, rate = lane.limits.a_outbound.capacity, lane.limits.a_outbound.rate
    drained_at = send(lane, alice, bob, capacity).timestamp
    with ape.reverts(lane.a.pool.RateLimitReached):
        send(lane, alice, bob, 10 * rate)
    chain.pending_timestamp += 20
    sent_at = send(lane, alice, bob, 10 * rate).timestamp
    available, cap, r = lane.a.pool.rateLimit(CHAIN_B_SELECTOR, True)
    assert (cap, r) == (capacity, rate)
    assert available == rate * (sent_at - drained_at) - 10 * rate


def test_the_inbound_limit_refuses_a_delivery_above_its_capacity(funded, alice, bob):
    lane = funded
    with ape.reverts(lane.b.pool.AmountAboveCapacity, outbound=False, amount=funded.limits.b_inbound.capacity + 1,
                     capacity=funded.limits.b_inbound.capacity):
        deliver(lane, alice, bob, funded.limits.b_inbound.capacity + 1)
    assert lane.b.token.totalSupply() == 0


def test_the_inbound_bucket_refuses_once_drained(funded, alice, bob):
    lane = funded
    deliver(lane, alice, bob, funded.limits.b_inbound.capacity)
    with ape.reverts(lane.b.pool.RateLimitReached):
        deliver(lane, alice, bob, 100 * ONE)
    assert lane.b.token.totalSupply() == funded.limits.b_inbound.capacity


def test_a_full_outbound_burst_always_fits_the_remote_inbound_bucket(funded, alice, bob):
    lane = funded
    burst = funded.limits.a_outbound.capacity
    send(lane, alice, bob, burst)
    deliver(lane, alice, bob, burst)
    assert lane.b.token.balanceOf(bob) == burst


# ---------------------------------------------------------------- who may call


def test_only_the_routers_onramp_may_burn(funded, mallory, bob):
    lane = funded
    request = (encode_address(bob.address), CHAIN_B_SELECTOR, mallory.address, ONE, lane.a.token.address)
    with ape.reverts(lane.a.pool.CallerIsNotARamp, caller=mallory.address):
        lane.a.pool.lockOrBurn(request, sender=mallory)


def test_a_ramp_harness_not_registered_on_the_router_may_not_burn(funded, admin, alice, bob):
    lane = funded
    rogue = admin.deploy(project.CcipRampHarness)
    lane.a.token.approve(rogue, ONE, sender=alice)
    with ape.reverts(lane.a.pool.CallerIsNotARamp, caller=rogue.address):
        rogue.send(lane.a.pool, CHAIN_B_SELECTOR, bob, ONE, sender=alice)


def test_only_the_routers_offramp_may_mint(funded, mallory):
    lane = funded
    request = (encode_address(mallory.address), CHAIN_A_SELECTOR, mallory.address, ONE, lane.b.token.address,
               encode_address(lane.a.pool.address), b"", b"")
    with ape.reverts(lane.b.pool.CallerIsNotARamp, caller=mallory.address):
        lane.b.pool.releaseOrMint(request, sender=mallory)


def test_a_delivery_claiming_another_source_pool_is_refused(funded, alice, bob, mallory):
    lane = funded
    with ape.reverts(lane.b.pool.InvalidSourcePool, sourcePool=encode_address(mallory.address)):
        deliver(lane, alice, bob, ONE, source_pool=mallory.address)


def test_a_send_on_an_unconfigured_lane_is_refused(funded, alice, bob):
    with ape.reverts(funded.a.pool.LaneNotSupported, remoteChainSelector=CHAIN_A_SELECTOR):
        funded.ramp_a.send(funded.a.pool, CHAIN_A_SELECTOR, bob, ONE, sender=alice)


def test_set_lane_is_refused_for_an_unauthorised_caller(lane, mallory):
    config = (encode_address(mallory.address), encode_address(mallory.address), 1, lane.limits.a_outbound.as_tuple(),
              lane.limits.a_inbound.as_tuple())
    with ape.reverts(lane.a.pool.AccessControlUnauthorizedAccount, account=mallory.address):
        lane.a.pool.setLane(CHAIN_B_SELECTOR, config, sender=mallory)


def test_remove_lane_is_refused_for_an_unauthorised_caller(lane, mallory):
    with ape.reverts(lane.a.pool.AccessControlUnauthorizedAccount, account=mallory.address):
        lane.a.pool.removeLane(CHAIN_B_SELECTOR, sender=mallory)


def test_a_removed_lane_refuses_sends(funded, admin, alice, bob):
    funded.a.pool.removeLane(CHAIN_B_SELECTOR, sender=admin)
    assert list(funded.a.pool.lanes()) == []
    with ape.reverts(funded.a.pool.LaneNotSupported):
        send(funded, alice, bob, ONE)


def test_reconfiguring_a_lane_does_not_refill_its_drained_bucket(funded, admin, alice, bob):
    lane = funded
    limits = lane.limits
    drained_at = send(lane, alice, bob, limits.a_outbound.capacity).timestamp
    config = (encode_address(lane.b.pool.address), encode_address(lane.b.token.address), 1,
              limits.a_outbound.as_tuple(), limits.a_inbound.as_tuple())
    set_at = lane.a.pool.setLane(CHAIN_B_SELECTOR, config, sender=admin).timestamp
    available, _, _ = lane.a.pool.rateLimit(CHAIN_B_SELECTOR, True)
    assert available == limits.a_outbound.rate * (set_at - drained_at)


def test_a_lane_with_an_inconsistent_rate_limit_is_refused(lane, admin):
    config = (encode_address(lane.b.pool.address), encode_address(lane.b.token.address), 1,
              (True, 10, 11), lane.limits.a_inbound.as_tuple())
    with ape.reverts(lane.a.pool.InvalidRateLimit):
        lane.a.pool.setLane(CHAIN_B_SELECTOR, config, sender=admin)


# ---------------------------------------------------------------- the Python lane configuration


def test_a_lane_pair_whose_outbound_exceeds_the_remote_inbound_margin_is_rejected():
    inbound = RateLimit(capacity=1_000, rate=10)
    with pytest.raises(ValueError, match="A's outbound limit must be at most 95% of B's inbound"):
        LanePairLimits(a_outbound=RateLimit(capacity=1_000, rate=9), a_inbound=inbound,
                       b_outbound=RateLimit(capacity=950, rate=9), b_inbound=inbound)


def test_the_symmetric_lane_pair_sets_outbound_below_the_remote_inbound():
    limits = LanePairLimits.symmetric(1_000 * ONE, 10 * ONE)
    assert limits.a_outbound.capacity < limits.b_inbound.capacity
    assert limits.b_outbound.rate < limits.a_inbound.rate


def test_the_pool_holds_no_role_on_either_registry(lane):
    """A bridge never writes the compliance records (Ondo USDY's bridge allowlisted senders on the destination)."""
    roles = ["DEFAULT_ADMIN_ROLE", "KYC_OPERATOR_ROLE", "SANCTIONS_OFFICER_ROLE", "ASSET_POLICY_ROLE",
             "VENUE_LISTING_ROLE", "VENUE_GUARDIAN_ROLE", "UPGRADER_ROLE"]
    for side in (lane.a, lane.b):
        for name in roles:
            role_id = b"\x00" * 32 if name == "DEFAULT_ADMIN_ROLE" else keccak(text=name)
            assert not side.registry.hasRole(role_id, side.pool), name


def test_granting_a_pool_role_is_refused_for_an_unauthorised_caller(lane, mallory):
    with ape.reverts(lane.a.pool.AccessControlUnauthorizedAccount, account=mallory.address):
        lane.a.pool.grantRole(keccak(text="LANE_ADMIN_ROLE"), mallory, sender=mallory)


def _erc7201(namespace: str) -> int:
    return int.from_bytes(keccak((int.from_bytes(keccak(text=namespace), "big") - 1).to_bytes(32, "big")), "big") & ~0xFF


def test_the_lanes_live_in_the_lane_librarys_erc7201_namespace(lane, chain):
    """CcipLaneLimits (shared with the benchmark's plain pool) keeps `Lanes {lanes, selectors}` at its namespace."""
    base = _erc7201("rat.storage.CcipLaneLimits")
    lane_slot = keccak(CHAIN_B_SELECTOR.to_bytes(32, "big") + base.to_bytes(32, "big"))
    supported = chain.provider.web3.eth.get_storage_at(lane.a.pool.address, lane_slot)
    selectors = chain.provider.web3.eth.get_storage_at(lane.a.pool.address, base + 1)
    assert int.from_bytes(supported, "big") == 1
    assert int.from_bytes(selectors, "big") == len(lane.a.pool.lanes()) == 1


def test_each_pool_names_the_other_sides_pool_token_and_minimum_tier(lane):
    remote_pool, remote_token, min_tier = lane.a.pool.laneConfig(CHAIN_B_SELECTOR)
    assert bytes(remote_pool) == encode_address(lane.b.pool.address)
    assert bytes(remote_token) == encode_address(lane.b.token.address)
    assert min_tier == 1
    assert list(lane.b.pool.lanes()) == [CHAIN_A_SELECTOR]


# ---------------------------------------------------------------- the guardian's brake (ADR 0106, holder class)

LANE_GUARDIAN_ROLE = keccak(text="LANE_GUARDIAN_ROLE")
INCIDENT = keccak(text="incident-1")


def test_a_guardian_suspends_sends_on_a_lane_without_a_burn(funded, admin, alice, bob):
    lane = funded
    lane.a.pool.grantRole(LANE_GUARDIAN_ROLE, admin, sender=admin)
    tx = lane.a.pool.suspendLane(CHAIN_B_SELECTOR, INCIDENT, sender=admin)
    assert lane.a.pool.LaneSuspended.from_receipt(tx)[0].suspended
    before = supplies(lane), lane.a.token.balanceOf(alice)
    with ape.reverts(lane.a.pool.LaneSuspendedForSends, remoteChainSelector=CHAIN_B_SELECTOR):
        send(lane, alice, bob, ONE)
    assert_nothing_moved(lane, alice, *before)


def test_a_suspended_lane_still_delivers_what_was_already_burned(funded, admin, alice, bob):
    lane = funded
    send(lane, alice, bob, ONE)
    lane.b.pool.grantRole(LANE_GUARDIAN_ROLE, admin, sender=admin)
    lane.b.pool.suspendLane(CHAIN_A_SELECTOR, INCIDENT, sender=admin)
    deliver(lane, alice, bob, ONE)
    assert lane.b.token.balanceOf(bob) == ONE


def test_governance_resumes_a_suspended_lane(funded, admin, alice, bob):
    lane = funded
    lane.a.pool.grantRole(LANE_GUARDIAN_ROLE, admin, sender=admin)
    lane.a.pool.suspendLane(CHAIN_B_SELECTOR, INCIDENT, sender=admin)
    lane.a.pool.resumeLane(CHAIN_B_SELECTOR, INCIDENT, sender=admin)
    assert not lane.a.pool.isLaneSuspended(CHAIN_B_SELECTOR)
    send(lane, alice, bob, ONE)


def test_a_suspended_lane_removed_and_configured_again_is_open(funded, admin, alice, bob):
    lane = funded
    lane.a.pool.grantRole(LANE_GUARDIAN_ROLE, admin, sender=admin)
    lane.a.pool.suspendLane(CHAIN_B_SELECTOR, INCIDENT, sender=admin)
    lane.a.pool.removeLane(CHAIN_B_SELECTOR, sender=admin)
    config = (encode_address(lane.b.pool.address), encode_address(lane.b.token.address), 1,
              lane.limits.a_outbound.as_tuple(), lane.limits.a_inbound.as_tuple())
    lane.a.pool.setLane(CHAIN_B_SELECTOR, config, sender=admin)
    assert not lane.a.pool.isLaneSuspended(CHAIN_B_SELECTOR)
    send(lane, alice, bob, ONE)


def test_suspending_a_lane_is_refused_for_an_unauthorised_caller(lane, mallory):
    with ape.reverts(lane.a.pool.AccessControlUnauthorizedAccount, account=mallory.address,
                     neededRole=LANE_GUARDIAN_ROLE):
        lane.a.pool.suspendLane(CHAIN_B_SELECTOR, INCIDENT, sender=mallory)


def test_resuming_a_lane_is_refused_for_the_guardian_alone(lane, admin, mallory):
    lane.a.pool.grantRole(LANE_GUARDIAN_ROLE, mallory, sender=admin)
    lane.a.pool.suspendLane(CHAIN_B_SELECTOR, INCIDENT, sender=mallory)
    with ape.reverts(lane.a.pool.AccessControlUnauthorizedAccount, account=mallory.address,
                     neededRole=keccak(text="LANE_ADMIN_ROLE")):
        lane.a.pool.resumeLane(CHAIN_B_SELECTOR, INCIDENT, sender=mallory)
