"""Supply across chains (ADR 0106): the sum over chains read from each chain's RPC, refused when a node lags; the home
pool's net bridged-out ledger; CrossChainReserveFeed, which makes the home reserve guard count what lives elsewhere.

Single-anvil equivalent of two chains (as the lane fixture): both chains' tokens are on Ape's anvil, read through
the same RPC URL as two `ChainToken`s; a lagging chain is a node whose latest block is older than the bound."""

from __future__ import annotations

import pytest
from ape import project

from rat.bridge.ccip import CHAIN_A_SELECTOR, CHAIN_B_SELECTOR, encode_address
from rat.bridge.corporate_actions import corporate_actions
from rat.bridge.supply import (
    ChainToken,
    StaleChainRead,
    SupplyReadError,
    cross_chain_supply,
    read_chain_supply,
)

ONE = 10**18
FRESH = 300


def send(lane, sender, recipient, amount):
    return lane.ramp_a.send(lane.a.pool, CHAIN_B_SELECTOR, recipient, amount, sender=sender)


def deliver(lane, sender, recipient, amount):
    return lane.ramp_b.deliver(lane.b.pool, CHAIN_A_SELECTOR, encode_address(lane.a.pool.address), sender, recipient,
                               amount, corporate_actions(lane.a.token).pool_data(), sender=sender)


def send_back(lane, sender, recipient, amount):
    """B -> A: B's ramp burns in B's pool, A's ramp delivers to A's pool."""
    lane.ramp_b.send(lane.b.pool, CHAIN_A_SELECTOR, recipient, amount, sender=sender)
    lane.ramp_a.deliver(lane.a.pool, CHAIN_B_SELECTOR, encode_address(lane.b.pool.address), sender, recipient,
                        amount, corporate_actions(lane.b.token).pool_data(), sender=sender)


@pytest.fixture
def chains(funded, chain):
    url = chain.provider.uri
    return [ChainToken(name="chain-a", rpc_url=url, token=funded.a.token.address),
            ChainToken(name="chain-b", rpc_url=url, token=funded.b.token.address)]


def now_of(chain) -> int:
    return chain.blocks.head.timestamp


def test_the_sum_over_chains_is_unchanged_by_a_transfer_between_them(funded, chains, chain, alice, bob):
    before = cross_chain_supply(chains, FRESH, now_of(chain))
    send(funded, alice, bob, 300 * ONE)
    deliver(funded, alice, bob, 300 * ONE)
    after = cross_chain_supply(chains, FRESH, now_of(chain))
    assert after.supply == before.supply
    assert [c.supply for c in after.chains] == [funded.a.token.totalSupply(), 300 * ONE]
    assert after.shares == before.shares


def test_each_chain_counts_its_own_multiplier(funded, chains, chain, admin, alice, bob):
    send(funded, alice, bob, 100 * ONE)
    deliver(funded, alice, bob, 100 * ONE)
    supply = cross_chain_supply(chains, FRESH, now_of(chain))
    expected = -(-(funded.a.token.totalSupply() * funded.a.token.multiplier()
                   + funded.b.token.totalSupply() * funded.b.token.multiplier()) // ONE)
    assert supply.shares == expected
    assert [c.multiplier for c in supply.chains] == [funded.a.token.multiplier(), funded.b.token.multiplier()]


def test_a_chain_whose_latest_block_is_older_than_the_bound_is_refused_as_stale(chains, chain):
    head = chain.blocks.head
    with pytest.raises(StaleChainRead) as refused:
        read_chain_supply(chains[1], FRESH, now=head.timestamp + FRESH + 1)
    assert refused.value.chain == "chain-b"
    assert refused.value.block_number == head.number


def test_a_sum_with_one_stale_chain_is_refused_not_understated(chains, chain):
    with pytest.raises(StaleChainRead):
        cross_chain_supply(chains, FRESH, now=now_of(chain) + FRESH + 1)


def test_an_unreachable_chain_is_a_typed_read_error(funded):
    dead = ChainToken(name="chain-c", rpc_url="http://127.0.0.1:9", token=funded.b.token.address)
    with pytest.raises(SupplyReadError) as refused:
        read_chain_supply(dead, FRESH)
    assert refused.value.chain == "chain-c" and not isinstance(refused.value, StaleChainRead)


def test_a_chain_named_twice_is_refused(chains):
    with pytest.raises(ValueError, match="repeat"):
        cross_chain_supply([chains[0], chains[0]], FRESH)


# ---------------------------------------------------------------- the home pool's ledger and the guard's feed


def test_the_home_pool_counts_what_it_burned_for_other_chains_less_what_came_back(funded, kyc_both, alice, bob):
    lane = funded
    assert lane.a.pool.netBridgedOut() == 0
    send(lane, alice, bob, 300 * ONE)
    deliver(lane, alice, bob, 300 * ONE)
    assert lane.a.pool.netBridgedOut() == 300 * ONE
    lane.b.token.approve(lane.ramp_b, 2**256 - 1, sender=bob)
    send_back(lane, bob, bob, 120 * ONE)
    assert lane.a.pool.netBridgedOut() == 180 * ONE
    assert lane.a.pool.netBridgedOut() == lane.b.token.totalSupply()


@pytest.fixture
def custody_feed(admin, chain):
    """A proof-of-reserve feed of 10,000 shares (18 decimals), fresh."""
    feed = admin.deploy(project.MockV3Aggregator, 18, 10_000 * ONE)
    return feed


def test_the_cross_chain_feed_reports_reserves_less_the_shares_on_other_chains(funded, admin, custody_feed, alice,
                                                                              bob):
    lane = funded
    feed = admin.deploy(project.CrossChainReserveFeed, custody_feed, lane.a.token, lane.a.pool)
    assert feed.latestRoundData()[1] == 10_000 * ONE
    send(lane, alice, bob, 250 * ONE)
    assert feed.latestRoundData()[1] == 9_750 * ONE
    assert feed.remoteShares() == 250 * ONE * lane.a.token.multiplier() // ONE
    under, over = custody_feed.latestRoundData(), feed.latestRoundData()
    assert (over[0], over[2], over[3], over[4]) == (under[0], under[2], under[3], under[4])


def test_the_cross_chain_feed_counts_bridged_tokens_as_shares_after_a_split(funded, admin, custody_feed, chain,
                                                                           alice, bob):
    from eth_utils import keccak

    from rat.deploy import role

    lane = funded
    feed = admin.deploy(project.CrossChainReserveFeed, custody_feed, lane.a.token, lane.a.pool)
    send(lane, alice, bob, 100 * ONE)
    token = lane.a.token
    token.grantRole(role("CORPORATE_ACTIONS_ROLE"), admin, sender=admin)
    activates = chain.pending_timestamp + 86400 + 60
    token.scheduleSplit(2, 1, activates, token.multiplierState()[1], keccak(text="2-for-1"), sender=admin)
    chain.mine(timestamp=activates + 60)
    assert feed.remoteShares() == -(-100 * ONE * token.multiplier() // ONE)
    assert feed.latestRoundData()[1] == 10_000 * ONE - feed.remoteShares()


def test_the_cross_chain_feed_floors_at_zero_when_other_chains_hold_more_than_the_reserves(funded, admin, alice,
                                                                                           bob):
    lane = funded
    small = admin.deploy(project.MockV3Aggregator, 18, 50 * ONE)
    feed = admin.deploy(project.CrossChainReserveFeed, small, lane.a.token, lane.a.pool)
    send(lane, alice, bob, 100 * ONE)
    assert feed.latestRoundData()[1] == 0


def test_the_cross_chain_feed_rounds_remote_shares_up_in_a_feed_with_fewer_decimals(funded, admin, alice, bob):
    lane = funded
    eight = admin.deploy(project.MockV3Aggregator, 8, 10_000 * 10**8)
    feed = admin.deploy(project.CrossChainReserveFeed, eight, lane.a.token, lane.a.pool)
    send(lane, alice, bob, ONE + 1)  # a hair over one share on the other chain
    assert feed.decimals() == 8
    assert feed.latestRoundData()[1] == 10_000 * 10**8 - (10**8 + 1)
