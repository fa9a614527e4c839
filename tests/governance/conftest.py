"""A whole RAT deployment made by the same code as `ape run deploy` (rat.deployment), with the local network's
short governance settings, and helpers to pass proposals. Voters hold the governance token and delegated to
themselves before any proposal, so their votes count at every snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest

from rat.deployment import DeploymentRecord, deploy_system, load_settings
from governance_helpers import listing
from rat.governance import list_asset_action, pass_locally



@pytest.fixture(scope="session")
def deployer(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def guardian_multisig(accounts):
    """Stands in for the guardian Safe."""
    return accounts[4]


@pytest.fixture(scope="session")
def settlement(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def whale(accounts):
    """Holds 30 % of the governance supply: alone above the 4 % quorum."""
    return accounts[1]


@pytest.fixture(scope="session")
def minnow(accounts):
    """Holds 1 % of the governance supply: below quorum alone."""
    return accounts[2]


@pytest.fixture(scope="session")
def custodian_key(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def mallory_gov(accounts):
    """Holds no role and no governance token."""
    return accounts[9]

@pytest.fixture(scope="session", autouse=True)
def _session_fixtures_first(deployer, guardian_multisig, settlement, whale, minnow, custodian_key,
                            mallory_gov) -> None:
    """This folder's session fixtures, before any module deploys: see `_named_accounts` in tests/conftest.py."""



@pytest.fixture(scope="module")
def as_timelock(system, chain, accounts):
    """The timelock as a sender (anvil impersonation), to test what the timelock itself may and may not do."""
    address = system.address("RatTimelock")
    chain.set_balance(address, 10**20)
    return accounts[address]


@pytest.fixture(scope="module")
def record_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("deployments") / "local.json"


@pytest.fixture(scope="module")
def system(deployer, guardian_multisig, settlement, whale, minnow, record_file) -> DeploymentRecord:
    settings = load_settings("local")
    record = deploy_system(
        deployer, settings, record_file, guardian=guardian_multisig.address, settlement=settlement.address,
        echo=lambda _: None,
    ).record
    token = record.instance("RatGovernanceToken")
    supply = settings.governance_token_supply
    token.transfer(whale, supply * 30 // 100, sender=deployer)
    token.transfer(minnow, supply // 100, sender=deployer)
    for holder in (whale, minnow):
        token.invoke_transaction("delegate", holder, sender=holder)  # `.delegate` is an Ape attribute
    return record


@pytest.fixture(scope="module")
def listed(system, whale, custodian_key, record_file):
    """rAAPL listed through governance; returns the token."""
    from ape import project

    pass_locally(system, whale, [whale], [list_asset_action(system, listing(
        "rAAPL", "RAT Apple Inc.", "US0378331005", custodian_key.address))], "List rAAPL", record_file)
    return project.RealAssetToken.at(system.assets["rAAPL"].address)


@pytest.fixture(scope="module")
def handed_over(system, listed, deployer, record_file):
    """The deployer's powers moved to the timelock (what `ape run handover` does); returns the role table."""
    from rat.deployment import handover

    return handover(system, deployer, record_file, echo=lambda _: None)
