"""Fixtures for the proof-of-reserve specification: sample inputs, file writers for bad-input cases, random lot
values, and a bridge to OpenZeppelin's JavaScript StandardMerkleTree."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reserves.statement import LEAF_ENCODING

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "reserves" / "samples"

LEDGER_HEADER = "kind,lot_id,request_id,broker_order_ref,isin,quantity,settlement_date,custody_account"
STATEMENT_HEADER = "as_of,isin,custody_account,quantity"
AAPL, MSFT = "US0378331005", "US5949181045"


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def round_inputs(tmp_path: Path) -> Path:
    """A copy of the samples the test may edit: ledger.csv, custodian.csv, assets.json (+ JSON variants)."""
    for name in ("ledger.csv", "ledger.json", "custodian.csv", "custodian.json", "assets.json"):
        shutil.copy(SAMPLES / name, tmp_path / name)
    return tmp_path


def hex32(rng: random.Random) -> str:
    return "0x" + rng.randbytes(32).hex()


def ledger_row(rng: random.Random, lot_id: str, quantity: str = "10", *, kind: str = "mint", isin: str = AAPL,
               day: str = "2026-11-20", account: str = "CUST-ACC-001") -> str:
    return f"{kind},{lot_id},{hex32(rng)},{hex32(rng)},{isin},{quantity},{day},{account}"


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


