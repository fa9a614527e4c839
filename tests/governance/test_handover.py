"""After the hand-over the timelock holds every power and no externally-owned account holds any."""

from rat.deploy import role
from rat.deployment import POWER_ROLES, access_controlled, handover, role_table


def test_no_externally_owned_account_holds_a_power_role_of_any_contract(system, handed_over):
    table = role_table(system)
    assert table.rows, "the role table lists every holder"
    assert table.powerful_eoas() == []


def test_the_deployer_holds_no_role_at_all_after_the_handover(system, handed_over, deployer):
    for contract in access_controlled(system).values():
        for abi in contract.contract_type.view_methods:
            if abi.name.endswith("_ROLE") and not abi.inputs:
                assert not contract.hasRole(getattr(contract, abi.name)(), deployer), (contract, abi.name)


def test_the_timelock_owns_the_beacon_and_administers_every_singleton(system, handed_over):
    timelock = system.address("RatTimelock")
    assert system.instance("EquityBeacon").owner() == timelock
    for name in ("ComplianceRegistry", "Minter", "ReserveRegistry", "FeeVault"):
        contract = system.instance(name)
        assert contract.hasRole(b"\0" * 32, timelock)
        assert contract.hasRole(role("UPGRADER_ROLE"), timelock)


def test_the_timelock_administers_itself(system, handed_over, deployer):
    timelock = system.instance("RatTimelock")
    assert timelock.hasRole(b"\0" * 32, timelock.address)
    assert not timelock.hasRole(b"\0" * 32, deployer)


def test_a_second_handover_sends_nothing(system, handed_over, deployer, chain):
    before = deployer.nonce
    handover(system, deployer, echo=lambda _: None)
    assert deployer.nonce == before


def test_the_role_table_flags_a_power_role_granted_to_an_eoa(system, handed_over, as_timelock, mallory_gov):
    system.instance("FeeVault").grantRole(role("FEE_WITHDRAWER_ROLE"), mallory_gov, sender=as_timelock)
    bad = role_table(system).powerful_eoas()
    assert [(r.contract, r.role, r.holder) for r in bad] == [("FeeVault", "FEE_WITHDRAWER_ROLE", mallory_gov.address)]


def test_power_roles_cover_admin_upgrade_mint_and_fee_roles():
    assert {"DEFAULT_ADMIN_ROLE", "UPGRADER_ROLE", "MINTER_ROLE", "FEE_GOVERNOR_ROLE", "FEE_WITHDRAWER_ROLE",
            "OWNER"} <= POWER_ROLES
