"""DividendDistributor cancellation: governance stops a wrong distribution before its deadline; claims stop at
once, everything not yet paid (withholding counts as paid) goes to the treasury, and a cancelled distribution can
be neither claimed, swept nor cancelled again. Only DISTRIBUTION_CANCELLER_ROLE may cancel (an unauthorised
caller is refused in test_dividend_claims.py's PRIVILEGED table, with every other privileged function)."""

from __future__ import annotations

import ape
import pytest

from rat.deploy import jurisdiction, role
from reserves.distributor import CANCELLER_ROLE, cancel_distribution, claim

DIVIDEND_USDC = 10**6
PER_SHARE = 24 * DIVIDEND_USDC // 100  # $0.24


@pytest.fixture(scope="module")
def canceller(new_account, dividend_distributor, admin):
    """Holds DISTRIBUTION_CANCELLER_ROLE only (governance's timelock in a deployment)."""
    account = new_account()
    dividend_distributor.grantRole(role(CANCELLER_ROLE), account, sender=admin)
    return account


@pytest.fixture(scope="module", autouse=True)
def deployed(canceller, dividend_usdc, dividend_holders):
    """Everything deployed before the first test, so that every test starts from the same chain."""


# ============================================================================================ what is returned


def test_cancelling_before_any_claim_returns_the_whole_funding_to_the_treasury(
    dividend_create, dividend_distributor, dividend_usdc, dividend_holders, dividend_treasury, canceller,
):
    dist_id, dist = dividend_create(dividend_holders)
    held = dividend_usdc.balanceOf(dividend_distributor)
    returned = cancel_distribution(dividend_distributor, canceller, dist_id)
    assert returned == dist.total_gross
    assert dividend_usdc.balanceOf(dividend_treasury) == dist.total_gross
    assert dividend_usdc.balanceOf(dividend_distributor) == held - dist.total_gross


def test_cancelling_after_some_claims_returns_exactly_what_was_not_paid_withholding_counting_as_paid(
    dividend_create, dividend_distributor, dividend_usdc, dividend_holders, dividend_treasury, dividend_tax_account,
    admin, canceller, alice, bob, mallory,
):
    dividend_distributor.setWithholdingRate(jurisdiction("BR"), 3_000, sender=admin)  # Alice is withheld 30 %
    dist_id, dist = dividend_create(dividend_holders)
    held = dividend_usdc.balanceOf(dividend_distributor)
    for holder in (alice, bob):
        claim(dividend_distributor, mallory, dist_id, dist.claim_of(holder.address))
    paid_gross = dist.claim_of(alice.address).gross + dist.claim_of(bob.address).gross
    assert dividend_usdc.balanceOf(dividend_tax_account) > 0

    returned = cancel_distribution(dividend_distributor, canceller, dist_id)
    assert returned == dist.total_gross - paid_gross
    assert dividend_usdc.balanceOf(dividend_treasury) == returned
    assert dividend_usdc.balanceOf(dividend_distributor) == held - dist.total_gross
    assert dividend_distributor.distribution(dist_id).claimedGross == paid_gross


def test_cancelling_one_distribution_leaves_the_others_claimable(
    dividend_create, dividend_distributor, dividend_usdc, dividend_holders, canceller, bob, mallory,
):
    kept_id, kept = dividend_create(dividend_holders)
    cancelled_id, _ = dividend_create(dividend_holders)
    cancel_distribution(dividend_distributor, canceller, cancelled_id)
    claim(dividend_distributor, mallory, kept_id, kept.claim_of(bob.address))
    assert dividend_usdc.balanceOf(bob) == kept.claim_of(bob.address).gross
    assert not dividend_distributor.cancelled(kept_id)


def test_a_cancellation_is_evented_and_marks_the_distribution_cancelled_and_swept(
    dividend_create, dividend_distributor, dividend_holders, dividend_treasury, canceller,
):
    dist_id, dist = dividend_create(dividend_holders)
    tx = dividend_distributor.cancelDistribution(dist_id, sender=canceller)
    assert [(e.id, e.treasury, e.returned) for e in tx.events.filter(dividend_distributor.DistributionCancelled)] == [
        (dist_id, dividend_treasury, dist.total_gross)]
    assert dividend_distributor.cancelled(dist_id)
    assert dividend_distributor.distribution(dist_id).swept  # readers listing open distributions drop it


def test_a_distribution_past_its_deadline_but_not_swept_can_still_be_cancelled(
    dividend_create, dividend_distributor, dividend_usdc, dividend_holders, dividend_treasury, canceller, chain,
):
    dist_id, dist = dividend_create(dividend_holders)
    chain.mine(timestamp=dividend_distributor.distribution(dist_id).claimDeadline + 1)
    assert cancel_distribution(dividend_distributor, canceller, dist_id) == dist.total_gross
    assert dividend_usdc.balanceOf(dividend_treasury) == dist.total_gross


# ============================================================================================ what is refused


def test_a_claim_after_cancellation_reverts(dividend_create, dividend_distributor, dividend_holders, canceller, bob,
                                            mallory):
    dist_id, dist = dividend_create(dividend_holders)
    cancel_distribution(dividend_distributor, canceller, dist_id)
    with ape.reverts(dividend_distributor.DistributionIsCancelled, id=dist_id):
        claim(dividend_distributor, mallory, dist_id, dist.claim_of(bob.address))
    assert not dividend_distributor.claimed(dist_id, bob)


def test_sweeping_a_cancelled_distribution_reverts(dividend_create, dividend_distributor, dividend_holders,
                                                   canceller, mallory, chain):
    dist_id, _ = dividend_create(dividend_holders)
    cancel_distribution(dividend_distributor, canceller, dist_id)
    chain.mine(timestamp=dividend_distributor.distribution(dist_id).claimDeadline + 1)
    with ape.reverts(dividend_distributor.DistributionIsCancelled, id=dist_id):
        dividend_distributor.sweep(dist_id, sender=mallory)


def test_cancelling_twice_reverts(dividend_create, dividend_distributor, dividend_holders, canceller):
    dist_id, _ = dividend_create(dividend_holders)
    cancel_distribution(dividend_distributor, canceller, dist_id)
    with ape.reverts(dividend_distributor.DistributionIsCancelled, id=dist_id):
        dividend_distributor.cancelDistribution(dist_id, sender=canceller)


def test_a_swept_distribution_cannot_be_cancelled(dividend_create, dividend_distributor, dividend_holders, canceller,
                                                  mallory, chain):
    dist_id, _ = dividend_create(dividend_holders)
    chain.mine(timestamp=dividend_distributor.distribution(dist_id).claimDeadline + 1)
    dividend_distributor.sweep(dist_id, sender=mallory)
    with ape.reverts(dividend_distributor.AlreadySwept, id=dist_id):
        dividend_distributor.cancelDistribution(dist_id, sender=canceller)


def test_an_unknown_distribution_cannot_be_cancelled(dividend_distributor, canceller):
    unknown = dividend_distributor.nextDistributionId()
    with ape.reverts(dividend_distributor.UnknownDistribution, id=unknown):
        dividend_distributor.cancelDistribution(unknown, sender=canceller)


def test_the_role_that_creates_distributions_cannot_cancel_them(dividend_create, dividend_distributor,
                                                                dividend_holders, admin):
    dist_id, _ = dividend_create(dividend_holders)
    assert dividend_distributor.hasRole(role("DISTRIBUTION_CREATOR_ROLE"), admin)
    with ape.reverts(dividend_distributor.AccessControlUnauthorizedAccount, account=admin.address,
                     neededRole=role(CANCELLER_ROLE)):
        dividend_distributor.cancelDistribution(dist_id, sender=admin)
