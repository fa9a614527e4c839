"""Upgrades go through governance and keep every balance, role and pending request."""

import ape
import pytest

from pathlib import Path

from governance_helpers import SHARE
from rat.deploy import jurisdiction, provider_ref, role
from rat.governance import pass_locally, prepare_upgrade
from rat.storage_layout import IncompatibleStorageLayout, compile_layouts

USDC = 10**6
LAYOUT_FIXTURES = Path(__file__).parent / "layouts"


@pytest.fixture(scope="module")
def live(system, listed, handed_over, as_timelock, accounts, deployer, chain):
    """Live state before the upgrade: KYC'd holders with balances, a listed stablecoin, a pending mint request.
    Set up by impersonating the timelock, i.e. as governance would after passing the corresponding proposals."""
    alice, bob, operator = accounts[6], accounts[7], accounts[8]
    registry, minter = system.instance("ComplianceRegistry"), system.instance("Minter")
    registry.grantRole(role("KYC_OPERATOR_ROLE"), operator, sender=as_timelock)
    for who in (alice, bob):
        registry.setInvestor(who, 1, jurisdiction("BR"), chain.pending_timestamp + 365 * 86400,
                             provider_ref(f"applicant:{who.address}"), sender=operator)
    listed.grantRole(role("MINTER_ROLE"), operator, sender=as_timelock)
    listed.mint(alice, 100 * SHARE, sender=operator)
    listed.transfer(bob, 3 * SHARE, sender=alice)

    usdc = deployer.deploy(ape.project.TestStablecoin, "Test USD Coin", "USDC", 6, deployer.address)
    keepalive = minter.ESCROW_KEEPALIVE() if "ESCROW_KEEPALIVE" in {m.name for m in minter.contract_type.view_methods} else 0
    usdc.mint(as_timelock.address, keepalive, sender=deployer)
    usdc.approve(minter.address, keepalive, sender=as_timelock)
    minter.listPaymentToken(usdc.address, sender=as_timelock)
    minter.setTierLimits(1, 10_000 * 10**18, 25_000 * 10**18, sender=as_timelock)
    usdc.mint(alice, 2_000 * USDC, sender=deployer)
    usdc.approve(minter.address, 2_000 * USDC, sender=alice)
    receipt = minter.requestMint(listed, usdc, 2_000 * USDC, 200 * USDC, chain.pending_timestamp + 3600, sender=alice)
    request_id = next(log.requestId for log in receipt.events if log.event_name == "MintRequested")
    return {"alice": alice, "bob": bob, "operator": operator, "request": request_id}


def test_beacon_upgrade_through_governance_keeps_balances_and_roles(system, listed, live, deployer, whale,
                                                                    record_file):
    upgrade = prepare_upgrade(system, deployer, "EquityBeacon", "RealAssetTokenV2Mock", echo=lambda _: None,
                              path=record_file)
    pass_locally(system, whale, [whale], [upgrade.action], "Token implementation v2", record_file)
    assert ape.project.RealAssetTokenV2Mock.at(listed.address).implementationVersion() == 2
    assert listed.balanceOf(live["alice"]) == 97 * SHARE
    assert listed.balanceOf(live["bob"]) == 3 * SHARE
    assert listed.holderCount() == 2
    assert listed.hasRole(role("MINTER_ROLE"), system.address("Minter"))
    assert listed.hasRole(b"\0" * 32, system.address("RatTimelock"))
    assert system.contracts["EquityBeacon"].implementation.address == upgrade.implementation


def test_minter_upgrade_through_governance_keeps_pending_requests_and_roles(system, listed, live, deployer, whale):
    minter = system.instance("Minter")
    before = minter.getRequest(live["request"])
    upgrade = prepare_upgrade(system, deployer, "Minter", "Minter", echo=lambda _: None)
    pass_locally(system, whale, [whale], [upgrade.action], "Minter implementation refresh")
    assert system.contracts["Minter"].implementation.address == upgrade.implementation
    assert minter.getRequest(live["request"]) == before
    assert minter.hasRole(role("UPGRADER_ROLE"), system.address("RatTimelock"))
    assert minter.assetConfig(listed).status == 1


def test_an_upgrade_outside_governance_is_refused(system, deployer):
    minter = system.instance("Minter")
    with ape.reverts(minter.AccessControlUnauthorizedAccount):
        minter.upgradeToAndCall(system.contracts["Minter"].implementation.address, b"", sender=deployer)


def test_an_incompatible_implementation_is_refused_before_anything_is_deployed(system, deployer):
    record = system.model_copy(deep=True)  # a record whose current implementation has the fixture's layout
    record.contracts["EquityBeacon"].implementation.storage_layout = compile_layouts(
        [LAYOUT_FIXTURES / "LayoutV1.sol"], ["LayoutV1"])["LayoutV1"]
    nonce = deployer.nonce
    with pytest.raises(IncompatibleStorageLayout, match="retyped"):
        prepare_upgrade(record, deployer, "EquityBeacon", "LayoutV2Retyped",
                        source=LAYOUT_FIXTURES / "LayoutV2Retyped.sol", echo=lambda _: None)
    assert deployer.nonce == nonce
