"""Fixtures for the proof-of-reserve specification: sample inputs, file writers for bad-input cases, random lot
values, and a bridge to OpenZeppelin's JavaScript StandardMerkleTree."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reserves.statement import LEAF_ENCODING

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "reserves" / "samples"
OZ_SCRIPT = Path(__file__).with_name("oz_tree.js")

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


@pytest.fixture(scope="session")
def oz() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Runs one request through OpenZeppelin's library (tests/reserves/oz_tree.js) and returns its answer."""
    node = shutil.which("node")
    module = ROOT / "node_modules" / "@openzeppelin" / "merkle-tree"
    if node is None or not module.is_dir():
        pytest.fail("node and node_modules/@openzeppelin/merkle-tree are required: run `make bootstrap`")

    def run(request: dict[str, Any]) -> dict[str, Any]:
        import tempfile

        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(request, f)
        try:
            done = subprocess.run([node, str(OZ_SCRIPT), f.name], capture_output=True, text=True, cwd=ROOT,
                                  timeout=120, check=False)
        finally:
            os.unlink(f.name)
        if done.returncode != 0:
            raise AssertionError(f"OpenZeppelin helper failed: {done.stderr}")
        return json.loads(done.stdout)

    return run
