"""The strict form of `ape.reverts(contract.SomeError)` this test tree installs (tests/conftest.py): a revert whose
data Ape could not decode passes only if its selector is the expected error's."""

from __future__ import annotations

import ape
import pytest
from ape.exceptions import ContractLogicError
from eth_utils import keccak

OVER_RESERVES = "0x" + keccak(text="OverReserves(uint256,uint256)")[:4].hex()
ARGS = "00" * 64


def test_undecoded_revert_data_with_another_selector_fails_the_expectation(project):
    with pytest.raises(AssertionError, match=r"expected the custom error OverReserves\(uint256,uint256\)"):
        with ape.reverts(project.Minter.OverReserves):
            raise ContractLogicError("0xdeadbeef" + ARGS)


def test_undecoded_revert_data_with_the_expected_selector_passes(project):
    with ape.reverts(project.Minter.OverReserves):
        raise ContractLogicError(OVER_RESERVES + ARGS)


def test_a_calls_custom_error_text_is_read_for_its_selector(project):
    with ape.reverts(project.Minter.OverReserves):
        raise ContractLogicError(f"custom error {OVER_RESERVES}: {ARGS}")


def test_a_string_reason_never_satisfies_a_custom_error_expectation(project):
    with pytest.raises(AssertionError, match="expected the custom error"):
        with ape.reverts(project.Minter.OverReserves):
            raise ContractLogicError("ERC20: transfer amount exceeds balance")
