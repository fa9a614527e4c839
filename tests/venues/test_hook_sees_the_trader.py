"""A hook on the real PoolManager learns the trader from RatSwapRouter's IMsgSender, the path the compliant hook
will gate on (never tx.origin)."""

import pytest

from rat.venues.uniswap_v4 import (
    BEFORE_SWAP_FLAG,
    PoolKey,
    VenueError,
    approve_position_manager,
    deploy_engine,
    initialize_pool,
    mint_position,
    place_hook,
    swap_exact_input_single,
)

UNIT = 10**18


@pytest.fixture(scope="module")
def hooked_pool(project, admin, alice, bob):
    engine = deploy_engine(admin)
    hook = place_hook(admin.deploy(project.MsgSenderProbeHook), BEFORE_SWAP_FLAG)
    tokens = [admin.deploy(project.PlainERC20, admin.address, 10**6 * UNIT) for _ in range(2)]
    for token in tokens:
        for holder in (alice, bob):
            token.transfer(holder, 10_000 * UNIT, sender=admin)
    key = PoolKey.for_pair(tokens[0].address, tokens[1].address, 3_000, 60, hooks=hook.address)
    initialize_pool(engine, key, 2**96, admin)
    for token in tokens:
        approve_position_manager(engine, token, alice)
    mint_position(engine, key, -600, 600, 1_000 * UNIT, 10_000 * UNIT, 10_000 * UNIT, alice)
    return engine, hook, key


def test_hook_sees_the_router_as_sender_and_the_trader_through_msg_sender(hooked_pool, bob):
    engine, hook, key = hooked_pool
    receipt = swap_exact_input_single(engine, key, True, UNIT, 0, bob)
    [seen] = receipt.decode_logs(hook.SwapSeen)
    assert seen.router == engine.router.address
    assert seen.trader == bob.address


def test_hook_sees_each_trader_not_the_last_one(hooked_pool, alice, bob):
    engine, hook, key = hooked_pool
    for trader in (alice, bob):
        [seen] = swap_exact_input_single(engine, key, False, UNIT, 0, trader).decode_logs(hook.SwapSeen)
        assert seen.trader == trader.address


def test_a_hook_needs_permission_bits(project, admin):
    with pytest.raises(VenueError, match="permission bits"):
        place_hook(admin.deploy(project.MsgSenderProbeHook), 0)
