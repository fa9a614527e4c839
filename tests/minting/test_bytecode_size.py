"""EIP-170: every deployable contract's runtime code fits 24,576 bytes, and its creation code EIP-3860's 49,152
(the Minter's creation code carries its configuration module's, ADR 0084)."""

from __future__ import annotations

import pytest
from ape import project

EIP170_RUNTIME_LIMIT = 24_576
EIP3860_INITCODE_LIMIT = 49_152
DEPLOYED = ("Minter", "MinterConfig", "RealAssetToken", "ComplianceRegistry", "ComplianceRecords", "FeeVault",
            "ReserveRegistry", "DividendDistributor", "ConversionVault", "AssetLister", "EmergencyGuardian",
            "RatGovernor")


def _size(hex_code: str | None) -> int:
    code = (hex_code or "0x")[2:]
    return len(code) // 2


@pytest.mark.parametrize("name", DEPLOYED)
def test_runtime_code_fits_eip_170(name):
    contract_type = project.get_contract(name).contract_type
    assert 0 < _size(contract_type.runtime_bytecode.bytecode) <= EIP170_RUNTIME_LIMIT


@pytest.mark.parametrize("name", DEPLOYED)
def test_creation_code_fits_eip_3860(name):
    contract_type = project.get_contract(name).contract_type
    assert 0 < _size(contract_type.deployment_bytecode.bytecode) <= EIP3860_INITCODE_LIMIT


def test_the_minter_leaves_room_for_the_next_fix():
    """The hot path grows with fixes; the configuration module took the cold surface out (ADR 0084)."""
    runtime = _size(project.Minter.contract_type.runtime_bytecode.bytecode)
    assert EIP170_RUNTIME_LIMIT - runtime >= 2_000
