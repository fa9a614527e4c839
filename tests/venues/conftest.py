"""Fixtures of the compliant RAT/stablecoin pool (ADR 0100): the real Uniswap v4 engine, a listed rAAPL with its
Minter listing and a reserve round, a stablecoin, the hook/adapter registered as the asset's VENUE, the approved
pool created and seeded by Alice (KYC'd) through RatPositionManager. For the frozen-borrower tests (ADR 0102): a
Morpho Blue market in which Alice has borrowed against rAAPL, and Alice frozen (morpho_support.py has the rest)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eth_account import Account
from eth_utils import keccak
from morpho_support import BORROWED, FREEZE_REF, LISTING_REF, PLEDGED, USDC, BorrowedMarket, open_borrowed_market

from rat.deploy import role
from rat.minting import deploy_minting_stack, deploy_test_stablecoin, grant_minting_roles, list_asset, publish_reserves
from rat.venues.compliant_pool import (
    CompliantVenue,
    add_liquidity,
    approve_venue,
    create_pool,
    deploy_compliant_venue,
    register_venue,
)
from rat.venues.uniswap_v4 import deploy_engine

UNIT = 10**18
FEE, TICK_SPACING = 3_000, 60
SEED_LIQUIDITY = 10_000 * UNIT
DAY = 24 * 3600


@dataclass(frozen=True)
class Market:
    venue: CompliantVenue
    mstack: object
    custodian_key: object
    lp_token_id: int


@pytest.fixture(scope="module")
def custodian_key():
    return Account.from_key(keccak(text="rat-test:venue-custodian"))


@pytest.fixture(scope="module")
def market(project, chain, stack, token, kyc, admin, kyc_operator, minter, alice, bob, custodian_key) -> Market:
    mstack = deploy_minting_stack(admin, stack, kyc_operator, settlement=admin.address, now=chain.pending_timestamp)
    grant_minting_roles(mstack, admin, publisher=admin)
    list_asset(mstack, admin, token, custodian_key.address, 10**9 * UNIT, 10**9 * UNIT)
    publish_reserves(mstack, admin, custodian_key.key, token, 10**6 * UNIT, chain.pending_timestamp - 1)
    engine = deploy_engine(admin)
    usdc = deploy_test_stablecoin(admin, decimals=18)
    venue = deploy_compliant_venue(admin, engine, token, usdc, stack.registry.address, mstack.minter.address,
                                   mstack.reserves.records(), admin.address)
    approve_venue(venue, admin, FEE, TICK_SPACING)
    stack.registry.grantRole(role("VENUE_LISTING_ROLE"), admin, sender=admin)
    register_venue(stack.registry, token.address, venue.hook.address, admin)
    create_pool(venue, 2**96, admin)
    for investor in (alice, bob):
        kyc(investor)
        token.mint(investor, 50_000 * UNIT, sender=minter)
        usdc.mint(investor, 50_000 * UNIT, sender=admin)
    token_id, _ = add_liquidity(venue, alice, -600, 600, SEED_LIQUIDITY, 20_000 * UNIT, 20_000 * UNIT)
    return Market(venue, mstack, custodian_key, token_id)


@pytest.fixture(scope="module")
def borrowed_market(project, chain, admin, pauser, bob, alice, funded, registry) -> BorrowedMarket:
    """rAAPL/USDC on the real Morpho Blue, admin its governance: Alice pledged PLEDGED rAAPL, authorised the gateway
    and borrowed BORROWED USDC through it while the oracle is OPEN (Bob supplied the USDC). Governance and Bob each
    hold 100,000 USDC approved to the gateway and Morpho, for closures and liquidations; Alice has approved Morpho
    for her repayments."""
    stack, loan, feed, params = open_borrowed_market(project, chain, admin, pauser, bob, alice, funded, registry,
                                                     LISTING_REF, PLEDGED, BORROWED, governance=admin.address)
    for payer in (admin, bob):
        loan.mint(payer.address, 100_000 * USDC, sender=admin)
        loan.approve(stack.gateway.address, 2**256 - 1, sender=payer)
        loan.approve(stack.morpho.address, 2**256 - 1, sender=payer)
    loan.approve(stack.morpho.address, 2**256 - 1, sender=alice)
    return BorrowedMarket(stack, funded, loan, feed, params)


@pytest.fixture
def frozen_alice(registry, sanctions_officer, alice):
    """Alice, frozen in the token's ComplianceRegistry by the sanctions officer."""
    registry.freeze([alice.address], FREEZE_REF, sender=sanctions_officer)
    return alice
