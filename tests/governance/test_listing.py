"""Listing an equity is one governance action: deterministic address from the ticker, registered everywhere."""

import ape
from eth_utils import keccak

from rat.deploy import role
from rat.governance import AssetStatus, asset_status_action, pass_locally

from governance_helpers import listing


def test_listing_deploys_the_token_at_the_address_predicted_from_its_ticker(system, listed):
    assert listed.address == system.instance("AssetLister").predictAddress("rAAPL")
    assert listed.symbol() == "rAAPL"
    assert listed.isin() == "US0378331005"


def test_listing_registers_the_token_with_registry_reserves_minter_and_fee_vault(system, listed, custodian_key):
    assert system.instance("ComplianceRegistry").policy(listed).registered
    assert system.instance("ReserveRegistry").custodianOf(listed) == custodian_key.address
    config = system.instance("Minter").assetConfig(listed)
    assert config.status == AssetStatus.ACTIVE
    assert config.reserveFeed == system.assets["rAAPL"].reserve_feed
    assert system.instance("FeeVault").fees(listed) == (30, 30)


def test_listed_token_roles_go_to_timelock_minter_and_guardian_only(system, listed):
    timelock, lister = system.address("RatTimelock"), system.address("AssetLister")
    assert listed.hasRole(role("MINTER_ROLE"), system.address("Minter"))
    assert listed.hasRole(b"\0" * 32, timelock)
    assert listed.hasRole(role("PAUSER_ROLE"), system.address("EmergencyGuardian"))
    assert not listed.hasRole(b"\0" * 32, lister)


def test_listing_the_same_ticker_twice_fails(system, listed, as_timelock, custodian_key):
    lister = system.instance("AssetLister")
    again = listing("rAAPL", "RAT Apple again", "US0378331005", custodian_key.address)
    with ape.reverts(lister.AlreadyListed):
        lister.list(again.as_tuple(), sender=as_timelock)


def test_only_the_timelock_can_list(system, mallory_gov, custodian_key):
    lister = system.instance("AssetLister")
    with ape.reverts(lister.AccessControlUnauthorizedAccount):
        lister.list(listing("rMSFT", "RAT Microsoft", "US5949181045", custodian_key.address).as_tuple(),
                    sender=mallory_gov)


def test_governance_makes_an_asset_redeem_only_with_the_corporate_action_reference(system, listed, whale):
    pass_locally(system, whale, [whale], [asset_status_action(system, listed.address, AssetStatus.REDEEM_ONLY,
                                                              "CA-2027-0042 tender offer")], "rAAPL redeem-only")
    assert system.instance("Minter").assetConfig(listed).status == AssetStatus.REDEEM_ONLY
    lister = system.instance("AssetLister")
    logs = list(lister.AssetStatusChanged.range(0, ape.chain.blocks.head.number + 1))
    assert logs[-1].asset == listed.address
    assert bytes(logs[-1].corporateActionRef) == keccak(text="CA-2027-0042 tender offer")

