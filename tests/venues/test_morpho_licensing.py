"""Morpho Blue is BUSL-1.1 (its interfaces GPL-2.0): we run our build of the unmodified npm 1.0.0 sources on local
chains only and compile none of its files into RAT contracts. These tests keep both promises checkable."""

import json
import re
import sys
from pathlib import Path

import jsonschema
import pytest

from rat.venues import morpho as m

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools/static"))
from licences import masked_runtime  # noqa: E402


def test_no_rat_contract_imports_a_morpho_source():
    sources = [p for p in (ROOT / "contracts").rglob("*.sol") if ".cache" not in p.parts]
    importing = [p.name for p in sources if re.search(r'import[^;]*"@morpho-org/', p.read_text())]
    assert importing == []
    # The check is not vacuous: our venue contracts do talk to Morpho, through our own MIT interface.
    assert "IMorphoBlue" in (ROOT / "contracts/venues/RatMorphoGateway.sol").read_text()


def test_the_installed_sources_hash_to_the_digest_the_record_pins():
    record = json.loads(m.CANONICAL_RECORD.read_text())
    assert m.source_digest() == record["build"]["source_sha256"]


def test_an_edited_source_changes_the_digest():
    sources = m.build_sources()
    edited = dict(sources, **{m.ENTRY: sources[m.ENTRY].replace("MAX_FEE", "MAX_FEE ")})
    assert m.source_digest(edited) != m.source_digest(sources)


def test_the_build_uses_morphos_own_compiler_settings():
    record = json.loads(m.CANONICAL_RECORD.read_text())
    assert m.BUILD_SETTINGS == record["build"]["settings"]
    assert json.loads((m.SOLC_PACKAGE / "package.json").read_text())["version"] == "0.8.19"
    assert "pragma solidity 0.8.19;" in m.build_sources()[m.ENTRY]


def test_a_modified_package_is_refused_before_compiling(monkeypatch):
    monkeypatch.setattr(m, "source_digest", lambda sources=None: "0" * 64)
    with pytest.raises(m.MorphoError, match="not the published 1.0.0"):
        m.build_artifact()


def test_the_deployed_engine_is_the_build_of_the_published_sources_byte_for_byte(admin, chain):
    morpho = m.deploy_morpho(admin)
    artifact = m.build_artifact()
    built = bytes.fromhex(artifact["deployedBytecode"][2:])
    deployed = bytes(chain.provider.get_code(morpho.address))
    # Only the DOMAIN_SEPARATOR immutable (chain id and address) differs from the compiler's output.
    assert len(artifact["immutableReferences"]) == 1
    assert masked_runtime(deployed, artifact["immutableReferences"]) == masked_runtime(built, artifact["immutableReferences"])
    assert morpho.owner() == admin.address


def test_a_non_local_chain_is_refused_with_a_typed_error(admin, monkeypatch):
    monkeypatch.setattr(m, "LOCAL_CHAIN_IDS", frozenset({1}))
    with pytest.raises(m.MorphoError, match="not a local test chain"):
        m.deploy_morpho(admin)


def test_mainnet_morpho_is_the_canonical_singleton():
    assert m.canonical_deployment(1).morpho == "0xBBBBBbbBBb9cC5e90e3b3Af64bdAF62C37EEFFCb"


def test_an_unrecorded_chain_has_no_canonical_deployment():
    with pytest.raises(m.MorphoError, match="chain 31337"):
        m.canonical_deployment(31337)


def test_the_canonical_record_validates_against_its_schema():
    schema = json.loads((ROOT / "deployments/schema/morpho-blue.schema.json").read_text())
    jsonschema.validate(json.loads(m.CANONICAL_RECORD.read_text()), schema)


def test_the_record_names_the_package_versions_we_pin():
    packages = json.loads(m.CANONICAL_RECORD.read_text())["packages"]
    assert packages == {"@morpho-org/morpho-blue": m.PINNED_VERSIONS[m.MORPHO_PACKAGE],
                        "solc": m.PINNED_VERSIONS[m.SOLC_PACKAGE]}
