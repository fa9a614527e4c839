"""deployments/uniswap-v4.json records Uniswap's canonical v4 addresses per network, validated by its schema."""

import json
from pathlib import Path

import jsonschema
import pytest
from eth_utils import is_address

from rat.venues.uniswap_v4 import CANONICAL_RECORD, PERMIT2_ADDRESS, PINNED_VERSIONS, VenueError, canonical_deployment

SCHEMA = Path(__file__).resolve().parents[2] / "deployments" / "schema" / "uniswap-v4.schema.json"


def test_the_record_validates_against_its_schema():
    jsonschema.validate(json.loads(CANONICAL_RECORD.read_text()), json.loads(SCHEMA.read_text()))


def test_the_record_names_the_package_versions_we_pin():
    packages = json.loads(CANONICAL_RECORD.read_text())["packages"]
    assert packages == {f"@uniswap/{path.name}": version for path, version in PINNED_VERSIONS.items()}


def test_every_network_uses_the_one_permit2_and_valid_addresses():
    for entry in json.loads(CANONICAL_RECORD.read_text())["networks"].values():
        deployment = canonical_deployment(entry["chain_id"])
        assert deployment.permit2 == PERMIT2_ADDRESS
        assert all(is_address(a) for a in (deployment.pool_manager, deployment.position_manager))


def test_mainnet_pool_manager_is_uniswaps():
    assert canonical_deployment(1).pool_manager == "0x000000000004444c5dc75cB358380D2e3dE08A90"


def test_an_unrecorded_chain_is_refused_by_name():
    with pytest.raises(VenueError, match="chain 31337"):
        canonical_deployment(31337)
