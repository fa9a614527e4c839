"""The guardian can stop things and nothing else."""

import ape
from eth_utils import keccak

from rat.deploy import role
from rat.governance import AssetStatus

INCIDENT = keccak(text="INC-2027-001 oracle compromise")
COURT_ORDER = keccak(text="court order 2027/123")


def test_guardian_pauses_an_asset(system, listed, guardian_multisig):
    system.instance("EmergencyGuardian").pauseAsset(listed, INCIDENT, sender=guardian_multisig)
    assert listed.paused()


def test_guardian_lifts_its_own_emergency_pause(system, listed, guardian_multisig):
    guardian = system.instance("EmergencyGuardian")
    guardian.pauseAsset(listed, INCIDENT, sender=guardian_multisig)
    guardian.unpauseAsset(listed, sender=guardian_multisig)
    assert not listed.paused()


def test_guardian_cannot_unpause_a_legal_hold(system, listed, guardian_multisig, as_timelock):
    guardian = system.instance("EmergencyGuardian")
    guardian.imposeLegalHold(listed, COURT_ORDER, sender=as_timelock)
    with ape.reverts(guardian.UnderLegalHold):
        guardian.unpauseAsset(listed, sender=guardian_multisig)
    assert listed.paused()


def test_guardian_cannot_unpause_a_legal_hold_imposed_over_its_own_pause(system, listed, guardian_multisig,
                                                                         as_timelock):
    guardian = system.instance("EmergencyGuardian")
    guardian.pauseAsset(listed, INCIDENT, sender=guardian_multisig)
    guardian.imposeLegalHold(listed, COURT_ORDER, sender=as_timelock)
    with ape.reverts(guardian.UnderLegalHold):
        guardian.unpauseAsset(listed, sender=guardian_multisig)


def test_guardian_cannot_unpause_the_token_directly(listed, guardian_multisig):
    with ape.reverts(listed.AccessControlUnauthorizedAccount):
        listed.unpause(sender=guardian_multisig)


def test_governance_lifts_a_legal_hold(system, listed, as_timelock):
    guardian = system.instance("EmergencyGuardian")
    guardian.imposeLegalHold(listed, COURT_ORDER, sender=as_timelock)
    guardian.liftLegalHold(listed, sender=as_timelock)
    assert not listed.paused()


def test_guardian_halts_an_asset_but_cannot_reactivate_it(system, listed, guardian_multisig):
    guardian, minter = system.instance("EmergencyGuardian"), system.instance("Minter")
    guardian.haltAsset(listed, INCIDENT, sender=guardian_multisig)
    assert minter.assetConfig(listed).status == AssetStatus.HALTED
    with ape.reverts(minter.AccessControlUnauthorizedAccount):
        minter.setAssetStatus(listed, AssetStatus.ACTIVE, sender=guardian_multisig)


def test_guardian_freezes_an_address(system, guardian_multisig, mallory_gov):
    system.instance("EmergencyGuardian").freeze([mallory_gov.address], INCIDENT, sender=guardian_multisig)
    assert system.instance("ComplianceRegistry").isFrozen(mallory_gov)


def test_guardian_cannot_upgrade_the_beacon(system, guardian_multisig):
    beacon = system.instance("EquityBeacon")
    with ape.reverts(beacon.OwnableUnauthorizedAccount):
        beacon.upgradeTo(system.contracts["EquityBeacon"].implementation.address, sender=guardian_multisig)


def test_guardian_cannot_upgrade_the_minter(system, guardian_multisig):
    minter = system.instance("Minter")
    with ape.reverts(minter.AccessControlUnauthorizedAccount):
        minter.upgradeToAndCall(system.contracts["Minter"].implementation.address, b"", sender=guardian_multisig)


def test_guardian_cannot_mint(listed, guardian_multisig):
    with ape.reverts(listed.AccessControlUnauthorizedAccount):
        listed.mint(guardian_multisig, 1, sender=guardian_multisig)


def test_guardian_cannot_withdraw_fees(system, guardian_multisig):
    vault = system.instance("FeeVault")
    with ape.reverts(vault.AccessControlUnauthorizedAccount):
        vault.withdraw(system.address("FeeVault"), 0, guardian_multisig, 0, sender=guardian_multisig)


def test_guardian_cannot_change_fees(system, listed, guardian_multisig):
    vault = system.instance("FeeVault")
    with ape.reverts(vault.AccessControlUnauthorizedAccount):
        vault.setFees(listed, 0, 0, sender=guardian_multisig)


def test_only_the_guardian_role_can_pause_halt_or_freeze(system, listed, mallory_gov):
    guardian = system.instance("EmergencyGuardian")
    for call in (lambda: guardian.pauseAsset(listed, INCIDENT, sender=mallory_gov),
                 lambda: guardian.haltAsset(listed, INCIDENT, sender=mallory_gov),
                 lambda: guardian.freeze([mallory_gov.address], INCIDENT, sender=mallory_gov)):
        with ape.reverts(guardian.AccessControlUnauthorizedAccount):
            call()


def test_only_governance_imposes_or_lifts_legal_holds(system, listed, guardian_multisig):
    guardian = system.instance("EmergencyGuardian")
    with ape.reverts(guardian.AccessControlUnauthorizedAccount):
        guardian.imposeLegalHold(listed, COURT_ORDER, sender=guardian_multisig)
    with ape.reverts(guardian.AccessControlUnauthorizedAccount):
        guardian.liftLegalHold(listed, sender=guardian_multisig)


def test_guardian_actions_need_a_reason(system, listed, guardian_multisig):
    guardian = system.instance("EmergencyGuardian")
    with ape.reverts(guardian.MissingReference):
        guardian.pauseAsset(listed, b"\0" * 32, sender=guardian_multisig)


def test_guardian_contract_holds_no_upgrade_or_mint_role(system, listed):
    guardian = system.address("EmergencyGuardian")
    assert not listed.hasRole(role("MINTER_ROLE"), guardian)
    for name in ("ComplianceRegistry", "Minter", "ReserveRegistry", "FeeVault"):
        assert not system.instance(name).hasRole(role("UPGRADER_ROLE"), guardian)
