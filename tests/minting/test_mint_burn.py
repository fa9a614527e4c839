"""Happy paths of the mint/burn engine: escrow, settlement, refunds, fees, several assets and payment tokens."""

from __future__ import annotations

from rat.minting import RequestStatus, fee_for, fulfill, request_burn, request_mint, RequestKind, SHARE

from minting_constants import KEEPALIVE, PRICE, USDC


def test_request_mint_escrows_the_payment_in_the_minter(mstack, token, usdc, investors, deadline):
    alice, _ = investors
    before = usdc.balanceOf(alice)
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    assert usdc.balanceOf(mstack.minter) == KEEPALIVE + 1_000 * USDC
    assert usdc.balanceOf(alice) == before - 1_000 * USDC
    req = mstack.minter.getRequest(rid)
    assert (req.account, req.status, req.kind, req.amount) == (alice.address, RequestStatus.PENDING,
                                                                 RequestKind.MINT, 1_000 * USDC)


def test_request_id_is_predictable_before_the_transaction(mstack, token, usdc, investors, deadline):
    alice, _ = investors
    expected = mstack.minter.nextRequestId(alice)
    assert request_mint(mstack, alice, token, usdc, 100 * USDC, PRICE, deadline) == bytes(expected)
    assert mstack.minter.nextRequestId(alice) != expected


def test_full_mint_mints_shares_pays_settlement_and_fee_and_refunds_the_rest(
    mstack, token, usdc, investors, relayer, attestor_keys, deadline
):
    alice, _ = investors
    shares = 4 * SHARE
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    settlement_before = usdc.balanceOf(relayer)
    alice_before = usdc.balanceOf(alice)
    fee = fee_for(mstack, token, RequestKind.MINT, shares, PRICE)
    fulfill(mstack, relayer, rid, shares, PRICE, attestor_keys, deadline)
    cost = 4 * PRICE
    assert fee == cost * 30 // 10_000
    assert token.balanceOf(alice) == 100 * SHARE + shares
    assert usdc.balanceOf(relayer) == settlement_before + cost
    assert usdc.balanceOf(mstack.fee_vault) == fee
    assert usdc.balanceOf(alice) == alice_before + 1_000 * USDC - cost - fee
    assert usdc.balanceOf(mstack.minter) == KEEPALIVE
    assert mstack.minter.getRequest(rid).status == RequestStatus.FULFILLED


def test_mint_fulfilment_event_carries_the_whole_settlement(
    mstack, token, usdc, investors, relayer, attestor_keys, deadline
):
    alice, _ = investors
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    receipt = fulfill(mstack, relayer, rid, 2 * SHARE, PRICE, attestor_keys, deadline)
    [event] = receipt.decode_logs(mstack.minter.MintFulfilled)
    fee = fee_for(mstack, token, RequestKind.MINT, 2 * SHARE, PRICE)
    assert (bytes(event.requestId), event.account, event.asset, event.paymentToken) == (
        rid, alice.address, token.address, usdc.address)
    assert (event.shares, event.price, event.cost, event.fees, event.refund) == (
        2 * SHARE, PRICE, 2 * PRICE, fee, 1_000 * USDC - 2 * PRICE - fee)


def test_partial_fill_refunds_unspent_escrow_in_the_same_transaction(
    mstack, token, usdc, investors, relayer, attestor_keys, deadline
):
    alice, _ = investors
    rid = request_mint(mstack, alice, token, usdc, 2_000 * USDC, PRICE, deadline)
    before = usdc.balanceOf(alice)
    shares = SHARE * 3 // 2  # 1.5 shares of the ~10 the escrow covers
    fulfill(mstack, relayer, rid, shares, PRICE - 1, attestor_keys, deadline)
    cost = -(-shares * (PRICE - 1) // SHARE)
    fee = cost * 30 // 10_000
    assert usdc.balanceOf(alice) == before + 2_000 * USDC - cost - fee
    assert usdc.balanceOf(mstack.minter) == KEEPALIVE


def test_full_burn_burns_escrowed_tokens_and_pays_proceeds_less_fee(
    mstack, token, usdc, investors, relayer, attestor_keys, deadline, vault
):
    alice, _ = investors
    supply = token.totalSupply()
    rid = request_burn(mstack, alice, token, usdc, 10 * SHARE, PRICE, deadline)
    assert token.balanceOf(mstack.minter) == 10 * SHARE
    usdc_before = usdc.balanceOf(alice)
    relayer_before = usdc.balanceOf(relayer)
    fulfill(mstack, relayer, rid, 10 * SHARE, PRICE, attestor_keys, deadline)
    proceeds = 10 * PRICE
    fee = proceeds * 50 // 10_000
    assert token.totalSupply() == supply - 10 * SHARE
    assert token.balanceOf(mstack.minter) == 0
    assert usdc.balanceOf(alice) == usdc_before + proceeds - fee
    assert usdc.balanceOf(relayer) == relayer_before - proceeds
    assert usdc.balanceOf(vault) == fee


def test_partial_burn_returns_the_unfilled_tokens(mstack, token, usdc, investors, relayer, attestor_keys, deadline):
    alice, _ = investors
    rid = request_burn(mstack, alice, token, usdc, 10 * SHARE, PRICE, deadline)
    fulfill(mstack, relayer, rid, 4 * SHARE, PRICE + 5, attestor_keys, deadline)
    assert token.balanceOf(alice) == (100 - 4) * SHARE
    assert token.balanceOf(mstack.minter) == 0


def test_second_asset_and_18_decimal_payment_token_settle_independently(
    mstack, token, token2, usdc, dai, investors, relayer, attestor_keys, deadline
):
    alice, bob = investors
    rid1 = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    rid2 = request_mint(mstack, bob, token2, dai, 1_000 * 10**18, 400 * 10**18, deadline)
    fulfill(mstack, relayer, rid2, 2 * SHARE, 400 * 10**18, attestor_keys, deadline)
    fulfill(mstack, relayer, rid1, 3 * SHARE, PRICE, attestor_keys, deadline)
    assert token2.balanceOf(bob) == 2 * SHARE
    assert token.balanceOf(alice) == 103 * SHARE
    assert dai.balanceOf(relayer) == 1_000_000 * 10**18 + 800 * 10**18  # no fee on the second asset
    assert usdc.balanceOf(mstack.minter) == KEEPALIVE and dai.balanceOf(mstack.minter) == KEEPALIVE
