"""Malformed listing and KYC inputs are rejected with a custom error naming the bad value."""

import ape
import pytest
from eth_utils import keccak

from rat.deploy import AssetTerms, jurisdiction

REF = keccak(text="applicant")


def _list(stack, admin, **overrides):
    terms = AssetTerms.example().model_copy(update=overrides)
    init = stack.token_implementation.initialize.encode_input(terms.as_tuple(), admin.address)
    return admin.deploy(ape.project.EquityProxy, stack.beacon.address, init)


@pytest.mark.parametrize("isin", ["US0378331006", "US037833100", "us0378331005", "1S0378331005", "US03783310#5"])
def test_listing_with_a_bad_isin_is_refused(stack, admin, isin):
    with ape.reverts(stack.token_implementation.InvalidIsin, isin=isin):
        _list(stack, admin, isin=isin)


@pytest.mark.parametrize("isin", ["US0378331005", "US5949181045", "US02079K3059", "BRPETRACNPR6", "DE0007164600"])
def test_listing_with_a_valid_isin_succeeds(stack, admin, isin):
    token = ape.project.RealAssetToken.at(_list(stack, admin, isin=isin).address)
    assert token.isin() == isin


@pytest.mark.parametrize("mic", ["XNA", "xnas", "XNAS1", "XN-S"])
def test_listing_with_a_bad_mic_is_refused(stack, admin, mic):
    with ape.reverts(stack.token_implementation.InvalidMic, mic=mic):
        _list(stack, admin, mic=mic)


def test_listing_without_legal_terms_hash_is_refused(stack, admin):
    with ape.reverts(stack.token_implementation.InvalidLegalTerms):
        _list(stack, admin, legal_terms_hash=bytes(32))


@pytest.mark.parametrize("code", [b"us", b"U1", b"AA", b"QZ", b"XX", b"ZZ", b"\x00\x00"])
def test_kyc_with_a_bad_jurisdiction_is_refused(registry, kyc_operator, chain, alice, code):
    with ape.reverts(registry.InvalidJurisdiction):
        registry.setInvestor(alice, 1, code, chain.pending_timestamp + 100, REF, sender=kyc_operator)


@pytest.mark.parametrize("tier", [0, 4])
def test_kyc_with_a_tier_outside_1_to_3_is_refused(registry, kyc_operator, chain, alice, tier):
    with ape.reverts(registry.InvalidTier, tier=tier):
        registry.setInvestor(alice, tier, jurisdiction("BR"), chain.pending_timestamp + 100, REF, sender=kyc_operator)


def test_kyc_with_an_expiry_in_the_past_is_refused(registry, kyc_operator, chain, alice):
    past = chain.pending_timestamp - 1
    with ape.reverts(registry.ExpiryInPast, expiry=past):
        registry.setInvestor(alice, 1, jurisdiction("BR"), past, REF, sender=kyc_operator)


def test_batch_kyc_with_one_bad_row_writes_nothing(registry, kyc_operator, chain, alice, bob):
    expiry = chain.pending_timestamp + 100
    rows = [(alice.address, 1, b"BR", expiry, REF), (bob.address, 1, b"XX", expiry, REF)]
    with ape.reverts(registry.InvalidJurisdiction):
        registry.setInvestors(rows, sender=kyc_operator)
    assert registry.investor(alice).tier == 0


def test_batch_revocation_with_mismatched_lengths_is_refused(registry, kyc_operator, alice):
    with ape.reverts(registry.LengthMismatch):
        registry.revokeInvestors([alice], [], sender=kyc_operator)


def test_registering_an_asset_twice_is_refused(registry, funded, admin):
    with ape.reverts(registry.AssetAlreadyRegistered, asset=funded.address):
        registry.registerAsset(funded, 1, 0, sender=admin)


def test_blocking_an_already_blocked_jurisdiction_is_refused(registry, funded, admin):
    registry.setJurisdictionsBlocked(funded, [jurisdiction("US")], True, sender=admin)
    with ape.reverts(registry.JurisdictionBlockUnchanged):
        registry.setJurisdictionsBlocked(funded, [jurisdiction("US")], True, sender=admin)


def test_batch_kyc_writes_every_row_and_events_the_provider_reference(registry, kyc_operator, chain, alice, bob):
    expiry = chain.pending_timestamp + 100
    tx = registry.setInvestors(
        [(alice.address, 2, b"BR", expiry, REF), (bob.address, 3, b"AR", expiry, REF)], sender=kyc_operator
    )
    assert [registry.investor(a).tier for a in (alice, bob)] == [2, 3]
    assert [(e.account, bytes(e.providerRef)) for e in tx.events] == [(alice.address, REF), (bob.address, REF)]
