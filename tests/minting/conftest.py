"""Fixtures for the mint/burn engine: the root compliance stack and equity plus a Minter, ReserveRegistry and
FeeVault wired as in production, two stablecoins (6 and 18 decimals), a second equity, three attestor keys and a
published reserve round for each equity."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak

from rat.deploy import AssetTerms, list_equity
from rat.minting import (
    DAY,
    SHARE,
    deploy_minting_stack,
    deploy_test_stablecoin,
    grant_minting_roles,
    list_asset,
    list_payment_token,
    publish_reserves,
    set_attestors,
    set_tier_limits,
)

from minting_constants import (  # noqa: E402 - tests/minting is on sys.path (rootdir-relative import)
    BURN_FEE_BPS,
    MINT_CAP,
    MINT_FEE_BPS,
    MINT_RATE,
    RESERVE_SHARES,
    USDC,
)


def _key(label: str):
    """A throw-away key derived from a label, so failures are reproducible and no key lives in the repo."""
    return Account.from_key(keccak(text=f"rat-test:{label}"))


@pytest.fixture(scope="session")
def broker_key():
    return _key("brokerage-attestor-1")


@pytest.fixture(scope="session")
def broker2_key():
    return _key("brokerage-attestor-2")


@pytest.fixture(scope="session")
def custody_key():
    return _key("custody-attestor-1")


@pytest.fixture(scope="session")
def stranger_key():
    """Signs well-formed attestations but is in no attestor set."""
    return _key("not-an-attestor")


@pytest.fixture(scope="session")
def custodian_key():
    return _key("custodian-statement-signer")


@pytest.fixture(scope="session")
def attestor_keys(broker_key, custody_key):
    return [broker_key.key, custody_key.key]

@pytest.fixture(scope="session", autouse=True)
def _session_fixtures_first(broker_key, broker2_key, custody_key, stranger_key, custodian_key, attestor_keys) -> None:
    """This folder's session fixtures, before any module deploys: see `_named_accounts` in tests/conftest.py."""



@pytest.fixture(scope="module")
def relayer(new_account):
    """Submitter and settlement account: receives mint payments, funds burn proceeds."""
    return new_account()


@pytest.fixture(scope="module")
def ops(new_account):
    """Holds REJECTER_ROLE."""
    return new_account()


@pytest.fixture(scope="module")
def publisher(new_account):
    """Holds PUBLISHER_ROLE on the reserve registry."""
    return new_account()


@pytest.fixture(scope="module")
def usdc(admin):
    return deploy_test_stablecoin(admin)


@pytest.fixture(scope="module")
def dai(admin):
    return deploy_test_stablecoin(admin, "Test Dollar", "TUSD", 18)


@pytest.fixture(scope="module")
def mstack(stack, admin, kyc_operator, relayer, ops, publisher, broker_key, broker2_key, custody_key, usdc, dai,
           chain):
    s = deploy_minting_stack(admin, stack, kyc_operator, settlement=relayer.address, now=chain.pending_timestamp)
    grant_minting_roles(s, admin, submitter=relayer, rejecter=ops, publisher=publisher)
    set_attestors(s, admin, brokerage=[broker_key.address, broker2_key.address], custody=[custody_key.address])
    list_payment_token(s, admin, usdc)
    list_payment_token(s, admin, dai)
    set_tier_limits(s, admin)
    return s


@pytest.fixture(scope="module")
def minter_contract(mstack):
    return mstack.minter


@pytest.fixture(scope="module")
def vault(mstack):
    return mstack.fee_vault


@pytest.fixture(scope="module")
def reserves(mstack):
    return mstack.reserves


@pytest.fixture(scope="module")
def listed(mstack, token, admin, custodian_key, publisher, chain):
    """The root equity listed in the Minter with fees and a fresh reserve round of 10,000 shares."""
    feed = list_asset(mstack, admin, token, custodian_key.address, MINT_CAP, MINT_RATE, DAY,
                      MINT_FEE_BPS, BURN_FEE_BPS)
    publish_reserves(mstack, publisher, custodian_key.key, token, RESERVE_SHARES, chain.pending_timestamp - 1)
    return feed


@pytest.fixture(scope="module")
def token2(stack, mstack, admin, custodian_key, publisher, chain):
    """A second equity, listed and reserved like the first, without fees."""
    t = list_equity(admin, stack, AssetTerms.example("rMSFT", "RAT Microsoft Corp.", "US5949181045"), admin)
    list_asset(mstack, admin, t, custodian_key.address, MINT_CAP, MINT_RATE, DAY)
    publish_reserves(mstack, publisher, custodian_key.key, t, RESERVE_SHARES, chain.pending_timestamp - 1)
    return t


@pytest.fixture(scope="module")
def investors(funded, alice, bob, usdc, dai, admin, relayer, mstack, listed):
    """Alice and Bob: retail KYC (Alice holds 100 shares), 50,000 USDC and 50,000 TUSD each. The relayer holds 1,000,000 of each for burn
    proceeds and has approved the Minter to pull them."""
    for who in (alice, bob):
        usdc.mint(who, 50_000 * USDC, sender=admin)
        dai.mint(who, 50_000 * 10**18, sender=admin)
    usdc.mint(relayer, 1_000_000 * USDC, sender=admin)
    dai.mint(relayer, 1_000_000 * 10**18, sender=admin)
    usdc.approve(mstack.minter.address, 2**256 - 1, sender=relayer)
    dai.approve(mstack.minter.address, 2**256 - 1, sender=relayer)
    return alice, bob


@pytest.fixture
def deadline(chain):
    return chain.pending_timestamp + 3600
