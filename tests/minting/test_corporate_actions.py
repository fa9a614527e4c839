"""Pending requests across splits and reverse splits, and the reserve guard in shares after the multiplier."""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak

from rat.deploy import role
from rat.minting import RequestKind, fee_for, fulfill, publish_reserves, request_burn, request_mint, SHARE
from rat.shares import fill_in_tokens, shares_for_tokens

from minting_constants import BURN_FEE_BPS, PRICE, USDC

DAY = 24 * 3600
NOTICE = keccak(text="issuer notice")


@pytest.fixture
def long_deadline(chain):
    return chain.pending_timestamp + 5 * DAY


@pytest.fixture(scope="module")
def split(token, admin, chain, mstack, publisher, custodian_key):
    """split(numerator, denominator): schedules it, moves past its activation and publishes a fresh reserve round
    in post-split shares (the custodian's statement after the split)."""
    token.grantRole(role("CORPORATE_ACTIONS_ROLE"), admin, sender=admin)

    def apply(numerator: int, denominator: int) -> None:
        activates = chain.pending_timestamp + DAY + 60
        token.scheduleSplit(numerator, denominator, activates, token.multiplierState()[1], NOTICE, sender=admin)
        # The custodian's statement is as of the activation or later: the guard refuses an older one (ADR 0084).
        chain.pending_timestamp = activates + 1
        chain.mine()
        publish_reserves(mstack, publisher, custodian_key.key, token, token.totalShares() + 1_000 * SHARE,
                         chain.pending_timestamp - 1)

    return apply


def test_an_escrowed_burn_settles_in_full_across_a_2_for_1_split(
    mstack, token, usdc, investors, relayer, attestor_keys, split, long_deadline
):
    alice, _ = investors
    rid = request_burn(mstack, alice, token, usdc, 10 * SHARE, PRICE, long_deadline)
    split(2, 1)
    sold = shares_for_tokens(10 * SHARE, token.multiplier())
    assert sold == 20 * SHARE  # the broker sells the 20 shares the 10 escrowed tokens now represent
    fill = fill_in_tokens(sold, PRICE // 2, token.multiplier())
    before = usdc.balanceOf(alice)
    fee = fee_for(mstack, token, RequestKind.BURN, fill.tokens, fill.price_per_token)
    fulfill(mstack, relayer, rid, fill.tokens, fill.price_per_token, attestor_keys, long_deadline)
    assert usdc.balanceOf(alice) == before + 10 * PRICE - fee
    assert token.balanceOf(mstack.minter) == 0
    assert token.sharesOf(alice) == 180 * SHARE


def test_an_escrowed_burn_settles_in_full_across_a_1_for_2_reverse_split(
    mstack, token, usdc, investors, relayer, attestor_keys, split, long_deadline
):
    alice, _ = investors
    rid = request_burn(mstack, alice, token, usdc, 10 * SHARE, PRICE, long_deadline)
    split(1, 2)
    sold = shares_for_tokens(10 * SHARE, token.multiplier())
    assert sold == 5 * SHARE
    fill = fill_in_tokens(sold, PRICE * 2, token.multiplier())
    before = usdc.balanceOf(alice)
    fulfill(mstack, relayer, rid, fill.tokens, fill.price_per_token, attestor_keys, long_deadline)
    proceeds = 10 * PRICE
    assert usdc.balanceOf(alice) == before + proceeds - proceeds * BURN_FEE_BPS // 10_000
    assert token.balanceOf(mstack.minter) == 0


def test_a_partly_filled_burn_across_a_split_returns_the_unsold_tokens(
    mstack, token, usdc, investors, relayer, attestor_keys, split, long_deadline
):
    alice, _ = investors
    rid = request_burn(mstack, alice, token, usdc, 10 * SHARE, PRICE, long_deadline)
    split(2, 1)
    fill = fill_in_tokens(15 * SHARE, PRICE // 2, token.multiplier())  # 15 of the 20 shares sold
    fulfill(mstack, relayer, rid, fill.tokens, fill.price_per_token, attestor_keys, long_deadline)
    assert token.balanceOf(alice) == 90 * SHARE + 10 * SHARE - fill.tokens
    assert token.sharesOf(alice) == 185 * SHARE


def test_a_pending_mint_across_a_split_is_filled_within_its_limit_price_per_token(
    mstack, token, usdc, investors, relayer, attestor_keys, split, long_deadline
):
    alice, _ = investors
    rid = request_mint(mstack, alice, token, usdc, 2_100 * USDC, PRICE, long_deadline)
    split(2, 1)
    fill = fill_in_tokens(20 * SHARE, PRICE // 2, token.multiplier())  # 20 post-split shares at half the price
    assert (fill.tokens, fill.price_per_token) == (10 * SHARE, PRICE)
    fulfill(mstack, relayer, rid, fill.tokens, fill.price_per_token, attestor_keys, long_deadline)
    assert token.sharesOf(alice) == 220 * SHARE


def test_a_pending_mint_across_a_reverse_split_is_filled_within_its_limit_price_per_token(
    mstack, token, usdc, investors, relayer, attestor_keys, split, long_deadline
):
    alice, _ = investors
    rid = request_mint(mstack, alice, token, usdc, 2_100 * USDC, PRICE, long_deadline)
    split(1, 2)
    fill = fill_in_tokens(5 * SHARE, PRICE * 2, token.multiplier())
    fulfill(mstack, relayer, rid, fill.tokens, fill.price_per_token, attestor_keys, long_deadline)
    assert token.balanceOf(alice) == 110 * SHARE
    assert token.sharesOf(alice) == 55 * SHARE


def test_the_reserve_guard_compares_shares_after_a_split(
    mstack, token, usdc, investors, relayer, attestor_keys, split, long_deadline, publisher, custodian_key, chain
):
    alice, _ = investors
    split(2, 1)
    chain.mine(timestamp=chain.pending_timestamp + 5)
    # Custody holds exactly the 200 shares the 100 tokens represent, plus 2 shares: one more token would need 2.
    publish_reserves(mstack, publisher, custodian_key.key, token, token.totalShares() + 2 * SHARE,
                     chain.pending_timestamp - 1)
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, long_deadline)
    with ape.reverts(mstack.minter.OverReserves):
        fulfill(mstack, relayer, rid, SHARE + 1, PRICE, attestor_keys, long_deadline)
    fulfill(mstack, relayer, rid, SHARE, PRICE, attestor_keys, long_deadline)
    assert token.totalShares() == token.totalSupply() * 2


def test_the_reserve_guard_counts_the_shares_the_management_fee_took(
    mstack, token, usdc, investors, relayer, attestor_keys, admin, publisher, custodian_key, chain, long_deadline
):
    """After half a year at 2 %, 100 tokens represent 99 shares: custody of 100 shares backs one more token."""
    alice, _ = investors
    token.grantRole(role("MANAGEMENT_FEE_ROLE"), admin, sender=admin)
    token.setManagementFee(200, sender=admin)
    chain.pending_timestamp = token.multiplierState()[0][1] + 365 * DAY // 2
    chain.mine()
    supply = token.totalSupply()
    assert token.totalShares() == 99 * SHARE
    publish_reserves(mstack, publisher, custodian_key.key, token, token.totalShares() + SHARE,
                     chain.pending_timestamp - 1)
    deadline = chain.pending_timestamp + DAY
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    fulfill(mstack, relayer, rid, SHARE, PRICE, attestor_keys, deadline)
    assert token.totalSupply() == supply + SHARE
