"""The pools ask CCIP's Risk Management Network themselves, as Chainlink's TokenPool does (ADR 0106, T181): while the
RMN proxy curses a lane (or every lane), the pool burns nothing for it and mints nothing from it, whoever the calling
ramp is. Here the ramp harness, which checks no curse, calls the pools directly, so what refuses is the pool; the
harness Router's RMN proxy is CcipLocalRmn, which its deployer curses as RMNRemote's owner would."""

from __future__ import annotations

import ape
import pytest
from ape import project

from rat.bridge.ccip import CHAIN_A_SELECTOR, CHAIN_B_SELECTOR, deploy_router, encode_address, rmn_of, set_ramps
from rat.bridge.corporate_actions import corporate_actions

ONE = 10**18
OTHER_SELECTOR = 4_949_039_107_694_359_620  # a third chain's selector, on no lane of these pools
GLOBAL_CURSE = bytes.fromhex("01000000000000000000000000000001")


def subject(selector: int) -> bytes:
    """RMN's curse subject of a lane: `bytes16(uint128(chainSelector))`."""
    return selector.to_bytes(16, "big")


def send(lane, sender, recipient, amount):
    return lane.ramp_a.send(lane.a.pool, CHAIN_B_SELECTOR, recipient, amount, sender=sender)


def deliver(lane, sender, recipient, amount):
    return lane.ramp_b.deliver(lane.b.pool, CHAIN_A_SELECTOR, encode_address(lane.a.pool.address), sender, recipient,
                               amount, corporate_actions(lane.a.token).pool_data(), sender=sender)


def test_each_pool_asks_the_rmn_proxy_its_router_asks(lane):
    for side in (lane.a, lane.b):
        assert side.pool.RMN_PROXY() == side.router.getArmProxy() == rmn_of(side.router).address


def test_a_send_on_a_lane_the_rmn_curses_is_refused_by_the_pool_without_a_burn(funded, admin, alice, bob):
    lane = funded
    rmn_of(lane.a.router).curse(subject(CHAIN_B_SELECTOR), sender=admin)
    supply = lane.a.token.totalSupply()
    with ape.reverts(lane.a.pool.CursedByRMN, remoteChainSelector=CHAIN_B_SELECTOR):
        send(lane, alice, bob, 100 * ONE)
    assert (lane.a.token.totalSupply(), lane.a.token.balanceOf(alice)) == (supply, 5_000 * ONE)


def test_a_delivery_from_a_source_the_rmn_curses_is_refused_by_the_pool_without_a_mint(funded, admin, alice, bob):
    lane = funded
    send(lane, alice, bob, 100 * ONE)
    rmn_of(lane.b.router).curse(subject(CHAIN_A_SELECTOR), sender=admin)
    with ape.reverts(lane.b.pool.CursedByRMN, remoteChainSelector=CHAIN_A_SELECTOR):
        deliver(lane, alice, bob, 100 * ONE)
    assert lane.b.token.balanceOf(bob) == 0


def test_a_global_curse_refuses_every_lane(funded, admin, alice, bob):
    rmn_of(funded.a.router).curse(GLOBAL_CURSE, sender=admin)
    with ape.reverts(funded.a.pool.CursedByRMN, remoteChainSelector=CHAIN_B_SELECTOR):
        send(funded, alice, bob, 100 * ONE)


def test_a_curse_on_another_lane_leaves_this_lane_open(funded, admin, alice, bob):
    lane = funded
    rmn_of(lane.a.router).curse(subject(OTHER_SELECTOR), sender=admin)
    send(lane, alice, bob, 100 * ONE)
    deliver(lane, alice, bob, 100 * ONE)
    assert lane.b.token.balanceOf(bob) == 100 * ONE


def test_a_lane_whose_curse_is_lifted_carries_transfers_again(funded, admin, alice, bob):
    lane = funded
    rmn = rmn_of(lane.a.router)
    rmn.curse(subject(CHAIN_B_SELECTOR), sender=admin)
    rmn.uncurse(subject(CHAIN_B_SELECTOR), sender=admin)
    send(lane, alice, bob, 100 * ONE)
    assert lane.a.token.balanceOf(alice) == 4_900 * ONE


def test_cursing_the_local_rmn_is_refused_for_an_unauthorised_caller(lane, mallory):
    rmn = rmn_of(lane.a.router)
    with ape.reverts(rmn.OnlyOwner, caller=mallory.address):
        rmn.curse(subject(CHAIN_B_SELECTOR), sender=mallory)


def test_lifting_a_curse_on_the_local_rmn_is_refused_for_an_unauthorised_caller(lane, admin, mallory):
    rmn = rmn_of(lane.a.router)
    rmn.curse(subject(CHAIN_B_SELECTOR), sender=admin)
    with ape.reverts(rmn.OnlyOwner, caller=mallory.address):
        rmn.uncurse(subject(CHAIN_B_SELECTOR), sender=mallory)


def test_a_pool_without_an_rmn_proxy_is_refused_at_deployment(lane, admin):
    with ape.reverts(project.RatCcipPool.ZeroAddress):
        admin.deploy(project.RatCcipPool, lane.a.token.address, lane.a.registry.address, lane.a.router.address,
                     "0x0000000000000000000000000000000000000000", admin.address)


@pytest.fixture
def plain(admin, alice):
    """bench/ccip.py's harness baseline: a PlainBurnMintCcipPool on A with its Router's RMN proxy, a lane to B."""
    router = deploy_router(admin)
    pool = admin.deploy(project.PlainBurnMintCcipPool, router.address, router.getArmProxy())
    token = admin.deploy(project.PlainBurnMintToken, pool.address, alice.address, 1_000 * ONE)
    pool.setToken(token, sender=admin)
    ramp = admin.deploy(project.CcipRampHarness)
    set_ramps(router, admin, CHAIN_B_SELECTOR, ramp.address, ramp.address)
    pool.setLane(CHAIN_B_SELECTOR, encode_address(pool.address), encode_address(token.address), 1_000 * ONE, ONE,
                 sender=admin)
    token.approve(ramp, 2**256 - 1, sender=alice)
    return router, pool, ramp


def test_the_benchmark_s_plain_pool_refuses_a_cursed_lane_too(plain, admin, alice, bob):
    router, pool, ramp = plain
    rmn_of(router).curse(subject(CHAIN_B_SELECTOR), sender=admin)
    with ape.reverts(pool.CursedByRMN, remoteChainSelector=CHAIN_B_SELECTOR):
        ramp.send(pool, CHAIN_B_SELECTOR, bob, ONE, sender=alice)


def test_the_benchmark_s_plain_pool_refuses_a_delivery_from_a_cursed_source_too(plain, admin, alice, bob):
    router, pool, ramp = plain
    rmn_of(router).curse(subject(CHAIN_B_SELECTOR), sender=admin)
    with ape.reverts(pool.CursedByRMN, remoteChainSelector=CHAIN_B_SELECTOR):
        ramp.deliver(pool, CHAIN_B_SELECTOR, encode_address(pool.address), alice, bob, ONE, b"", sender=alice)
