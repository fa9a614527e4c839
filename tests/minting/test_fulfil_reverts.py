"""Every way a fulfilment, request or cancel is refused, each with the custom error it must raise."""

from __future__ import annotations

import ape
import pytest
from eth_account import Account
from eth_utils import keccak
from minting_constants import KEEPALIVE, PRICE, RESERVE_SHARES, USDC

from rat.attestations import Attestation, attest_fill, ordered_signatures, sign_fill
from rat.deploy import role
from rat.minting import (
    SHARE,
    AssetStatus,
    RejectReason,
    RequestStatus,
    attest,
    build_fill,
    fulfill,
    publish_reserves,
    request_burn,
    request_mint,
)


@pytest.fixture
def mint_request(mstack, token, usdc, investors, deadline):
    alice, _ = investors
    return request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)


def _fill(mstack, rid, deadline, shares=2 * SHARE, price=PRICE):
    return build_fill(mstack, rid, shares, price, deadline)


def _submit(mstack, relayer, fill, sigs):
    return mstack.minter.fulfillMint(fill.as_tuple(), sigs, sender=relayer)


# ------------------------------------------------------------------------------------------- attestations


def test_signature_by_a_key_outside_the_set_is_refused(mstack, relayer, mint_request, deadline, broker_key,
                                                       stranger_key):
    fill, asset, account = _fill(mstack, mint_request, deadline)
    sigs = attest(mstack, fill, asset, account, [broker_key.key, stranger_key.key])
    with ape.reverts(mstack.minter.UnknownAttestor, signer=stranger_key.address):
        _submit(mstack, relayer, fill, sigs)


def test_signature_over_different_amounts_recovers_to_an_unknown_signer(
    mstack, relayer, mint_request, deadline, attestor_keys
):
    fill, asset, account = _fill(mstack, mint_request, deadline)
    sigs = attest(mstack, fill, asset, account, attestor_keys)
    inflated = fill.model_copy(update={"shares": fill.shares * 10})
    with ape.reverts(mstack.minter.UnknownAttestor):
        _submit(mstack, relayer, inflated, sigs)


def test_malformed_signature_is_refused(mstack, relayer, mint_request, deadline, attestor_keys):
    fill, asset, account = _fill(mstack, mint_request, deadline)
    sigs = attest(mstack, fill, asset, account, attestor_keys)
    sigs[0] = sigs[0][:64] + bytes([29])
    with ape.reverts(mstack.minter.ECDSAInvalidSignature):
        _submit(mstack, relayer, fill, sigs)


def test_one_attestation_is_too_few(mstack, relayer, mint_request, deadline, broker_key):
    fill, asset, account = _fill(mstack, mint_request, deadline)
    sigs = attest(mstack, fill, asset, account, [broker_key.key])
    with ape.reverts(mstack.minter.TooFewAttestations, given=1, quorum=2):
        _submit(mstack, relayer, fill, sigs)


def test_two_attestations_of_the_same_role_are_refused(mstack, relayer, mint_request, deadline, broker_key,
                                                       broker2_key):
    fill, asset, account = _fill(mstack, mint_request, deadline)
    sigs = attest(mstack, fill, asset, account, [broker_key.key, broker2_key.key])
    with ape.reverts(mstack.minter.AttestorRolesIncomplete, rolesMask=2):
        _submit(mstack, relayer, fill, sigs)


def test_the_same_signer_twice_is_refused(mstack, relayer, mint_request, deadline, broker_key, custody_key):
    fill, asset, account = _fill(mstack, mint_request, deadline)
    one = sign_fill(custody_key.key, mstack.minter.provider.chain_id, mstack.minter.address, fill, asset, account)
    with ape.reverts(mstack.minter.AttestorsNotSorted):
        _submit(mstack, relayer, fill, [one.signature, one.signature])


def test_unsorted_signatures_are_refused(mstack, relayer, mint_request, deadline, attestor_keys):
    fill, asset, account = _fill(mstack, mint_request, deadline)
    sigs = attest(mstack, fill, asset, account, attestor_keys)
    with ape.reverts(mstack.minter.AttestorsNotSorted):
        _submit(mstack, relayer, fill, list(reversed(sigs)))


def test_attestation_signed_for_another_chain_is_refused(mstack, relayer, mint_request, deadline, attestor_keys):
    fill, asset, account = _fill(mstack, mint_request, deadline)
    sigs = attest_fill(attestor_keys, 1, mstack.minter.address, fill, asset, account)
    with ape.reverts(mstack.minter.UnknownAttestor):
        _submit(mstack, relayer, fill, sigs)


def test_attestation_signed_for_another_contract_is_refused(mstack, relayer, mint_request, deadline,
                                                           attestor_keys):
    fill, asset, account = _fill(mstack, mint_request, deadline)
    other = mstack.reserves.address
    sigs = attest_fill(attestor_keys, mstack.minter.provider.chain_id, other, fill, asset, account)
    with ape.reverts(mstack.minter.UnknownAttestor):
        _submit(mstack, relayer, fill, sigs)


def test_replayed_attestation_cannot_fulfil_twice(mstack, relayer, mint_request, deadline, attestor_keys):
    fill, asset, account = _fill(mstack, mint_request, deadline)
    sigs = attest(mstack, fill, asset, account, attestor_keys)
    _submit(mstack, relayer, fill, sigs)
    with ape.reverts(mstack.minter.RequestNotPending, requestId=mint_request, status=RequestStatus.FULFILLED):
        _submit(mstack, relayer, fill, sigs)


def test_attestation_for_one_request_does_not_fit_another(mstack, token, usdc, relayer, investors, mint_request,
                                                          deadline, attestor_keys):
    alice, _ = investors
    other = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    fill, asset, account = _fill(mstack, mint_request, deadline)
    sigs = attest(mstack, fill, asset, account, attestor_keys)
    with ape.reverts(mstack.minter.UnknownAttestor):
        _submit(mstack, relayer, fill.model_copy(update={"request_id": other}), sigs)


def test_expired_attestation_is_refused(mstack, relayer, mint_request, chain, attestor_keys):
    past = chain.pending_timestamp - 1
    fill, asset, account = _fill(mstack, mint_request, past)
    with ape.reverts(mstack.minter.AttestationExpired, deadline=past):
        _submit(mstack, relayer, fill, attest(mstack, fill, asset, account, attestor_keys))


def test_relayer_alone_cannot_mint(mstack, token, relayer, mint_request, deadline):
    """The submitter key signing as both roles is still not an attestor."""
    fill, asset, account = _fill(mstack, mint_request, deadline)
    own = Account.from_key(keccak(text="rat-test:relayer-own-key"))
    sig = sign_fill(own.key, mstack.minter.provider.chain_id, mstack.minter.address, fill, asset, account)
    with ape.reverts(mstack.minter.UnknownAttestor, signer=own.address):
        _submit(mstack, relayer, fill, [sig.signature, sig.signature])
    with ape.reverts(token.AccessControlUnauthorizedAccount):
        token.mint(relayer, SHARE, sender=relayer)


def test_fulfil_by_an_account_without_the_submitter_role_reverts(mstack, mallory, mint_request, deadline,
                                                                  attestor_keys):
    fill, asset, account = _fill(mstack, mint_request, deadline)
    sigs = attest(mstack, fill, asset, account, attestor_keys)
    with ape.reverts(mstack.minter.AccessControlUnauthorizedAccount, account=mallory.address,
                     neededRole=role("SUBMITTER_ROLE")):
        mstack.minter.fulfillMint(fill.as_tuple(), sigs, sender=mallory)


# ------------------------------------------------------------------------------------------- amounts and prices


def test_fill_costing_more_than_the_escrow_is_refused(mstack, relayer, mint_request, deadline, attestor_keys):
    with ape.reverts(mstack.minter.FillExceedsEscrow):
        fulfill(mstack, relayer, mint_request, 5 * SHARE, PRICE, attestor_keys, deadline)


def test_mint_price_above_the_investor_limit_is_refused(mstack, relayer, mint_request, deadline, attestor_keys):
    with ape.reverts(mstack.minter.PriceAboveLimit, price=PRICE + 1, limit=PRICE):
        fulfill(mstack, relayer, mint_request, SHARE, PRICE + 1, attestor_keys, deadline)


def test_burn_price_below_the_investor_limit_is_refused(mstack, token, usdc, relayer, investors, deadline,
                                                        attestor_keys):
    alice, _ = investors
    rid = request_burn(mstack, alice, token, usdc, SHARE, PRICE, deadline)
    with ape.reverts(mstack.minter.PriceBelowLimit, price=PRICE - 1, limit=PRICE):
        fulfill(mstack, relayer, rid, SHARE, PRICE - 1, attestor_keys, deadline)


def test_attested_fee_other_than_the_vault_fee_is_refused(mstack, relayer, mint_request, deadline, attestor_keys):
    fill, asset, account = _fill(mstack, mint_request, deadline)
    cheaper = fill.model_copy(update={"fees": fill.fees - 1})
    with ape.reverts(mstack.minter.FeeMismatch, attested=fill.fees - 1, expected=fill.fees):
        _submit(mstack, relayer, cheaper, attest(mstack, cheaper, asset, account, attestor_keys))


def test_fulfil_after_the_request_deadline_is_refused(mstack, relayer, mint_request, chain, attestor_keys):
    req = mstack.minter.getRequest(mint_request)
    chain.pending_timestamp = req.deadline + 1
    with ape.reverts(mstack.minter.RequestExpired):
        fulfill(mstack, relayer, mint_request, SHARE, PRICE, attestor_keys, req.deadline + 3600)


# ------------------------------------------------------------------------------------------- reserves and limits


def test_mint_beyond_attested_reserves_is_refused(mstack, token, usdc, relayer, publisher, custodian_key, investors,
                                                  chain, deadline, attestor_keys):
    alice, _ = investors
    chain.pending_timestamp += 60  # the fixture's round may be from this very second; rounds need a later as-of
    publish_reserves(mstack, publisher, custodian_key.key, token, 101 * SHARE, chain.pending_timestamp - 1)
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    with ape.reverts(mstack.minter.OverReserves, supplyAfter=102 * SHARE, reserves=101 * SHARE):
        fulfill(mstack, relayer, rid, 2 * SHARE, PRICE, attestor_keys, deadline)
    fulfill(mstack, relayer, rid, SHARE, PRICE, attestor_keys, deadline)
    assert token.totalSupply() == 101 * SHARE


def test_stale_reserves_halt_mints_but_not_burns_cancels_or_transfers(
    mstack, token, usdc, relayer, investors, chain, attestor_keys
):
    alice, bob = investors
    deadline = chain.pending_timestamp + 3 * 24 * 3600
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    burn = request_burn(mstack, alice, token, usdc, SHARE, PRICE, deadline)
    chain.pending_timestamp += 2 * 24 * 3600
    with ape.reverts(mstack.minter.ReserveStale):
        fulfill(mstack, relayer, rid, SHARE, PRICE, attestor_keys, deadline)
    fulfill(mstack, relayer, burn, SHARE, PRICE, attestor_keys, deadline)
    token.transfer(bob, SHARE, sender=alice)
    chain.pending_timestamp = deadline + 1
    mstack.minter.cancel(rid, sender=bob)
    assert mstack.minter.getRequest(rid).status == RequestStatus.CANCELLED


def test_request_over_the_tier_limit_is_refused(mstack, token, usdc, investors, deadline):
    alice, _ = investors
    with ape.reverts(mstack.minter.OverRequestLimit):
        request_mint(mstack, alice, token, usdc, 10_001 * USDC, PRICE, deadline)


def test_requests_over_the_rolling_daily_limit_are_refused(mstack, token, usdc, investors, deadline, chain):
    alice, _ = investors
    request_mint(mstack, alice, token, usdc, 10_000 * USDC, PRICE, deadline)
    request_mint(mstack, alice, token, usdc, 10_000 * USDC, PRICE, deadline)
    with ape.reverts(mstack.minter.OverDailyLimit):
        request_mint(mstack, alice, token, usdc, 10_000 * USDC, PRICE, deadline)
    chain.pending_timestamp += 12 * 3600  # half the 25k daily capacity has drained
    request_mint(mstack, alice, token, usdc, 10_000 * USDC, PRICE, chain.pending_timestamp + 3600)


def test_mint_over_the_asset_rate_limit_is_refused(mstack, token, usdc, admin, relayer, investors, deadline,
                                                   attestor_keys):
    alice, _ = investors
    mstack.minter.setMintLimits(token, RESERVE_SHARES, SHARE, sender=admin)
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    with ape.reverts(mstack.minter.OverMintRate, shares=2 * SHARE, available=SHARE):
        fulfill(mstack, relayer, rid, 2 * SHARE, PRICE, attestor_keys, deadline)


def test_mint_over_the_asset_cap_is_refused(mstack, token, usdc, admin, relayer, investors, deadline,
                                            attestor_keys):
    alice, _ = investors
    mstack.minter.setMintLimits(token, 101 * SHARE, RESERVE_SHARES, sender=admin)
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    with ape.reverts(mstack.minter.OverMintCap, supplyAfter=102 * SHARE, cap=101 * SHARE):
        fulfill(mstack, relayer, rid, 2 * SHARE, PRICE, attestor_keys, deadline)


# ------------------------------------------------------------------------------------------- compliance and status


def test_mint_into_a_paused_asset_is_refused(mstack, token, pauser, relayer, mint_request, deadline,
                                             attestor_keys):
    token.pause(sender=pauser)
    with ape.reverts(token.TransferRestricted, status=1):
        fulfill(mstack, relayer, mint_request, SHARE, PRICE, attestor_keys, deadline)


def test_frozen_investor_cannot_request(mstack, token, usdc, sanctions_officer, investors, deadline, registry):
    alice, _ = investors
    registry.freeze([alice], keccak(text="ofac"), sender=sanctions_officer)
    with ape.reverts(mstack.minter.InvestorFrozen, account=alice.address):
        request_mint(mstack, alice, token, usdc, 100 * USDC, PRICE, deadline)


def test_investor_without_kyc_cannot_request(mstack, token, usdc, mallory, admin, deadline):
    usdc.mint(mallory, 100 * USDC, sender=admin)
    with ape.reverts(mstack.minter.InvestorNotEligible, account=mallory.address):
        request_mint(mstack, mallory, token, usdc, 100 * USDC, PRICE, deadline)


def test_halted_asset_accepts_no_fulfilment_but_returns_escrow_on_reject(
    mstack, token, usdc, admin, ops, relayer, investors, mint_request, deadline, attestor_keys
):
    alice, _ = investors
    mstack.minter.setAssetStatus(token, AssetStatus.HALTED, sender=admin)
    with ape.reverts(mstack.minter.AssetNotAccepting, asset=token.address, status=AssetStatus.HALTED):
        fulfill(mstack, relayer, mint_request, SHARE, PRICE, attestor_keys, deadline)
    before = usdc.balanceOf(alice)
    receipt = mstack.minter.reject(mint_request, RejectReason.ASSET_HALTED, sender=ops)
    [event] = receipt.decode_logs(mstack.minter.RequestRejected)
    assert event.reasonCode == RejectReason.ASSET_HALTED and event.refund == 1_000 * USDC
    assert usdc.balanceOf(alice) == before + 1_000 * USDC


def test_redeem_only_asset_refuses_mints_and_accepts_burns(mstack, token, usdc, admin, investors, deadline):
    alice, _ = investors
    mstack.minter.setAssetStatus(token, AssetStatus.REDEEM_ONLY, sender=admin)
    with ape.reverts(mstack.minter.AssetNotAccepting):
        request_mint(mstack, alice, token, usdc, 100 * USDC, PRICE, deadline)
    request_burn(mstack, alice, token, usdc, SHARE, PRICE, deadline)


# ------------------------------------------------------------------------------------------- cancel and reject


def test_anyone_can_cancel_after_the_deadline_and_the_investor_gets_everything_back(
    mstack, usdc, mallory, investors, mint_request, chain
):
    alice, _ = investors
    before = usdc.balanceOf(alice)
    chain.pending_timestamp = mstack.minter.getRequest(mint_request).deadline + 1
    mstack.minter.cancel(mint_request, sender=mallory)
    assert usdc.balanceOf(alice) == before + 1_000 * USDC
    assert usdc.balanceOf(mstack.minter) == KEEPALIVE


def test_cancel_before_the_deadline_is_refused(mstack, investors, mint_request):
    alice, _ = investors
    with ape.reverts(mstack.minter.RequestNotExpired):
        mstack.minter.cancel(mint_request, sender=alice)


def test_cancelled_burn_returns_the_escrowed_tokens(mstack, token, usdc, investors, chain, deadline):
    alice, _ = investors
    rid = request_burn(mstack, alice, token, usdc, 5 * SHARE, PRICE, deadline)
    chain.pending_timestamp = deadline + 1
    mstack.minter.cancel(rid, sender=alice)
    assert token.balanceOf(alice) == 100 * SHARE


def test_reject_by_an_account_without_the_rejecter_role_reverts(mstack, mallory, mint_request):
    with ape.reverts(mstack.minter.AccessControlUnauthorizedAccount, account=mallory.address,
                     neededRole=role("REJECTER_ROLE")):
        mstack.minter.reject(mint_request, RejectReason.UNSPECIFIED, sender=mallory)


def test_unknown_request_cannot_be_cancelled(mstack, mallory):
    with ape.reverts(mstack.minter.UnknownRequest):
        mstack.minter.cancel(b"\x11" * 32, sender=mallory)


def test_ordered_signatures_sorts_by_signer_address():
    a = Attestation(signer="0x" + "bb" * 20, signature=b"\x02" * 65)
    b = Attestation(signer="0x" + "0a" * 20, signature=b"\x01" * 65)
    assert ordered_signatures([a, b]) == [b"\x01" * 65, b"\x02" * 65]
