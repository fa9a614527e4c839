"""Two sides of a CCIP lane on one anvil chain (the single-chain, two-selector mode): chain A uses the shared
module stack and token, chain B gets its own registry, listing, Router and pool, as a second chain would. For the
modules that run two anvils instead: `chain_b`, a second anvil, `isolated_chain_b`, which snapshots it around
each test as Ape does for chain A, and `sides`, the RAT stack, Router, pool and ramp harness on each anvil, connected
with `lane_limits`. Both kinds of lane use the same limits."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rat.bridge.ccip import (
    CHAIN_A_SELECTOR,
    CHAIN_B_SELECTOR,
    ChainSide,
    LanePairLimits,
    deploy_harness_lane,
)
from rat.bridge.chains import Chain, start_anvil
from rat.bridge.lane import Side, approve_everywhere, connect, deploy_side
from rat.deploy import AssetTerms, approve_investor, deploy_compliance_stack, list_equity, role

ONE = 10**18
INBOUND_CAPACITY = 1_000 * ONE
INBOUND_RATE = 10 * ONE  # tokens per second
KYC_VALIDITY = 365 * 24 * 3600


@dataclass(frozen=True)
class Lane:
    a: ChainSide
    b: ChainSide
    ramp_a: object  # registered on A's Router as OnRamp to B and OffRamp from B
    ramp_b: object  # registered on B's Router as OnRamp to A and OffRamp from A
    stack_b: object
    limits: LanePairLimits


@pytest.fixture(scope="session")
def lane_limits() -> LanePairLimits:
    """Each direction's outbound and inbound buckets: 1,000 tokens of inbound capacity, 10 tokens a second."""
    return LanePairLimits.symmetric(INBOUND_CAPACITY, INBOUND_RATE)

@pytest.fixture(scope="session", autouse=True)
def _session_fixtures_first(lane_limits) -> None:
    """This folder's session fixtures, before any module deploys: see `_named_accounts` in tests/conftest.py."""



@pytest.fixture(scope="module")
def lane(stack, token, admin, kyc_operator, sanctions_officer, lane_limits) -> Lane:
    stack_b = deploy_compliance_stack(admin)
    stack_b.registry.grantRole(role("KYC_OPERATOR_ROLE"), kyc_operator, sender=admin)
    stack_b.registry.grantRole(role("SANCTIONS_OFFICER_ROLE"), sanctions_officer, sender=admin)
    stack_b.registry.grantRole(role("ASSET_POLICY_ROLE"), admin, sender=admin)
    token_b = list_equity(admin, stack_b, AssetTerms.example(), admin)
    built = deploy_harness_lane(admin, (token, stack.registry), (token_b, stack_b.registry), lane_limits)
    return Lane(built.a, built.b, built.ramp_a, built.ramp_b, stack_b, lane_limits)


@pytest.fixture(scope="module")
def kyc_both(stack, lane, kyc_operator, chain):
    """Approves an account on both chains, as the relayer's KYC writer fans out."""

    def approve(account, tier: int = 1, country: str = "BR", valid_for: int = KYC_VALIDITY) -> None:
        for s in (stack, lane.stack_b):
            approve_investor(s, kyc_operator, account.address, tier, country, valid_for,
                             now=chain.pending_timestamp)

    return approve


@pytest.fixture(scope="module")
def funded(lane, token, minter, alice, bob, kyc_both):
    """Alice (chain A) holds 5,000 tokens and has approved A's ramp; Bob is approved on both chains."""
    kyc_both(alice)
    kyc_both(bob)
    token.mint(alice, 5_000 * ONE, sender=minter)
    token.approve(lane.ramp_a, 2**256 - 1, sender=alice)
    return lane


@pytest.fixture(scope="module")
def chain_b(admin, kyc_operator, sanctions_officer, minter, alice, bob, carol, mallory):
    """Chain B: a second anvil with its own chain id, the test accounts funded; stopped after the module."""
    anvil = start_anvil("B", CHAIN_B_SELECTOR, funded=tuple(
        a.address for a in (admin, kyc_operator, sanctions_officer, minter, alice, bob, carol, mallory)))
    yield anvil
    anvil.stop()


@pytest.fixture
def isolated_chain_b(chain_b):
    snapshot = chain_b.snapshot()
    yield
    chain_b.revert(snapshot)


@pytest.fixture(scope="module")
def sides(chain_b, lane_limits, admin, kyc_operator, minter, alice, bob) -> tuple[Side, Side]:
    """A lane between the two anvils through the ramp harness: Alice and Bob approved on both chains, Alice holding
    5,000 tokens on chain A."""
    a = deploy_side(Chain("A", CHAIN_A_SELECTOR), admin, kyc_operator)
    b = deploy_side(chain_b.chain, admin, kyc_operator)
    connect(a, b, lane_limits, admin)
    for investor in (alice, bob):
        approve_everywhere((a, b), kyc_operator, investor.address)
    a.token.grantRole(role("MINTER_ROLE"), minter, sender=admin)
    a.token.mint(alice, 5_000 * ONE, sender=minter)
    return a, b
