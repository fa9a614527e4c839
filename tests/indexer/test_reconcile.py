"""`rat-indexer reconcile`: the mirror against the chain at the mirror's block. Passes on a clean mirror, fails
with a report naming the difference when a row is tampered with, and exports the count as a metric."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner
from sqlalchemy import select, update

from indexer import schema
from indexer.cli import main
from mirrorkit import mirror_once


def _reconcile(protocol, url: str, *extra: str):
    return CliRunner().invoke(main, ["reconcile", "--rpc-url", protocol.rpc_url, "--db", url, *extra])


def test_a_clean_mirror_reconciles_balanced_and_exports_zero_differences(protocol, mirror_url, tmp_path):
    mirror_once(mirror_url, protocol).close()
    metrics = tmp_path / "indexer.prom"
    result = _reconcile(protocol, mirror_url, "--metrics-file", str(metrics))
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("balanced")
    assert "rat_indexer_reconciliation_differences 0.0" in metrics.read_text()


def test_a_tampered_balance_fails_reconciliation_naming_the_holder(protocol, mirror_url, tmp_path):
    store = mirror_once(mirror_url, protocol)
    bal = schema.balances.c
    bob = protocol.bob.address.lower()
    with store.begin() as conn:
        tokens = conn.execute(select(bal.tokens).where(bal.holder == bob)).scalar()
        conn.execute(update(schema.balances).where(bal.holder == bob).values(tokens=tokens + 1))
    store.close()
    metrics = tmp_path / "indexer.prom"
    result = _reconcile(protocol, mirror_url, "--metrics-file", str(metrics))
    assert result.exit_code == 1
    assert f"balanceOf {protocol.token.address.lower()} {bob}: mirror {tokens + 1}" in result.output
    assert "totalSupply" in result.output
    assert "rat_indexer_reconciliation_differences 2.0" in metrics.read_text()


def test_a_tampered_reserve_round_fails_reconciliation(protocol, sqlite_url):
    store = mirror_once(sqlite_url, protocol)
    with store.begin() as conn:
        conn.execute(update(schema.reserve_rounds).values(shares=1))
    store.close()
    result = _reconcile(protocol, sqlite_url)
    assert result.exit_code == 1 and "reserveShares" in result.output


def test_a_tampered_fee_booking_fails_reconciliation(protocol, sqlite_url):
    store = mirror_once(sqlite_url, protocol)
    f = schema.fee_events.c
    with store.begin() as conn:
        conn.execute(update(schema.fee_events).where(f.kind == "booked").values(to_treasury=0))
    store.close()
    result = _reconcile(protocol, sqlite_url)
    assert result.exit_code == 1 and "feeBucket.treasury" in result.output


def test_every_reconciliation_is_recorded_with_its_block_and_differences(protocol, sqlite_url):
    store = mirror_once(sqlite_url, protocol)
    _reconcile(protocol, sqlite_url)
    with store.engine.connect() as conn:
        [run] = conn.execute(select(schema.reconciliations)).all()
        cursor = store.cursor(protocol.chain_id)
    assert (run.block_number, run.block_hash) == cursor and run.differences == [] and run.checks >= 6
    store.close()


def test_reconciling_an_empty_mirror_is_a_readable_error(protocol, sqlite_url):
    result = _reconcile(protocol, sqlite_url)
    assert result.exit_code == 1 and "nothing mirrored" in result.output and "Traceback" not in result.output


def test_continuous_reconciliation_exports_the_differences_as_a_metric_as_they_appear(protocol, sqlite_url):
    store = mirror_once(sqlite_url, protocol)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen([sys.executable, "-m", "indexer", "reconcile", "--continuous", "--interval", "0.3",
                                "--rpc-url", protocol.rpc_url, "--db", sqlite_url, "--metrics-port", str(port)],
                               cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def differences() -> float | None:
        try:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1).text
        except httpx.HTTPError:
            return None
        line = next((x for x in text.splitlines() if x.startswith("rat_indexer_reconciliation_differences ")), None)
        return float(line.split()[1]) if line else None

    def wait_for(value: float) -> bool:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if differences() == value and process.poll() is None:
                return True
            time.sleep(0.2)
        return False

    try:
        assert wait_for(0.0)
        with store.begin() as conn:
            conn.execute(update(schema.reserve_rounds).values(shares=1))
        assert wait_for(1.0)
    finally:
        process.terminate()
        process.wait(timeout=10)
        store.close()
