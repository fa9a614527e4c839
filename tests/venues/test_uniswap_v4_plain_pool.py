"""The real Uniswap v4 engine (unmodified npm artifacts) runs on anvil: pool creation, liquidity through
PositionManager and an exact-input single swap through RatSwapRouter, checked against the pool math."""

import ape
import pytest

from rat.venues.uniswap_v4 import (
    PoolKey,
    VenueError,
    approve_position_manager,
    decrease_liquidity,
    deploy_engine,
    exact_input_amount_out,
    initialize_pool,
    mint_position,
    pool_state,
    swap_exact_input_single,
)

UNIT = 10**18
FEE = 3_000  # 0.30 %, in hundredths of a basis point
TICK_SPACING = 60
TICK_LOWER, TICK_UPPER = -600, 600
LIQUIDITY = 1_000 * UNIT
START_PRICE = 2**96  # price 1: currency1 per currency0
FUNDING = 10_000 * UNIT


@pytest.fixture(scope="module")
def engine(admin):
    return deploy_engine(admin)


@pytest.fixture(scope="module")
def tokens(project, admin, alice, bob):
    pair = tuple(admin.deploy(project.PlainERC20, admin.address, 1_000_000 * UNIT) for _ in range(2))
    for token in pair:
        for holder in (alice, bob):
            token.transfer(holder, FUNDING, sender=admin)
    return pair


@pytest.fixture(scope="module")
def pool(engine, tokens, admin, alice):
    key = PoolKey.for_pair(tokens[0].address, tokens[1].address, FEE, TICK_SPACING)
    initialize_pool(engine, key, START_PRICE, admin)
    for token in tokens:
        approve_position_manager(engine, token, alice)
    mint_position(engine, key, TICK_LOWER, TICK_UPPER, LIQUIDITY, FUNDING, FUNDING, alice)
    return key


@pytest.fixture
def currency(project, chain):
    def at(address):
        return chain.contracts.instance_at(address, contract_type=project.PlainERC20.contract_type)

    return at


def test_pool_starts_at_the_initial_price_with_the_minted_liquidity(engine, pool):
    assert pool_state(engine, pool) == (START_PRICE, 0, LIQUIDITY)


def test_liquidity_moves_the_lps_tokens_into_the_pool_manager(engine, pool, alice, currency):
    for address in (pool.currency0, pool.currency1):
        token = currency(address)
        deposited = FUNDING - token.balanceOf(alice)
        assert deposited > 0
        assert token.balanceOf(engine.pool_manager) == deposited


def test_lp_position_is_an_nft_owned_by_the_provider(engine, pool, alice):
    token_id = engine.position_manager.nextTokenId() - 1
    assert engine.position_manager.ownerOf(token_id) == alice
    assert engine.position_manager.getPositionLiquidity(token_id) == LIQUIDITY


@pytest.mark.parametrize("zero_for_one", [True, False], ids=["zero-for-one", "one-for-zero"])
def test_exact_input_swap_pays_what_the_pool_math_says(engine, pool, bob, currency, zero_for_one):
    token_in, token_out = (currency(pool.currency0), currency(pool.currency1))
    if not zero_for_one:
        token_in, token_out = token_out, token_in
    amount_in = 5 * UNIT
    sqrt_price, _, liquidity = pool_state(engine, pool)
    expected_out = exact_input_amount_out(sqrt_price, liquidity, amount_in, FEE, zero_for_one)
    in_before, out_before = token_in.balanceOf(bob), token_out.balanceOf(bob)

    swap_exact_input_single(engine, pool, zero_for_one, amount_in, expected_out, bob)

    assert in_before - token_in.balanceOf(bob) == amount_in
    assert token_out.balanceOf(bob) - out_before == expected_out
    assert 0 < expected_out < amount_in  # the fee and the price impact both cost the trader


def test_swap_moves_the_price_against_the_trader(engine, pool, bob):
    before, _, _ = pool_state(engine, pool)
    swap_exact_input_single(engine, pool, True, UNIT, 0, bob)
    after, tick, _ = pool_state(engine, pool)
    assert after < before and tick < 0


def test_swap_below_the_minimum_output_reverts(engine, pool, bob):
    sqrt_price, _, liquidity = pool_state(engine, pool)
    quoted = exact_input_amount_out(sqrt_price, liquidity, UNIT, FEE, True)
    with ape.reverts(engine.router.V4TooLittleReceived):
        swap_exact_input_single(engine, pool, True, UNIT, quoted + 1, bob)


def test_router_reports_no_trader_outside_a_swap(engine):
    assert engine.router.msgSender() == "0x" + "00" * 20


def test_router_callback_refuses_anyone_but_the_pool_manager(engine, mallory):
    with ape.reverts(engine.router.NotPoolManager):
        engine.router.unlockCallback(b"", sender=mallory)


def test_pool_key_refuses_the_same_currency_twice(tokens):
    with pytest.raises(VenueError, match="two different currencies"):
        PoolKey.for_pair(tokens[0].address, tokens[0].address, FEE, TICK_SPACING)


def test_router_names_the_real_trader_of_each_swap(engine, pool, bob):
    receipt = swap_exact_input_single(engine, pool, True, UNIT, 0, bob)
    [event] = receipt.decode_logs(engine.router.Swapped)
    assert event.trader == bob
    assert event.poolId == pool.pool_id()
    assert event.amountIn == UNIT


def test_swap_after_the_deadline_reverts(engine, pool, bob, currency, chain):
    currency(pool.currency0).approve(engine.router, UNIT, sender=bob)
    params = (pool.as_tuple(), True, UNIT, 0, b"")
    with ape.reverts(engine.router.DeadlinePassed):
        engine.router.swapExactInputSingle(params, chain.pending_timestamp - 1, sender=bob)


def test_swap_of_nothing_reverts(engine, pool, bob, chain):
    with ape.reverts(engine.router.ZeroAmountIn):
        engine.router.swapExactInputSingle((pool.as_tuple(), True, 0, 0, b""), chain.pending_timestamp + 60, sender=bob)


def test_engine_is_never_deployed_outside_a_local_chain(admin, monkeypatch):
    # v4-core is BUSL-1.1: its artifacts may run on local test chains only; elsewhere the canonical deployment is used.
    monkeypatch.setattr("rat.venues.uniswap_v4.LOCAL_CHAIN_IDS", frozenset())
    with pytest.raises(VenueError, match="canonical v4 deployments"):
        deploy_engine(admin)


def test_removing_all_liquidity_returns_the_lps_deposit_and_empties_the_pool(engine, pool, alice, currency):
    token_id = engine.position_manager.nextTokenId() - 1
    tokens = [currency(pool.currency0), currency(pool.currency1)]
    held_by_pool = [t.balanceOf(engine.pool_manager) for t in tokens]
    before = [t.balanceOf(alice) for t in tokens]

    decrease_liquidity(engine, pool, token_id, LIQUIDITY, 0, 0, alice)

    assert pool_state(engine, pool)[2] == 0
    returned = [t.balanceOf(alice) - b for t, b in zip(tokens, before)]
    # Without swaps the pool holds only Alice's deposit; v4 rounds deposits up and withdrawals down (≤ 1 wei each).
    assert all(0 <= held - back <= 1 for held, back in zip(held_by_pool, returned))
