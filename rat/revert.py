"""Decodes revert data into a custom error name and arguments from a contract's ABI, without Ape's trace output,
so CLIs and the demo can print a one-line reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import decode
from eth_utils import keccak
from ethpm_types import ContractType


@dataclass(frozen=True)
class DecodedRevert:
    name: str
    args: dict[str, Any]

    def __str__(self) -> str:
        inner = ", ".join(f"{k}={v}" for k, v in self.args.items())
        return f"{self.name}({inner})"


class UnknownRevert(ValueError):
    """Revert data whose selector is not an error of the given contract types."""


def _canonical_type(param: Any) -> str:
    if param.type.startswith("tuple"):
        return "(" + ",".join(_canonical_type(c) for c in param.components or []) + ")" + param.type[5:]
    return param.type


def decode_revert(data: bytes | str, *contract_types: ContractType) -> DecodedRevert:
    """Matches the 4-byte selector of `data` against every error in `contract_types` and decodes its inputs."""
    raw = bytes.fromhex(data[2:] if data.startswith("0x") else data) if isinstance(data, str) else bytes(data)
    if len(raw) < 4:
        raise UnknownRevert("revert without data (out of gas, or a plain revert())")
    for contract_type in contract_types:
        for error in contract_type.errors:
            types = [_canonical_type(i) for i in error.inputs]
            if keccak(text=f"{error.name}({','.join(types)})")[:4] == raw[:4]:
                values = decode(types, raw[4:])
                return DecodedRevert(error.name, {i.name: v for i, v in zip(error.inputs, values)})
    raise UnknownRevert(f"unknown error selector 0x{raw[:4].hex()}")
