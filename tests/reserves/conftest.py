"""Fixtures for the proof-of-reserve specification: sample inputs, file writers for bad-input cases, random lot
values, and a bridge to OpenZeppelin's JavaScript StandardMerkleTree."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reserves.statement import LEAF_ENCODING

# Shared with the tests through ledger_rows.py, a module of its own name (`from conftest import ...` resolves to
# whichever conftest was imported first).
from ledger_rows import AAPL, MSFT, hex32, ledger_row  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "reserves" / "samples"

LEDGER_HEADER = "kind,lot_id,request_id,broker_order_ref,isin,quantity,settlement_date,custody_account"
STATEMENT_HEADER = "as_of,isin,custody_account,quantity"


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def round_inputs(tmp_path: Path) -> Path:
    """A copy of the samples the test may edit: ledger.csv, custodian.csv, assets.json (+ JSON variants)."""
    for name in ("ledger.csv", "ledger.json", "custodian.csv", "custodian.json", "assets.json"):
        shutil.copy(SAMPLES / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def write_inputs(tmp_path: Path) -> Callable[..., tuple[Path, Path, Path]]:
    """write_inputs(ledger_rows, statement_rows) -> (ledger.csv, custodian.csv, assets.json) in tmp_path."""

    def write(ledger_rows: list[str], statement_rows: list[str]) -> tuple[Path, Path, Path]:
        ledger = tmp_path / "ledger.csv"
        custodian = tmp_path / "custodian.csv"
        ledger.write_text("\n".join([LEDGER_HEADER, *ledger_rows]) + "\n")
        custodian.write_text("\n".join([STATEMENT_HEADER, *statement_rows]) + "\n")
        assets = tmp_path / "assets.json"
        shutil.copy(SAMPLES / "assets.json", assets)
        return ledger, custodian, assets

    return write


@pytest.fixture
def lot_encoding() -> tuple[str, ...]:
    return LEAF_ENCODING


