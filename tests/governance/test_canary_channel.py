"""Staged (canary) token upgrades: an equity's beacon proxy follows the beacon it was deployed with for life, so
the AssetLister lists assets on release channels, each with its own EquityBeacon. Governance upgrades the canary
channel's beacon first — only its assets change — then the stable one (docs/release/playbook.md)."""

import ape
import pytest
from ape import project

from governance_helpers import listing
from rat.governance import (
    beacon_upgrade_action, channel_id, list_asset_on_channel_action, pass_locally, prepare_upgrade, set_channel_action,
)

MSFT = ("rMSFT", "RAT Microsoft", "US5949181045")


@pytest.fixture(scope="module")
def canary(system, listed, deployer, whale, custodian_key, record_file):
    """A canary channel whose beacon (owned by the timelock) starts on the current implementation, and rMSFT
    listed on it through governance; rAAPL stays on the stable channel."""
    timelock = system.address("RatTimelock")
    current = system.instance("EquityBeacon").implementation()
    beacon = deployer.deploy(project.EquityBeacon, current, timelock)
    pass_locally(system, whale, [whale], [
        set_channel_action(system, "canary", beacon.address),
        list_asset_on_channel_action(system, "canary", listing(*MSFT, custodian_key.address)),
    ], "Canary channel with rMSFT", record_file)
    asset = system.instance("AssetLister").predictAddressOn(channel_id("canary"), "rMSFT")
    return {"beacon": beacon, "asset": project.RealAssetToken.at(asset), "v1": current}


def version_of(token) -> int | None:
    """2 on RealAssetTokenV2Mock; None on the first implementation, which has no such function."""
    try:
        return project.RealAssetTokenV2Mock.at(token.address).implementationVersion()
    except ape.exceptions.ContractLogicError:
        return None


def test_an_asset_listed_on_the_canary_channel_is_live_and_recorded_on_its_channel(system, canary):
    lister = system.instance("AssetLister")
    assert canary["asset"].symbol() == "rMSFT"
    assert system.instance("Minter").assetConfig(canary["asset"]).reserveFeed != ape.utils.ZERO_ADDRESS
    assert bytes(lister.channelOf(canary["asset"])) == channel_id("canary")
    assert lister.channelBeacon(channel_id("canary")) == canary["beacon"].address


def test_a_canary_upgrade_reaches_only_the_canary_channels_assets_then_the_stable_upgrade_reaches_the_rest(
        system, listed, canary, handed_over, deployer, whale, record_file):
    # After hand-over both beacons are owned by the timelock: every step below is a governance proposal.
    v2 = deployer.deploy(project.RealAssetTokenV2Mock, system.address("ComplianceRegistry"))
    pass_locally(system, whale, [whale], [beacon_upgrade_action(canary["beacon"], v2.address, "canary")],
                 "Token v2 on the canary channel", record_file)
    assert version_of(canary["asset"]) == 2
    assert version_of(listed) is None  # stable channel untouched
    upgrade = prepare_upgrade(system, deployer, "EquityBeacon", "RealAssetTokenV2Mock", echo=lambda _: None,
                              path=record_file)
    pass_locally(system, whale, [whale], [upgrade.action], "Token v2 on the stable channel", record_file)
    assert version_of(listed) == 2 and version_of(canary["asset"]) == 2


def test_rolling_the_canary_beacon_back_restores_its_assets_to_the_previous_implementation(
        system, canary, deployer, whale, record_file):
    v2 = deployer.deploy(project.RealAssetTokenV2Mock, system.address("ComplianceRegistry"))
    pass_locally(system, whale, [whale], [beacon_upgrade_action(canary["beacon"], v2.address, "canary")],
                 "Token v2 on the canary channel", record_file)
    pass_locally(system, whale, [whale], [beacon_upgrade_action(canary["beacon"], canary["v1"], "canary")],
                 "Roll the canary channel back", record_file)
    assert version_of(canary["asset"]) is None
    assert canary["asset"].symbol() == "rMSFT"


def test_a_ticker_listed_on_one_channel_cannot_be_listed_on_another(system, listed, canary, as_timelock,
                                                                       custodian_key):
    lister = system.instance("AssetLister")
    with ape.reverts(lister.AlreadyListed):
        lister.listOn(channel_id("canary"), listing("rAAPL", "RAT Apple again", "US0378331005",
                                                    custodian_key.address).as_tuple(), sender=as_timelock)
    with ape.reverts(lister.AlreadyListed):
        lister.list(listing(*MSFT, custodian_key.address).as_tuple(), sender=as_timelock)


def test_a_channel_is_bound_to_one_beacon_for_good(system, canary, as_timelock, deployer):
    lister = system.instance("AssetLister")
    with ape.reverts(lister.ChannelTaken):
        lister.setChannel(channel_id("canary"), deployer.address, sender=as_timelock)
    with ape.reverts(lister.ChannelTaken):
        lister.setChannel(channel_id("stable"), deployer.address, sender=as_timelock)


def test_listing_on_a_channel_never_registered_reverts(system, listed, as_timelock, custodian_key):
    lister = system.instance("AssetLister")
    with ape.reverts(lister.UnknownChannel):
        lister.listOn(channel_id("beta"), listing("rNVDA", "RAT Nvidia", "US67066G1040",
                                                  custodian_key.address).as_tuple(), sender=as_timelock)


def test_only_the_timelock_can_register_a_channel_or_list_on_one(system, canary, mallory_gov, custodian_key):
    lister = system.instance("AssetLister")
    with ape.reverts(lister.AccessControlUnauthorizedAccount):
        lister.setChannel(channel_id("beta"), mallory_gov.address, sender=mallory_gov)
    with ape.reverts(lister.AccessControlUnauthorizedAccount):
        lister.listOn(channel_id("canary"), listing("rNVDA", "RAT Nvidia", "US67066G1040",
                                                    custodian_key.address).as_tuple(), sender=mallory_gov)


def test_setting_a_channel_to_the_zero_address_reverts(system, as_timelock):
    lister = system.instance("AssetLister")
    with ape.reverts(lister.ZeroAddress):
        lister.setChannel(channel_id("beta"), ape.utils.ZERO_ADDRESS, sender=as_timelock)
