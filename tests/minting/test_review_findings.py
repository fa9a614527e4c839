"""Regressions of the outside attack review (issue 17, ADR 0084) and the reverse-split window (issue 16 item 5):
each test failed on the code before the fix and states the rule as built."""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak
from minting_constants import PRICE, USDC

from rat.deploy import role
from rat.minting import SHARE, RequestStatus, fulfill, publish_reserves, request_burn, request_mint

DAY = 24 * 3600
LEGAL_REF = keccak(text="court order 2026/17")
NOTICE = keccak(text="issuer notice")
PROTOCOL = 1  # HolderClass.PROTOCOL


@pytest.fixture
def freeze(stack, sanctions_officer):
    def apply(account) -> None:
        stack.registry.freeze([account.address], keccak(text="sanctions list entry"), sender=sanctions_officer)

    return apply


@pytest.fixture
def legal_hold(mstack, admin, new_account):
    """Governance's legal-hold account (KYC'd, so it may receive tokens) and LEGAL_HOLD_ROLE for `admin`."""
    mstack.minter.grantRole(role("LEGAL_HOLD_ROLE"), admin, sender=admin)
    return new_account()


def _split(token, admin, chain, numerator, denominator) -> int:
    token.grantRole(role("CORPORATE_ACTIONS_ROLE"), admin, sender=admin)
    activates = chain.pending_timestamp + DAY + 60
    token.scheduleSplit(numerator, denominator, activates, token.multiplierState()[1], NOTICE, sender=admin)
    chain.pending_timestamp = activates + 1
    chain.mine()
    return activates


# ------------------------------------------------------------------------------------------- F1 frozen payouts


def test_f1_a_frozen_investors_burn_cannot_be_fulfilled(mstack, token, usdc, investors, relayer, attestor_keys,
                                                        deadline, freeze):
    alice, _ = investors
    rid = request_burn(mstack, alice, token, usdc, 100 * SHARE, PRICE, deadline)
    freeze(alice)
    with ape.reverts(mstack.minter.InvestorFrozen, account=alice.address):
        fulfill(mstack, relayer, rid, 100 * SHARE, PRICE, attestor_keys, deadline)
    assert token.balanceOf(mstack.minter) == 100 * SHARE


def test_f1_a_frozen_investors_mint_cannot_be_fulfilled_with_the_minters_own_error(
    mstack, token, usdc, investors, relayer, attestor_keys, deadline, freeze
):
    alice, _ = investors
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    freeze(alice)
    with ape.reverts(mstack.minter.InvestorFrozen, account=alice.address):
        fulfill(mstack, relayer, rid, SHARE, PRICE, attestor_keys, deadline)


def test_f1_a_frozen_investors_escrow_is_not_refunded_to_them(mstack, token, usdc, investors, deadline, chain,
                                                             freeze, ops):
    alice, _ = investors
    mint = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    freeze(alice)
    with ape.reverts(mstack.minter.InvestorFrozen, account=alice.address):
        mstack.minter.reject(mint, 4, sender=ops)
    chain.pending_timestamp = deadline + 1
    with ape.reverts(mstack.minter.InvestorFrozen, account=alice.address):
        mstack.minter.cancel(mint, sender=ops)


def test_f1_governance_moves_a_frozen_investors_escrow_to_legal_hold(
    mstack, token, usdc, investors, deadline, freeze, legal_hold, kyc, admin
):
    alice, _ = investors
    kyc(legal_hold, tier=3)
    rid = request_burn(mstack, alice, token, usdc, 40 * SHARE, PRICE, deadline)
    freeze(alice)
    receipt = mstack.minter.seizeEscrow(rid, legal_hold, LEGAL_REF, sender=admin)
    assert token.balanceOf(legal_hold) == 40 * SHARE
    assert mstack.minter.getRequest(rid).status == RequestStatus.REJECTED
    [event] = receipt.decode_logs(mstack.minter.EscrowSeized)
    assert (event.account, event.amount, event.to, bytes(event.legalRef)) == (
        alice.address, 40 * SHARE, legal_hold.address, LEGAL_REF)


def test_f1_the_escrow_of_an_investor_who_is_not_frozen_cannot_be_seized(mstack, token, usdc, investors, deadline,
                                                                         legal_hold, admin):
    alice, _ = investors
    rid = request_burn(mstack, alice, token, usdc, 40 * SHARE, PRICE, deadline)
    with ape.reverts(mstack.minter.InvestorNotFrozen, account=alice.address):
        mstack.minter.seizeEscrow(rid, legal_hold, LEGAL_REF, sender=admin)


def test_f1_only_the_legal_hold_role_may_seize_escrow(mstack, token, usdc, investors, deadline, freeze, mallory):
    alice, _ = investors
    rid = request_burn(mstack, alice, token, usdc, 40 * SHARE, PRICE, deadline)
    freeze(alice)
    with ape.reverts(mstack.minter.AccessControlUnauthorizedAccount):
        mstack.minter.seizeEscrow(rid, mallory, LEGAL_REF, sender=mallory)


# ------------------------------------------------------------------------------------------- F2 lapsed KYC


def test_f2_a_holder_whose_kyc_lapsed_can_still_request_a_burn(mstack, stack, token, usdc, investors, deadline,
                                                               kyc_operator, chain):
    alice, _ = investors
    stack.registry.setInvestor(alice, 1, b"BR", chain.pending_timestamp + 60, keccak(text="renewal due"),
                               sender=kyc_operator)
    chain.mine(timestamp=chain.pending_timestamp + 120)
    assert stack.registry.investor(alice).expiry < chain.blocks.head.timestamp
    assert stack.registry.canTransfer(token, alice, mstack.minter, 10 * SHARE) == 0
    request_burn(mstack, alice, token, usdc, 10 * SHARE, PRICE, chain.pending_timestamp + 3600)
    assert token.balanceOf(mstack.minter) == 10 * SHARE


def test_f2_a_burn_escrowed_before_the_kyc_lapsed_is_cancelled_back_in_full(
    mstack, stack, token, usdc, investors, kyc_operator, chain
):
    alice, _ = investors
    deadline = chain.pending_timestamp + 600
    rid = request_burn(mstack, alice, token, usdc, 30 * SHARE, PRICE, deadline)
    stack.registry.setInvestor(alice, 1, b"BR", chain.pending_timestamp + 60, keccak(text="renewal due"),
                               sender=kyc_operator)
    chain.mine(timestamp=deadline + 1)
    assert stack.registry.canTransfer(token, mstack.minter, alice, 30 * SHARE) == 0
    mstack.minter.cancel(rid, sender=alice)
    assert token.balanceOf(alice) == 100 * SHARE


def test_f2_a_lapsed_holder_still_cannot_transfer_to_another_investor(stack, token, investors, kyc_operator, chain):
    alice, bob = investors
    stack.registry.setInvestor(alice, 1, b"BR", chain.pending_timestamp + 60, keccak(text="renewal due"),
                               sender=kyc_operator)
    chain.mine(timestamp=chain.pending_timestamp + 120)
    assert stack.registry.canTransfer(token, alice, bob, SHARE) == 6  # SENDER_KYC_EXPIRED
    with ape.reverts(token.TransferRestricted, status=6):
        token.transfer(bob, SHARE, sender=alice)


def test_f2_a_frozen_holder_cannot_escrow_a_burn(mstack, stack, token, usdc, investors, deadline, freeze):
    alice, _ = investors
    token.approve(mstack.minter, SHARE, sender=alice)
    freeze(alice)
    assert stack.registry.canTransfer(token, alice, mstack.minter, SHARE) == 4  # SENDER_FROZEN
    with ape.reverts(token.TransferRestricted, status=4):
        mstack.minter.requestBurn(token, usdc, SHARE, PRICE, deadline, sender=alice)


# ------------------------------------------------------------------------------------------- F3 holder cap


def test_f3_the_minters_escrow_takes_no_holder_slot(mstack, stack, token, usdc, investors, deadline, admin):
    alice, _ = investors
    assert stack.registry.investor(mstack.minter).holderClass == PROTOCOL
    stack.registry.setAssetPolicy(token, 1, token.holderCount(), sender=admin)
    request_burn(mstack, alice, token, usdc, 10 * SHARE, PRICE, deadline)  # partial: Alice stays a holder
    assert token.holderCount() == 1


def test_f3_an_escrow_is_returned_even_after_its_slot_was_taken(mstack, stack, token, usdc, investors, admin,
                                                               kyc, carol, chain):
    alice, bob = investors
    kyc(carol)
    token.transfer(bob, 10 * SHARE, sender=alice)
    stack.registry.setAssetPolicy(token, 1, 2, sender=admin)  # Alice and Bob
    deadline = chain.pending_timestamp + 600
    rid = request_burn(mstack, alice, token, usdc, 90 * SHARE, PRICE, deadline)  # Alice leaves the count
    token.transfer(carol, 5 * SHARE, sender=bob)  # Carol takes the freed slot
    chain.pending_timestamp = deadline + 1
    assert stack.registry.canTransfer(token, mstack.minter, alice, 90 * SHARE) == 0
    mstack.minter.cancel(rid, sender=carol)
    assert token.balanceOf(alice) == 90 * SHARE
    assert token.holderCount() == 3  # over the cap by the returned escrow, as when a cap is lowered


def test_f3_the_minter_cannot_be_frozen(mstack, stack, sanctions_officer):
    with ape.reverts(stack.registry.ProtocolAccountNotFreezable, account=mstack.minter.address):
        stack.registry.freeze([mstack.minter.address], keccak(text="mistake"), sender=sanctions_officer)


def test_f3_only_the_asset_policy_role_classifies_holders(mstack, stack, mallory):
    with ape.reverts(stack.registry.AccessControlUnauthorizedAccount):
        stack.registry.setHolderClass(mstack.minter, 0, keccak(text="x"), sender=mallory)


def test_f3_an_externally_owned_account_cannot_be_a_protocol_holder(stack, admin, mallory):
    with ape.reverts(stack.registry.NotAContract, account=mallory.address):
        stack.registry.setHolderClass(mallory, PROTOCOL, keccak(text="x"), sender=admin)


# ------------------------------------------------------------------------------------------- F4 price band


@pytest.fixture
def price_feed(mstack, token, admin):
    """A $200-per-share feed (8 decimals) with a 50 bps band on the root equity."""
    feed = admin.deploy(ape.project.MockV3Aggregator, 8, 200 * 10**8)
    mstack.minter.setPriceFeed(token, feed, 3 * DAY, 50, sender=admin)
    return feed


def test_f4_an_exact_market_fill_after_a_2_for_1_split_is_accepted(
    mstack, token, usdc, investors, relayer, attestor_keys, admin, chain, price_feed, publisher, custodian_key
):
    alice, _ = investors
    _split(token, admin, chain, 2, 1)
    publish_reserves(mstack, publisher, custodian_key.key, token, token.totalShares() + 100 * SHARE,
                     chain.pending_timestamp - 1)
    price_feed.updateAnswer(100 * 10**8, sender=admin)  # the share halves, a token still holds 2 shares
    deadline = chain.pending_timestamp + 3600
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    fulfill(mstack, relayer, rid, SHARE, PRICE, attestor_keys, deadline)  # 200 per token = 2 x 100
    assert token.balanceOf(alice) == 101 * SHARE


def test_f4_a_wrong_price_after_a_reverse_split_is_refused(
    mstack, token, usdc, investors, relayer, attestor_keys, admin, chain, price_feed, publisher, custodian_key
):
    alice, _ = investors
    _split(token, admin, chain, 1, 2)
    publish_reserves(mstack, publisher, custodian_key.key, token, token.totalShares() + 100 * SHARE,
                     chain.pending_timestamp - 1)
    price_feed.updateAnswer(400 * 10**8, sender=admin)  # a token now holds half a share worth $200
    deadline = chain.pending_timestamp + 3600
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, 400 * USDC, deadline)
    with ape.reverts(mstack.minter.PriceOutsideBand, price=400 * USDC, referencePrice=200 * USDC, bandBps=50):
        fulfill(mstack, relayer, rid, SHARE, 400 * USDC, attestor_keys, deadline)


def test_f4_a_market_fill_after_half_a_year_of_management_fee_is_accepted(
    mstack, token, usdc, investors, relayer, attestor_keys, admin, chain, price_feed, publisher, custodian_key
):
    alice, _ = investors
    token.grantRole(role("MANAGEMENT_FEE_ROLE"), admin, sender=admin)
    token.setManagementFee(200, sender=admin)
    chain.pending_timestamp += 182 * DAY
    chain.mine()
    publish_reserves(mstack, publisher, custodian_key.key, token, 1_000 * SHARE, chain.pending_timestamp - 1)
    price_feed.updateAnswer(200 * 10**8, sender=admin)
    per_token = 200 * USDC * token.multiplier() // SHARE  # ~199 USDC: a token holds ~0.99 shares
    deadline = chain.pending_timestamp + 3600
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    fulfill(mstack, relayer, rid, SHARE, per_token, attestor_keys, deadline)


def test_f4_a_stale_price_feed_refuses_the_fill_by_default(mstack, token, usdc, investors, relayer, attestor_keys,
                                                          chain, price_feed):
    alice, _ = investors
    _, _, _, updated_at, _ = price_feed.latestRoundData()
    chain.pending_timestamp += 4 * DAY
    deadline = chain.pending_timestamp + 3600
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    with ape.reverts(mstack.minter.PriceFeedStale, asset=token.address, updatedAt=updated_at):
        fulfill(mstack, relayer, rid, SHARE, PRICE, attestor_keys, deadline)


def test_f4_only_the_asset_manager_chooses_fail_open(mstack, token, mallory):
    with ape.reverts(mstack.minter.AccessControlUnauthorizedAccount):
        mstack.minter.setPriceBandFailOpen(token, True, sender=mallory)


# ------------------------------------------------------------------------------------------- F5 future rounds


def test_f5_a_future_dated_reserve_round_is_refused(mstack, token, usdc, investors, relayer, attestor_keys, admin,
                                                   chain, deadline):
    alice, _ = investors
    feed = admin.deploy(ape.project.MockV3Aggregator, 18, 0)
    future = chain.pending_timestamp + 365 * DAY
    feed.setRound(1, 10**6 * SHARE, future, future, 1, sender=admin)
    mstack.minter.setReserveFeed(token, feed, DAY, sender=admin)
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    with ape.reverts(mstack.minter.ReserveFromFuture, updatedAt=future):
        fulfill(mstack, relayer, rid, SHARE, PRICE, attestor_keys, deadline)


# ------------------------------------------------------------------------------------------- split window


def test_the_reserve_guard_stays_closed_after_a_reverse_split_until_a_post_split_round(
    mstack, token, usdc, investors, relayer, attestor_keys, admin, chain, publisher, custodian_key
):
    alice, _ = investors
    token.grantRole(role("CORPORATE_ACTIONS_ROLE"), admin, sender=admin)
    activates = chain.pending_timestamp + DAY + 60
    token.scheduleSplit(1, 2, activates, token.multiplierState()[1], NOTICE, sender=admin)
    # Custody reported 10,000 pre-split shares just before the 1-for-2 reverse split took effect.
    chain.mine(timestamp=activates - 5)
    publish_reserves(mstack, publisher, custodian_key.key, token, 10_000 * SHARE, activates - 10)
    chain.mine(timestamp=activates + 1)
    deadline = chain.pending_timestamp + 3600
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, 2 * PRICE, deadline)
    with ape.reverts(mstack.minter.ReservesPredateSplit, roundAsOf=activates - 10, splitActivatedAt=activates):
        fulfill(mstack, relayer, rid, SHARE, 2 * PRICE, attestor_keys, deadline)
    publish_reserves(mstack, publisher, custodian_key.key, token, 5_000 * SHARE, activates)
    fulfill(mstack, relayer, rid, SHARE, 2 * PRICE, attestor_keys, deadline)
    assert token.balanceOf(alice) == 101 * SHARE


def _reverse_split_and_round(mstack, token, admin, chain, publisher, custodian_key, as_of_after_split: int):
    """Schedules a 1-for-2 reverse split, then publishes a round of 5,000 shares (ample for one token) as of
    `as_of_after_split` seconds after its activation (negative: before it), and moves past both. Returns the
    activation time."""
    token.grantRole(role("CORPORATE_ACTIONS_ROLE"), admin, sender=admin)
    activates = chain.pending_timestamp + DAY + 60
    token.scheduleSplit(1, 2, activates, token.multiplierState()[1], NOTICE, sender=admin)
    as_of = activates + as_of_after_split
    chain.mine(timestamp=max(activates, as_of) + 5)
    publish_reserves(mstack, publisher, custodian_key.key, token, 5_000 * SHARE, as_of)
    return activates


def _mint_one_share_request(mstack, alice, token, usdc, chain):
    deadline = chain.pending_timestamp + 3600
    return request_mint(mstack, alice, token, usdc, 1_000 * USDC, 2 * PRICE, deadline), deadline


def test_a_round_as_of_the_second_before_a_reverse_split_refuses_the_mint_naming_both_times(
    mstack, token, usdc, investors, relayer, attestor_keys, admin, chain, publisher, custodian_key
):
    alice, _ = investors
    activates = _reverse_split_and_round(mstack, token, admin, chain, publisher, custodian_key, -1)
    rid, deadline = _mint_one_share_request(mstack, alice, token, usdc, chain)
    with ape.reverts(mstack.minter.ReservesPredateSplit, roundAsOf=activates - 1, splitActivatedAt=activates):
        fulfill(mstack, relayer, rid, SHARE, 2 * PRICE, attestor_keys, deadline)
    assert token.balanceOf(alice) == 100 * SHARE


@pytest.mark.parametrize("offset", [0, 1], ids=["as-of-the-activation-second", "as-of-after-it"])
def test_a_round_as_of_the_reverse_splits_activation_second_or_later_lets_the_mint_through(
    mstack, token, usdc, investors, relayer, attestor_keys, admin, chain, publisher, custodian_key, offset
):
    alice, _ = investors
    _reverse_split_and_round(mstack, token, admin, chain, publisher, custodian_key, offset)
    rid, deadline = _mint_one_share_request(mstack, alice, token, usdc, chain)
    fulfill(mstack, relayer, rid, SHARE, 2 * PRICE, attestor_keys, deadline)
    assert token.balanceOf(alice) == 101 * SHARE


# ------------------------------------------------------------------------------------------- weak points, module


def test_a_reserve_feed_of_another_asset_is_refused(mstack, token, token2, admin):
    other = admin.deploy(ape.project.ReserveFeed, mstack.reserves.address, token2.address, "rMSFT / shares")
    with ape.reverts(mstack.minter.ReserveFeedAssetMismatch, asset=token.address, feedAsset=token2.address):
        mstack.minter.setReserveFeed(token, other, DAY, sender=admin)


def test_the_configuration_module_refuses_a_direct_call(mstack, token, admin):
    module = ape.project.MinterConfig.at(mstack.minter_implementation.CONFIG_MODULE())
    with ape.reverts(module.NotDelegated):
        module.setQuorum(3, sender=admin)
