"""Fixtures for the corporate-action tests (dividends, conversions). Each engineer appends fixtures under their
own prefix (`dividend_`, `conversion_`) so that the two suites never share state by accident."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak, to_checksum_address

ROOT = Path(__file__).resolve().parents[2]

# ============================================================================================ dividends

DIVIDEND_SHARE = 10**18
DIVIDEND_USDC = 10**6  # the test stablecoin has USDC's 6 decimals


def dividend_address(label: str) -> str:
    """A deterministic address with no key (a treasury, a tax account, a holder that never signs)."""
    return to_checksum_address(keccak(text=f"rat-test:dividends:{label}")[-20:])


@pytest.fixture(scope="module")
def dividend_treasury() -> str:
    return dividend_address("treasury")


@pytest.fixture(scope="module")
def dividend_tax_account() -> str:
    return dividend_address("tax-account")


@pytest.fixture(scope="module")
def dividend_usdc(admin):
    """A USDC-like payout token; the admin (the funder in these tests) holds 10 million."""
    from ape import project

    usdc = admin.deploy(project.TestStablecoin, "Test USD Coin", "USDC", 6, admin.address)
    usdc.mint(admin, 10_000_000 * DIVIDEND_USDC, sender=admin)
    return usdc


@pytest.fixture(scope="module")
def dividend_distributor(admin, registry, dividend_treasury, dividend_tax_account):
    """The distributor behind its SingletonProxy; the admin creates distributions, sets rates and accounts."""
    from reserves.distributor import deploy_dividend_distributor

    return deploy_dividend_distributor(
        admin, registry.address, treasury=dividend_treasury, tax_account=dividend_tax_account,
        creators=[admin.address], withholding_managers=[admin.address], accounts_managers=[admin.address],
    )


@pytest.fixture(scope="module")
def dividend_rpc_url(chain) -> str:
    return chain.provider.uri


@pytest.fixture(scope="module")
def dividend_holders(token, kyc, minter, alice, bob, carol):
    """Alice (Brazil) 100 shares, Bob (Germany) 50, Carol (United Kingdom) 7.5: the token."""
    kyc(alice, country="BR")
    kyc(bob, country="DE")
    kyc(carol, country="GB")
    token.mint(alice, 100 * DIVIDEND_SHARE, sender=minter)
    token.mint(bob, 50 * DIVIDEND_SHARE, sender=minter)
    token.mint(carol, 7 * DIVIDEND_SHARE + DIVIDEND_SHARE // 2, sender=minter)
    return token


@pytest.fixture(scope="module")
def dividend_create(dividend_distributor, dividend_usdc, dividend_rpc_url, admin, chain):
    """dividend_create(token, per_share=..., record_block=head, **create_kwargs) -> (id, DividendFile): snapshot
    from the chain, then an approved and funded distribution."""
    from reserves.distributor import create_distribution, snapshot_distribution

    def create(token, per_share: int = 24 * DIVIDEND_USDC // 100, record_block: int | None = None, **kwargs: Any):
        block = chain.blocks.head.number if record_block is None else record_block
        dist = snapshot_distribution(dividend_rpc_url, token.address, block, per_share,
                                     distributor=dividend_distributor.address)
        return create_distribution(dividend_distributor, admin, dividend_usdc, dist, **kwargs), dist

    return create
