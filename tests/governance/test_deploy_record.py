"""`deploy` is idempotent and its record validates against the schema kept in the repository."""

import json

import jsonschema

from rat.deployment import SCHEMA_PATH, deploy_system, load_record, load_settings


def test_a_second_deploy_sends_no_transaction(system, deployer, guardian_multisig, settlement, record_file):
    nonce = deployer.nonce
    messages: list[str] = []
    result = deploy_system(deployer, load_settings("local"), record_file, guardian=guardian_multisig.address,
                           settlement=settlement.address, echo=messages.append)
    assert result.transactions == 0
    assert deployer.nonce == nonce
    assert any(m.startswith("nothing to deploy") for m in messages)


def test_the_record_validates_against_the_schema(system, record_file):
    jsonschema.validate(json.loads(record_file.read_text()), json.loads(SCHEMA_PATH.read_text()))


def test_the_record_lists_every_proxy_with_its_implementation_and_initializer(system, record_file):
    record = load_record(record_file)
    for name in ("ComplianceRegistry", "FeeVault", "ReserveRegistry", "Minter"):
        entry = record.contracts[name]
        assert entry.contract == "SingletonProxy"
        assert entry.initializer.function == "initialize"
        assert entry.implementation.contract == name
        assert entry.implementation.storage_layout.namespaces


def test_the_record_matches_the_chain(system, record_file, chain):
    record = load_record(record_file)
    assert record.chain_id == chain.chain_id
    for entry in record.contracts.values():
        assert len(chain.provider.get_code(entry.address)) > 0
    assert record.compiler.version == "0.8.28"


def test_a_dry_run_sends_nothing_and_plans_every_contract(deployer, guardian_multisig, settlement, tmp_path):
    nonce = deployer.nonce
    lines: list[str] = []
    result = deploy_system(deployer, load_settings("local"), tmp_path / "local.json",
                           guardian=guardian_multisig.address, settlement=settlement.address, dry_run=True,
                           echo=lines.append)
    assert deployer.nonce == nonce
    assert not (tmp_path / "local.json").exists()
    assert result.transactions == sum(1 for line in lines if line.startswith("  [dry-run]"))
    assert any("deploy RatGovernor(" in line for line in lines)
