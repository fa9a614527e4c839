"""The home chain's reserve guard counts the supply on other chains (ADR 0106): with the Minter pointed at a
CrossChainReserveFeed over the asset's ReserveFeed and the home CCIP pool, a mint on the home chain is refused when
home supply plus what was bridged out would exceed the custodian's shares, although the home supply alone fits.

The other chain is a second registry, token, Router and pool on the same anvil (the single-anvil, two-selector
mode of tests/bridge)."""

from __future__ import annotations

import ape
import pytest
from ape import project
from minting_constants import PRICE, USDC

from rat.bridge.ccip import (
    CHAIN_B_SELECTOR,
    LanePairLimits,
    deploy_harness_lane,
    set_ramps,
)
from rat.bridge.corporate_actions import corporate_actions
from rat.deploy import AssetTerms, approve_investor, deploy_compliance_stack, list_equity, role
from rat.minting import DAY, SHARE, fulfill, publish_reserves, request_mint


@pytest.fixture(scope="module")
def lane(stack, token, admin, kyc_operator, listed):
    stack_b = deploy_compliance_stack(admin)
    stack_b.registry.grantRole(role("KYC_OPERATOR_ROLE"), kyc_operator, sender=admin)
    stack_b.registry.grantRole(role("ASSET_POLICY_ROLE"), admin, sender=admin)
    token_b = list_equity(admin, stack_b, AssetTerms.example(), admin)
    built = deploy_harness_lane(admin, (token, stack.registry), (token_b, stack_b.registry),
                                LanePairLimits.symmetric(1_000 * SHARE, 10 * SHARE))
    return built.a, built.b, built.ramp_a, stack_b


@pytest.fixture
def bridged_out(lane, investors, kyc_operator, chain):
    """Alice sends 60 of her 100 shares to Bob on chain B: home supply 40, chain B's 60."""
    a, _b, ramp, stack_b = lane
    alice, bob = investors
    approve_investor(stack_b, kyc_operator, bob.address, 1, "BR", 365 * DAY, now=chain.pending_timestamp)
    a.token.approve(ramp, 2**256 - 1, sender=alice)
    ramp.send(a.pool, CHAIN_B_SELECTOR, bob, 60 * SHARE, sender=alice)
    assert a.pool.netBridgedOut() == 60 * SHARE
    return a


@pytest.fixture
def reserves_of_102(mstack, token, publisher, custodian_key, chain, bridged_out):
    """The custodian attests 102 shares: 2 more than the 100 that exist across both chains."""
    chain.pending_timestamp += 60
    publish_reserves(mstack, publisher, custodian_key.key, token, 102 * SHARE, chain.pending_timestamp - 1)


def _cross_chain_feed(admin, listed, token, pool):
    return admin.deploy(project.CrossChainReserveFeed, listed, token, pool)


def test_a_home_mint_that_fits_home_supply_but_not_the_sum_over_chains_is_refused(
        mstack, token, usdc, admin, relayer, investors, listed, bridged_out, reserves_of_102, attestor_keys,
        deadline):
    alice, _ = investors
    mstack.minter.setReserveFeed(token, _cross_chain_feed(admin, listed, token, bridged_out.pool), DAY, sender=admin)
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    # home: 40 + 3 = 43 ≤ 102 shares, but 43 + 60 on chain B = 103 > 102
    with ape.reverts(mstack.minter.OverReserves, supplyAfter=43 * SHARE, reserves=42 * SHARE):
        fulfill(mstack, relayer, rid, 3 * SHARE, PRICE, attestor_keys, deadline)
    fulfill(mstack, relayer, rid, 2 * SHARE, PRICE, attestor_keys, deadline)
    assert token.totalSupply() + bridged_out.pool.netBridgedOut() == 102 * SHARE


def test_without_the_cross_chain_feed_the_home_guard_alone_would_let_supply_exceed_reserves(
        mstack, token, usdc, relayer, investors, bridged_out, reserves_of_102, attestor_keys, deadline):
    """The hole the feed closes: the registry-direct guard sees only the home chain's 40 tokens."""
    alice, _ = investors
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    fulfill(mstack, relayer, rid, 3 * SHARE, PRICE, attestor_keys, deadline)
    assert token.totalSupply() + bridged_out.pool.netBridgedOut() == 103 * SHARE


def test_tokens_that_come_back_to_the_home_chain_free_the_room_again(
        mstack, token, usdc, admin, relayer, investors, listed, lane, bridged_out, reserves_of_102, attestor_keys,
        deadline):
    from rat.bridge.ccip import encode_address

    a, b, ramp, _ = lane
    alice, bob = investors
    set_ramps(a.router, admin, CHAIN_B_SELECTOR, ramp.address, ramp.address)
    mstack.minter.setReserveFeed(token, _cross_chain_feed(admin, listed, token, a.pool), DAY, sender=admin)
    # chain B's 60 tokens come home to Bob (delivered by the OffRamp to the home pool)
    ramp.deliver(a.pool, CHAIN_B_SELECTOR, encode_address(b.pool.address), bob, bob, 60 * SHARE,
                 corporate_actions(b.token).pool_data(), sender=bob)
    assert a.pool.netBridgedOut() == 0
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    fulfill(mstack, relayer, rid, 2 * SHARE, PRICE, attestor_keys, deadline)
    assert token.totalSupply() == 102 * SHARE
