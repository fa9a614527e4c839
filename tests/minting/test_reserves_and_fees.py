"""ReserveRegistry rounds, the Chainlink-shaped ReserveFeed, the secure-mint guard against real-world feed
shapes, the optional price band, and the FeeVault's governance."""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak
from minting_constants import PRICE, USDC

from rat.attestations import RoundReport, sign_round
from rat.deploy import role
from rat.minting import DAY, SHARE, FeeBucket, fulfill, publish_reserves, request_mint


def _report(reserves, token, round_id, shares, as_of):
    uri = f"ipfs://statement/{round_id}"
    return RoundReport(asset=token.address, round_id=round_id, shares=shares, as_of=as_of,
                       merkle_root=keccak(text="root"), statement_uri=uri, statement_hash=keccak(text=uri))


# ------------------------------------------------------------------------------------------- reserve registry


def test_published_round_is_served_chainlink_shaped(mstack, token, listed, reserves, chain):
    round_id, answer, started, updated, answered = listed.latestRoundData()
    assert (round_id, answer, answered) == (1, 10_000 * SHARE, 1)
    assert started == updated == reserves.round(token, 1).asOf
    assert listed.decimals() == 18
    assert listed.getRoundData(1)[1] == 10_000 * SHARE


def test_round_signed_by_another_key_is_refused(mstack, token, listed, reserves, publisher, stranger_key, chain):
    chain.pending_timestamp += 60
    report = _report(reserves, token, 2, SHARE, chain.pending_timestamp - 1)
    sig = sign_round(stranger_key.key, chain.chain_id, reserves.address, report)
    with ape.reverts(reserves.InvalidCustodianSignature):
        reserves.publishRound(report.as_tuple(), sig, sender=publisher)


def test_rounds_must_be_sequential(mstack, token, listed, reserves, publisher, custodian_key, chain):
    report = _report(reserves, token, 3, SHARE, chain.pending_timestamp - 1)
    sig = sign_round(custodian_key.key, chain.chain_id, reserves.address, report)
    with ape.reverts(reserves.RoundOutOfOrder, roundId=3, expected=2):
        reserves.publishRound(report.as_tuple(), sig, sender=publisher)


def test_round_as_of_must_increase(mstack, token, listed, reserves, publisher, custodian_key, chain):
    previous = reserves.round(token, 1).asOf
    report = _report(reserves, token, 2, SHARE, previous)
    sig = sign_round(custodian_key.key, chain.chain_id, reserves.address, report)
    with ape.reverts(reserves.AsOfNotIncreasing):
        reserves.publishRound(report.as_tuple(), sig, sender=publisher)


def test_publish_without_the_publisher_role_reverts(mstack, token, listed, reserves, mallory, custodian_key, chain):
    report = _report(reserves, token, 2, SHARE, chain.pending_timestamp - 1)
    sig = sign_round(custodian_key.key, chain.chain_id, reserves.address, report)
    with ape.reverts(reserves.AccessControlUnauthorizedAccount, account=mallory.address,
                     neededRole=role("PUBLISHER_ROLE")):
        reserves.publishRound(report.as_tuple(), sig, sender=mallory)


def test_round_digest_matches_the_python_signer(mstack, token, listed, reserves, chain):
    from rat.attestations import round_digest

    report = _report(reserves, token, 2, SHARE, 123)
    assert bytes(reserves.roundDigest(report.as_tuple())) == round_digest(chain.chain_id, reserves.address, report)


# ------------------------------------------------------------------------------------------- secure-mint guard


@pytest.fixture
def pending_mint(mstack, token, usdc, investors, deadline):
    alice, _ = investors
    return request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)


def _use_feed(mstack, token, admin, feed, heartbeat=DAY):
    mstack.minter.setReserveFeed(token, feed, heartbeat, sender=admin)


def test_feed_with_more_decimals_than_the_token_is_scaled_down(mstack, token, admin, relayer, pending_mint,
                                                               deadline, attestor_keys):
    feed = admin.deploy(ape.project.MockV3Aggregator, 20, 102 * 10**20)  # 102 shares, 20 decimals
    _use_feed(mstack, token, admin, feed)
    fulfill(mstack, relayer, pending_mint, 2 * SHARE, PRICE, attestor_keys, deadline)
    assert token.totalSupply() == 102 * SHARE


def test_feed_with_fewer_decimals_than_the_token_is_scaled_up(mstack, token, admin, relayer, pending_mint,
                                                              deadline, attestor_keys):
    feed = admin.deploy(ape.project.MockV3Aggregator, 8, 101 * 10**8)
    _use_feed(mstack, token, admin, feed)
    with ape.reverts(mstack.minter.OverReserves, supplyAfter=102 * SHARE, reserves=101 * SHARE):
        fulfill(mstack, relayer, pending_mint, 2 * SHARE, PRICE, attestor_keys, deadline)


def test_incomplete_reserve_round_is_refused(mstack, token, admin, relayer, pending_mint, deadline,
                                             attestor_keys, chain):
    feed = admin.deploy(ape.project.MockV3Aggregator, 18, 0)
    now = chain.pending_timestamp
    feed.setRound(5, 10**6 * SHARE, now, now, 4, sender=admin)
    _use_feed(mstack, token, admin, feed)
    with ape.reverts(mstack.minter.ReserveRoundIncomplete, roundId=5, answeredInRound=4):
        fulfill(mstack, relayer, pending_mint, SHARE, PRICE, attestor_keys, deadline)


def test_negative_reserve_answer_is_refused(mstack, token, admin, relayer, pending_mint, deadline, attestor_keys):
    feed = admin.deploy(ape.project.MockV3Aggregator, 18, -1)
    _use_feed(mstack, token, admin, feed)
    with ape.reverts(mstack.minter.ReserveInvalid, answer=-1):
        fulfill(mstack, relayer, pending_mint, SHARE, PRICE, attestor_keys, deadline)


def test_zero_heartbeat_is_refused_instead_of_disabling_the_check(mstack, token, admin, listed):
    with ape.reverts(mstack.minter.InvalidHeartbeat):
        mstack.minter.setReserveFeed(token, listed, 0, sender=admin)


def test_reserves_before_the_first_round_are_stale(mstack, token2, admin, relayer, usdc, investors, deadline,
                                                  attestor_keys):
    feed = admin.deploy(ape.project.MockV3Aggregator, 18, 0)
    feed.setRound(0, 0, 0, 0, 0, sender=admin)
    _use_feed(mstack, token2, admin, feed)
    alice, _ = investors
    rid = request_mint(mstack, alice, token2, usdc, 1_000 * USDC, PRICE, deadline)
    with ape.reverts(mstack.minter.ReserveStale):
        fulfill(mstack, relayer, rid, SHARE, PRICE, attestor_keys, deadline)


# ------------------------------------------------------------------------------------------- price band


def test_price_outside_the_feed_band_is_refused(mstack, token, admin, relayer, usdc, investors, deadline,
                                               attestor_keys):
    alice, _ = investors
    price_feed = admin.deploy(ape.project.MockV3Aggregator, 8, 150 * 10**8)  # $150, fill at $200
    mstack.minter.setPriceFeed(token, price_feed, 3600, 500, sender=admin)
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    with ape.reverts(mstack.minter.PriceOutsideBand, price=PRICE, referencePrice=150 * USDC, bandBps=500):
        fulfill(mstack, relayer, rid, SHARE, PRICE, attestor_keys, deadline)


def test_a_stale_price_feed_of_a_fail_open_asset_lets_the_fill_through_within_the_investor_limit_and_says_so(
    mstack, token, admin, relayer, usdc, investors, chain, attestor_keys
):
    alice, _ = investors
    price_feed = admin.deploy(ape.project.MockV3Aggregator, 8, 150 * 10**8)
    mstack.minter.setPriceFeed(token, price_feed, 3600, 500, sender=admin)
    mstack.minter.setPriceBandFailOpen(token, True, sender=admin)
    chain.pending_timestamp += 7200
    deadline = chain.pending_timestamp + 3600
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    receipt = fulfill(mstack, relayer, rid, SHARE, PRICE, attestor_keys, deadline)
    [event] = receipt.decode_logs(mstack.minter.PriceBandNotChecked)
    assert bytes(event.requestId) == rid and event.asset == token.address


# ------------------------------------------------------------------------------------------- fee vault


def test_fees_are_split_between_treasury_and_insurance(mstack, token, usdc, relayer, vault, pending_mint,
                                                      deadline, attestor_keys):
    fulfill(mstack, relayer, pending_mint, 4 * SHARE, PRICE, attestor_keys, deadline)
    fee = 4 * PRICE * 30 // 10_000
    assert vault.buckets(usdc) == (fee - fee * 2_000 // 10_000, fee * 2_000 // 10_000)
    assert usdc.balanceOf(vault) == fee


def test_fee_above_the_maximum_is_refused(vault, token, admin):
    with ape.reverts(vault.FeeTooHigh, bps=101, maxBps=100):
        vault.setFees(token, 101, 0, sender=admin)


def test_fee_change_by_an_account_without_the_governor_role_reverts(vault, token, mallory):
    with ape.reverts(vault.AccessControlUnauthorizedAccount, account=mallory.address,
                     neededRole=role("FEE_GOVERNOR_ROLE")):
        vault.setFees(token, 1, 1, sender=mallory)


def test_withdrawal_by_an_account_without_the_withdrawer_role_reverts(vault, usdc, mallory):
    with ape.reverts(vault.AccessControlUnauthorizedAccount, account=mallory.address,
                     neededRole=role("FEE_WITHDRAWER_ROLE")):
        vault.withdraw(usdc, FeeBucket.TREASURY, mallory, 0, sender=mallory)


def test_withdrawal_cannot_exceed_the_bucket(vault, usdc, admin):
    with ape.reverts(vault.InsufficientBucket):
        vault.withdraw(usdc, FeeBucket.INSURANCE, admin, 1, sender=admin)


def test_fee_rates_set_in_the_vault_are_what_the_minter_charges(mstack, token, usdc, admin, relayer, vault,
                                                                pending_mint, deadline, attestor_keys):
    vault.setFees(token, 100, 0, sender=admin)
    receipt = fulfill(mstack, relayer, pending_mint, 2 * SHARE, PRICE, attestor_keys, deadline)
    [event] = receipt.decode_logs(mstack.minter.MintFulfilled)
    assert event.fees == 2 * PRICE * 100 // 10_000 == vault.quote(token, 0, 2 * PRICE)


def test_only_the_vault_may_push_fee_rates_to_the_minter(mstack, token, mallory, admin):
    with ape.reverts(mstack.minter.OnlyFeeVault, caller=mallory.address):
        mstack.minter.applyFees(token, 0, 0, sender=mallory)
    with ape.reverts(mstack.minter.OnlyFeeVault, caller=admin.address):
        mstack.minter.applyFees(token, 0, 0, sender=admin)


def test_only_the_minter_may_register_payment_tokens_in_the_vault(vault, usdc, mallory):
    with ape.reverts(vault.OnlyMinter, caller=mallory.address):
        vault.trackToken(usdc, sender=mallory)


def test_vault_names_its_minter_once(mstack, vault, admin):
    assert vault.minter() == mstack.minter.address
    with ape.reverts(vault.MinterAlreadySet, minter=mstack.minter.address):
        vault.setMinter(admin, sender=admin)


def test_fee_rates_cannot_be_set_before_the_vault_knows_its_minter(admin, token):
    fresh = admin.deploy(ape.project.FeeVault)
    proxy = admin.deploy(ape.project.SingletonProxy, fresh.address, fresh.initialize.encode_input(admin, 0))
    lone = ape.project.FeeVault.at(proxy.address)
    lone.grantRole(role("FEE_GOVERNOR_ROLE"), admin, sender=admin)
    with ape.reverts(lone.MinterNotSet):
        lone.setFees(token, 10, 10, sender=admin)


def test_anyone_may_book_arrived_fees_and_only_what_arrived(mstack, usdc, relayer, vault, mallory, pending_mint,
                                                           deadline, attestor_keys):
    fulfill(mstack, relayer, pending_mint, 4 * SHARE, PRICE, attestor_keys, deadline)
    fee = 4 * PRICE * 30 // 10_000
    assert vault.unbooked(usdc) == fee
    receipt = vault.book(usdc, sender=mallory)
    [event] = receipt.decode_logs(vault.FeesBooked)
    assert (event.amount, event.toTreasury, event.toInsurance) == (fee, fee - fee * 2_000 // 10_000,
                                                                   fee * 2_000 // 10_000)
    assert vault.unbooked(usdc) == 0
    assert not vault.book(usdc, sender=mallory).decode_logs(vault.FeesBooked)


def test_fees_that_arrived_before_a_share_change_keep_the_old_split(mstack, usdc, relayer, vault, admin,
                                                                   pending_mint, deadline, attestor_keys):
    fulfill(mstack, relayer, pending_mint, 4 * SHARE, PRICE, attestor_keys, deadline)
    fee = 4 * PRICE * 30 // 10_000
    vault.setInsuranceShare(10_000, sender=admin)
    assert vault.buckets(usdc) == (fee - fee * 2_000 // 10_000, fee * 2_000 // 10_000)


def test_withdrawal_books_arrivals_first(mstack, usdc, relayer, vault, admin, pending_mint, deadline,
                                         attestor_keys):
    fulfill(mstack, relayer, pending_mint, 4 * SHARE, PRICE, attestor_keys, deadline)
    treasury, _ = vault.buckets(usdc)
    vault.withdraw(usdc, FeeBucket.TREASURY, admin, treasury, sender=admin)
    assert vault.buckets(usdc)[0] == 0 and vault.unbooked(usdc) == 0


# ------------------------------------------------------------------------------------------- minter administration


@pytest.mark.parametrize(
    ("call", "needed"),
    [
        (lambda m, a: m.setAttestor(a, 1, sender=a), "ATTESTOR_MANAGER_ROLE"),
        (lambda m, a: m.setQuorum(3, sender=a), "ATTESTOR_MANAGER_ROLE"),
        (lambda m, a: m.setTierLimits(1, 1, 1, sender=a), "ASSET_MANAGER_ROLE"),
        (lambda m, a: m.setSettlementAccount(a, sender=a), "ASSET_MANAGER_ROLE"),
        (lambda m, a: m.setAssetStatus(a, 3, sender=a), "ASSET_MANAGER_ROLE"),
        (lambda m, a: m.listPaymentToken(a, sender=a), "ASSET_MANAGER_ROLE"),
        (lambda m, a: m.upgradeToAndCall(a, b"", sender=a), "UPGRADER_ROLE"),
    ],
)
def test_minter_administration_needs_its_role(mstack, mallory, call, needed):
    with ape.reverts(mstack.minter.AccessControlUnauthorizedAccount, account=mallory.address,
                     neededRole=role(needed)):
        call(mstack.minter, mallory)


def test_quorum_below_two_is_refused(mstack, admin):
    with ape.reverts(mstack.minter.InvalidQuorum, quorum=1):
        mstack.minter.setQuorum(1, sender=admin)


def test_higher_quorum_needs_more_signatures(mstack, admin, relayer, pending_mint, deadline, broker_key,
                                             broker2_key, custody_key):
    mstack.minter.setQuorum(3, sender=admin)
    with ape.reverts(mstack.minter.TooFewAttestations, given=2, quorum=3):
        fulfill(mstack, relayer, pending_mint, SHARE, PRICE, [broker_key.key, custody_key.key], deadline)
    fulfill(mstack, relayer, pending_mint, SHARE, PRICE, [broker_key.key, broker2_key.key, custody_key.key],
            deadline)


def test_publish_reserves_helper_advances_the_round(mstack, token, listed, publisher, custodian_key, chain):
    chain.pending_timestamp += 60  # a later as-of than the fixture's round
    report = publish_reserves(mstack, publisher, custodian_key.key, token, 5 * SHARE, chain.pending_timestamp - 1)
    assert report.round_id == 2 and listed.latestRoundData()[1] == 5 * SHARE
