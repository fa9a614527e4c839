"""Corporate actions through governance on the deployed system: the timelock schedules a split, sets the
management fee, funds a dividend distribution from its treasury (and cancels a wrong one, getting the unpaid rest
back) and opens a delisting conversion, each by a vote."""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak

from rat.conversions import ConversionTerms, convert_all, fund_conversion
from reserves.distributor import distribution_terms, snapshot_distribution
from rat.governance import (
    conversion_actions,
    dividend_actions,
    dividend_cancel_action,
    management_fee_action,
    pass_locally,
    split_action,
)
from rat.protocol import AssetStatus

DAY = 24 * 3600
SHARE = 10**18
USDC = 10**6


@pytest.fixture(scope="module")
def usdc(deployer):
    from ape import project

    return deployer.deploy(project.TestStablecoin, "Test USD Coin", "USDC", 6, deployer.address)


@pytest.fixture(scope="module")
def holders(system, listed, deployer, accounts, chain):
    """Two KYC'd holders of rAAPL, minted by impersonating the Minter (the mint path is tested elsewhere)."""
    from rat.deploy import jurisdiction, provider_ref, role

    registry = system.instance("ComplianceRegistry")
    registry.grantRole(role("KYC_OPERATOR_ROLE"), deployer, sender=deployer)
    minter = accounts[system.address("Minter")]
    chain.set_balance(minter.address, 10**20)
    people = [accounts[7], accounts[8]]
    for who, amount in zip(people, (30 * SHARE, 10 * SHARE)):
        registry.setInvestor(who, 1, jurisdiction("BR"), chain.pending_timestamp + 365 * DAY,
                             provider_ref(f"t:{who.address}"), sender=deployer)
        listed.mint(who, amount, sender=minter)
    return people


def test_a_split_is_scheduled_by_a_vote_and_a_stale_second_one_reverts(system, listed, whale, record_file, chain):
    activates = chain.pending_timestamp + 10 * DAY
    action = split_action(listed.address, 2, 1, activates, "CA-1 2-for-1")
    pass_locally(system, whale, [whale], [action], "split", record_file)
    state, version = listed.multiplierState()
    assert (state[3], state[4], state[5], version) == (activates, 2, 1, 1)
    # The same calldata names version 0; the timelock bubbles the token's error up.
    with ape.reverts() as reverted:
        pass_locally(system, whale, [whale], [action], "split again", record_file)
    assert type(reverted.value).__name__ == "MultiplierVersionMismatch"


def test_the_management_fee_is_set_by_a_vote_through_the_fee_vault(system, listed, whale, record_file):
    pass_locally(system, whale, [whale], [management_fee_action(system, listed.address, 25)], "fee", record_file)
    assert listed.multiplierState()[0][2] == 25


def test_a_dividend_is_funded_from_the_treasury_by_a_vote(
        system, listed, holders, whale, record_file, usdc, deployer, chain):
    record_block = chain.blocks.head.number
    distributor = system.instance("DividendDistributor")
    dist = snapshot_distribution(chain.provider.uri, listed.address, record_block, 24 * USDC // 100,
                                 distributor=distributor.address)
    usdc.mint(system.address("RatTimelock"), dist.total_gross, sender=deployer)
    terms = distribution_terms(dist, usdc.address, chain.pending_timestamp + 60 * DAY)
    pass_locally(system, whale, [whale], dividend_actions(system, usdc.address, terms, dist.total_gross),
                 "dividend", record_file)
    created = distributor.distribution(distributor.nextDistributionId() - 1)
    assert (created.asset, created.totalGross, created.merkleRoot.hex()) == (
        listed.address, dist.total_gross, dist.root[2:])
    assert usdc.balanceOf(distributor) == dist.total_gross


def test_a_wrong_dividend_is_cancelled_by_a_vote_and_the_unpaid_rest_returns_to_the_treasury(
        system, listed, holders, whale, record_file, usdc, deployer, chain):
    from reserves.distributor import claim

    distributor = system.instance("DividendDistributor")
    treasury = system.address("RatTimelock")
    dist = snapshot_distribution(chain.provider.uri, listed.address, chain.blocks.head.number, 24 * USDC // 100,
                                 distributor=distributor.address)
    usdc.mint(treasury, dist.total_gross, sender=deployer)
    terms = distribution_terms(dist, usdc.address, chain.pending_timestamp + 60 * DAY)
    pass_locally(system, whale, [whale], dividend_actions(system, usdc.address, terms, dist.total_gross),
                 "dividend", record_file)
    dist_id = distributor.nextDistributionId() - 1
    paid = dist.claim_of(holders[0].address)
    claim(distributor, deployer, dist_id, paid)  # one holder is paid before the vote executes

    pass_locally(system, whale, [whale], [dividend_cancel_action(system, dist_id)], "cancel dividend", record_file)
    assert distributor.cancelled(dist_id)
    assert usdc.balanceOf(treasury) == dist.total_gross - paid.gross
    assert usdc.balanceOf(distributor) == 0


def test_a_delisting_to_cash_is_opened_by_one_vote_and_converts_every_holder(
        system, listed, holders, whale, record_file, usdc, deployer, chain):
    vault = system.instance("ConversionVault")
    pass_locally(system, whale, [whale], [management_fee_action(system, listed.address, 25)], "fee", record_file)
    terms = ConversionTerms.cash(usdc, 205 * USDC, keccak(text="CA-2 delisting"), chain.pending_timestamp + 3 * DAY)
    pass_locally(system, whale, [whale], conversion_actions(system, listed.address, terms.as_tuple(), "CA-2"),
                 "delist rAAPL for cash", record_file)
    assert system.instance("Minter").assetConfig(listed).status == AssetStatus.HALTED
    assert listed.multiplierState()[0][2] == 0  # no management fee shrinks payouts while holders convert
    owed = vault.fundingRequired(listed)
    # 25 bps a year accrued during the vote and the timelock delay, then stopped with the conversion.
    assert owed == pytest.approx(40 * 205 * USDC, rel=1e-5) and owed < 40 * 205 * USDC
    usdc.mint(deployer, owed, sender=deployer)
    fund_conversion(vault, deployer, listed, owed)
    chain.pending_timestamp = max(chain.pending_timestamp, terms.effective_at)
    chain.mine()
    convert_all(vault, deployer, listed, [h.address for h in holders])
    assert listed.totalSupply() == 0
    paid = [usdc.balanceOf(h) for h in holders]
    assert paid == [pytest.approx(30 * 205 * USDC, rel=1e-5), pytest.approx(10 * 205 * USDC, rel=1e-5)]
    assert owed - len(holders) <= sum(paid) <= owed
