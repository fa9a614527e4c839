"""Venues in a real deployment (ADR 0101): governance (the timelock) lists, resumes and removes them; the guardian
contract may only suspend one, and only with a reference; nobody else may do either."""

import ape
import pytest
from ape import project
from eth_utils import keccak

from rat.deploy import role
from rat.protocol import VenueStatus

DECISION = keccak(text="proposal 7: list the rAAPL/USDC pool")
INCIDENT = keccak(text="INC-2027-042 hook exploit")


def _venue(deployer, system, listed, as_timelock):
    venue = deployer.deploy(project.ERC1271WalletMock, deployer.address)
    system.instance("ComplianceRegistry").registerVenue(listed, venue, DECISION, sender=as_timelock)
    return venue


def test_the_deployment_gives_the_timelock_the_venue_listing_role(system):
    assert system.instance("ComplianceRegistry").hasRole(role("VENUE_LISTING_ROLE"), system.address("RatTimelock"))


def test_the_deployment_gives_the_guardian_contract_only_the_venue_guardian_role(system):
    registry = system.instance("ComplianceRegistry")
    guardian = system.address("EmergencyGuardian")
    assert registry.hasRole(role("VENUE_GUARDIAN_ROLE"), guardian)
    assert not registry.hasRole(role("VENUE_LISTING_ROLE"), guardian)


def test_the_guardian_suspends_a_venue_and_governance_resumes_it(system, listed, deployer, as_timelock,
                                                                guardian_multisig):
    registry = system.instance("ComplianceRegistry")
    venue = _venue(deployer, system, listed, as_timelock)
    system.instance("EmergencyGuardian").suspendVenue(listed, venue, INCIDENT, sender=guardian_multisig)
    assert registry.venueStatus(listed, venue) == VenueStatus.SUSPENDED
    registry.resumeVenue(listed, venue, DECISION, sender=as_timelock)
    assert registry.venueStatus(listed, venue) == VenueStatus.ACTIVE


def test_the_guardians_venue_suspension_is_recorded_by_both_contracts(system, listed, deployer, as_timelock,
                                                                     guardian_multisig):
    registry = system.instance("ComplianceRegistry")
    guardian = system.instance("EmergencyGuardian")
    venue = _venue(deployer, system, listed, as_timelock)
    tx = guardian.suspendVenue(listed, venue, INCIDENT, sender=guardian_multisig)
    assert [(e.asset, e.venue, e.guardian, e.reasonRef) for e in tx.events.filter(guardian.EmergencyVenueSuspension)] \
        == [(listed.address, venue.address, guardian_multisig.address, INCIDENT)]
    assert [(e.asset, e.venue, e.reasonRef) for e in tx.events.filter(registry.VenueSuspended)] == [
        (listed.address, venue.address, INCIDENT)]


def test_the_guardian_must_give_a_reference_to_suspend_a_venue(system, listed, deployer, as_timelock,
                                                               guardian_multisig):
    guardian = system.instance("EmergencyGuardian")
    venue = _venue(deployer, system, listed, as_timelock)
    with ape.reverts(guardian.MissingReference):
        guardian.suspendVenue(listed, venue, b"\x00" * 32, sender=guardian_multisig)


def test_only_the_guardian_multisig_may_suspend_a_venue_through_the_guardian(system, listed, deployer, as_timelock,
                                                                             mallory_gov):
    guardian = system.instance("EmergencyGuardian")
    venue = _venue(deployer, system, listed, as_timelock)
    with ape.reverts(guardian.AccessControlUnauthorizedAccount, account=mallory_gov.address,
                     neededRole=role("GUARDIAN_ROLE")):
        guardian.suspendVenue(listed, venue, INCIDENT, sender=mallory_gov)


def test_the_guardian_multisig_cannot_suspend_a_venue_in_the_registry_directly(system, listed, deployer, as_timelock,
                                                                               guardian_multisig):
    registry = system.instance("ComplianceRegistry")
    venue = _venue(deployer, system, listed, as_timelock)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=guardian_multisig.address,
                     neededRole=role("VENUE_GUARDIAN_ROLE")):
        registry.suspendVenue(listed, venue, INCIDENT, sender=guardian_multisig)


def test_the_guardian_multisig_cannot_resume_a_venue(system, listed, deployer, as_timelock, guardian_multisig):
    registry = system.instance("ComplianceRegistry")
    venue = _venue(deployer, system, listed, as_timelock)
    system.instance("EmergencyGuardian").suspendVenue(listed, venue, INCIDENT, sender=guardian_multisig)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=guardian_multisig.address,
                     neededRole=role("VENUE_LISTING_ROLE")):
        registry.resumeVenue(listed, venue, DECISION, sender=guardian_multisig)


def test_the_guardian_multisig_cannot_register_a_venue(system, listed, deployer, guardian_multisig):
    registry = system.instance("ComplianceRegistry")
    venue = deployer.deploy(project.ERC1271WalletMock, deployer.address)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=guardian_multisig.address,
                     neededRole=role("VENUE_LISTING_ROLE")):
        registry.registerVenue(listed, venue, DECISION, sender=guardian_multisig)


def test_the_guardian_cannot_suspend_a_venue_that_is_not_registered(system, listed, deployer, guardian_multisig):
    registry = system.instance("ComplianceRegistry")
    venue = deployer.deploy(project.ERC1271WalletMock, deployer.address)
    with ape.reverts(registry.VenueNotActive, asset=listed.address, venue=venue.address):
        system.instance("EmergencyGuardian").suspendVenue(listed, venue, INCIDENT, sender=guardian_multisig)


def test_a_venue_is_listed_by_a_governance_proposal(system, listed, deployer, whale, record_file):
    from rat.governance import pass_locally, venue_action

    venue = deployer.deploy(project.ERC1271WalletMock, deployer.address)
    pass_locally(system, whale, [whale], [venue_action(system, "register", listed.address, venue.address,
                                                       "proposal 7: list the rAAPL/USDC pool")],
                 "List the rAAPL/USDC pool", record_file)
    assert system.instance("ComplianceRegistry").venueStatus(listed, venue) == VenueStatus.ACTIVE


def test_a_venue_exit_is_set_by_a_governance_proposal(system, listed, deployer, whale, record_file):
    from rat.governance import pass_locally, venue_action, venue_exit_action

    venue, exit_ = (deployer.deploy(project.ERC1271WalletMock, deployer.address) for _ in range(2))
    decision = "proposal 8: list the rAAPL/USDC Morpho Blue market"
    pass_locally(system, whale, [whale],
                 [venue_action(system, "register", listed.address, venue.address, decision),
                  venue_action(system, "register", listed.address, exit_.address, decision),
                  venue_exit_action(system, listed.address, venue.address, exit_.address, decision)],
                 "List the rAAPL/USDC Morpho Blue market", record_file)
    assert system.instance("ComplianceRegistry").venueExit(listed, venue) == exit_.address


def test_a_venue_action_names_a_known_change():
    from rat.governance import venue_action

    with pytest.raises(ValueError, match="register, remove, resume, suspend"):
        venue_action(None, "delist", "0x" + "00" * 20, "0x" + "00" * 20, "x")
