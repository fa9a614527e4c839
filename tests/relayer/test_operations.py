"""Operating the daemon: the CLI, market-hours queueing, backfill and replay, health and metrics, JSON logs."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

import httpx
import pytest
import yaml
from click.testing import CliRunner
from e2e import drive_until, finished, saga_of, started

from rat.minting import request_mint
from relayer.cli import main
from relayer.market_hours import ExchangeCalendar
from relayer.observability import JsonFormatter

pytestmark = pytest.mark.anyio

USDC = 10**6
SATURDAY = datetime(2026, 11, 28, 15, 0, tzinfo=timezone.utc).timestamp()


@pytest.fixture
def mint(deployment, alice, token, chain):
    ms, usdc = deployment

    def make() -> bytes:
        return request_mint(ms, alice, token, usdc, 1_000 * USDC, 200 * USDC, chain.pending_timestamp + 7 * 86400)

    return make


async def test_a_request_outside_market_hours_waits_for_the_open_and_status_says_so(
        relayer_config, mint, fresh_sims):
    from simproc import sim_state

    daemon = await started(relayer_config)
    daemon.engine.hours = ExchangeCalendar("XNYS")
    daemon.engine.clock = lambda: SATURDAY
    try:
        rid = mint()
        await drive_until(daemon, lambda: saga_of(daemon, rid) is not None
                          and saga_of(daemon, rid).status == "waiting_market")
        saga = saga_of(daemon, rid)
        assert saga.step == "received" and "XNYS open" in saga.last_error
        assert saga.not_before == datetime(2026, 11, 30, 14, 30, tzinfo=timezone.utc).timestamp()
        assert sim_state(fresh_sims[0])["orders"] == 0
        import anyio

        result = await anyio.to_thread.run_sync(
            lambda: CliRunner().invoke(main, ["status", "--config", str(relayer_config), "--json"]))
        assert result.exit_code == 0, result.output
        [listed] = json.loads(result.output)["sagas"]
        assert listed["status"] == "waiting_market" and "XNYS open" in listed["note"]
    finally:
        await daemon.stop()


async def test_the_watcher_backfills_from_its_cursor_in_batches_after_downtime(relayer_config, mint):
    config = yaml.safe_load(relayer_config.read_text())
    config["watcher"]["batch_blocks"] = 2
    relayer_config.write_text(yaml.safe_dump(config))
    rids = [mint() for _ in range(3)]  # six blocks mined while no daemon runs
    daemon = await started(relayer_config)
    try:
        await drive_until(daemon, lambda: all(saga_of(daemon, r) and saga_of(daemon, r).status == "done"
                                              for r in rids))
        assert daemon.watcher.cursor() >= config["watcher"]["start_block"] + 6
    finally:
        await daemon.stop()


async def test_between_blocks_the_daemon_neither_rereads_the_chain_nor_rewrites_its_lease(relayer_config, mint):
    config = yaml.safe_load(relayer_config.read_text())
    config["lease_ttl"] = 600  # renewal due every 120 s: none falls inside this test however slow the machine
    relayer_config.write_text(yaml.safe_dump(config))
    daemon = await started(relayer_config)
    calls = {"tick": 0, "lease": 0}
    tick, acquire = daemon.watcher.tick, daemon.store.acquire_lease

    async def counted_tick() -> int:
        calls["tick"] += 1
        return await tick()

    def counted_acquire(*args, **kwargs) -> bool:
        calls["lease"] += 1
        return acquire(*args, **kwargs)

    daemon.watcher.tick, daemon.store.acquire_lease = counted_tick, counted_acquire
    try:
        for _ in range(5):
            await daemon.step()
        assert daemon.leader and calls == {"tick": 1, "lease": 1}
        rid = mint()  # a new block: the watcher reads it on the next step
        await daemon.step()
        assert calls == {"tick": 2, "lease": 1} and saga_of(daemon, rid) is not None
    finally:
        await daemon.stop()


async def test_replay_from_an_old_block_never_processes_a_request_twice(relayer_config, mint, fresh_sims):
    from simproc import sim_state

    daemon = await started(relayer_config)
    try:
        rid = mint()
        await drive_until(daemon, finished(daemon, rid))
        start = yaml.safe_load(relayer_config.read_text())["watcher"]["start_block"]
        result = CliRunner().invoke(main, ["replay", "--config", str(relayer_config), "--from-block", str(start)])
        assert result.exit_code == 0, result.output
        assert result.exit_code == 0 and f"block {start}" in result.output
        for _ in range(5):
            await daemon.step()
        assert daemon.watcher.cursor() > start
        assert len(daemon.store.sagas()) == 1 and sim_state(fresh_sims[0])["orders"] == 1
        assert [s for s, _, _ in daemon.store.steps("0x" + rid.hex())].count("done") == 1
    finally:
        await daemon.stop()


async def test_health_readiness_and_metrics_are_served(relayer_config, mint):
    import asyncio

    from relayer.config import RelayerConfig
    from relayer.daemon import Daemon

    config = RelayerConfig.load(relayer_config)
    daemon = Daemon(config)
    stop = asyncio.Event()
    task = asyncio.create_task(daemon.run(stop))
    try:
        rid = mint()
        for _ in range(200):
            await asyncio.sleep(0.05)
            if daemon.started and daemon.store.get_saga("0x" + rid.hex()) and \
                    daemon.store.get_saga("0x" + rid.hex()).status == "done":
                break
        port = daemon._http_port
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert (await client.get("/healthz")).status_code == 200
            ready = await client.get("/readyz")
            assert ready.status_code == 200 and ready.json()["leader"] is True
            metrics = (await client.get("/metrics")).text
        assert 'relayer_sagas{status="done"} 1.0' in metrics
        assert 'relayer_signatures_total{role="brokerage"} 1.0' in metrics
        assert "relayer_saga_step_seconds_bucket" in metrics
    finally:
        stop.set()
        await task


def test_json_logs_carry_the_trace_id_and_fields():
    record = logging.LogRecord("relayer.saga", logging.INFO, __file__, 1, "saga step", (), None)
    record.trace_id = "abc123"
    record.step = "filled"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["msg"] == "saga step" and entry["trace_id"] == "abc123" and entry["step"] == "filled"


def test_status_reports_the_cursor_lag_and_counts(relayer_config):
    result = CliRunner().invoke(main, ["status", "--config", str(relayer_config)])
    assert result.exit_code == 0, result.output
    assert "last processed block None" in result.output and "sagas: none" in result.output


def test_doctor_passes_on_a_correct_deployment(relayer_config):
    result = CliRunner().invoke(main, ["doctor", "--config", str(relayer_config)])
    assert result.exit_code == 0, result.output
    assert "all checks passed" in result.output and "sender key unlocked" in result.output
    assert "custody attestor https://" in result.output and "reachable over mutual TLS" in result.output


def test_doctor_names_each_problem_and_its_fix(relayer_config, attestors, monkeypatch):
    config = yaml.safe_load(relayer_config.read_text())
    config["chain_id"] = 1
    relayer_config.write_text(yaml.safe_dump(config))
    monkeypatch.delenv("RAT_TEST_SENDER_PASS")
    attestors["custody"].kill()
    result = CliRunner().invoke(main, ["doctor", "--config", str(relayer_config)])
    assert result.exit_code == 1
    assert "config says 1" in result.output and "RAT_TEST_SENDER_PASS" in result.output
    assert "custody attestor at https://" in result.output and "unreachable" in result.output
    assert "fix:" in result.output and "sender-pass" not in result.output


def test_a_bad_config_is_a_readable_error_not_a_traceback(tmp_path):
    path = tmp_path / "relayer.yaml"
    path.write_text("rpc_url: http://x\nminter: not-an-address\n")
    result = CliRunner().invoke(main, ["status", "--config", str(path)])
    assert result.exit_code == 1
    assert "minter" in result.output and "Traceback" not in result.output


def test_the_example_config_parses_apart_from_its_placeholders(tmp_path):
    from relayer.config import RelayerConfig

    result = CliRunner().invoke(main, ["config-example"])
    path = tmp_path / "relayer.yaml"
    path.write_text(result.output)
    config = RelayerConfig.load(path)
    assert config.signers.sender.type == "keystore" and config.watcher.confirmations == 2
    assert config.attestors.custody.url.startswith("https://")


def test_a_relayer_config_with_an_attestor_key_is_refused(tmp_path):
    result = CliRunner().invoke(main, ["config-example"])
    path = tmp_path / "relayer.yaml"
    path.write_text(result.output.replace(
        "signers:                            # the relayer's only key: the submitter's\n",
        "signers:\n  custody: {type: kms, key_id: alias/rat-custody}\n"))
    refused = CliRunner().invoke(main, ["status", "--config", str(path)])
    assert refused.exit_code == 1 and "holds no attestor key" in refused.output


def test_keys_new_writes_an_encrypted_keystore_and_prints_only_the_address(tmp_path, monkeypatch):
    monkeypatch.setenv("NEW_KEY_PASS", "pw")
    result = CliRunner().invoke(main, ["keys", "new", str(tmp_path / "k.json"), "--passphrase-env", "NEW_KEY_PASS"])
    assert result.exit_code == 0 and result.output.strip().startswith("0x") and len(result.output.strip()) == 42
    assert "crypto" in json.loads((tmp_path / "k.json").read_text())
    again = CliRunner().invoke(main, ["keys", "new", str(tmp_path / "k.json"), "--passphrase-env", "NEW_KEY_PASS"])
    assert again.exit_code == 1 and "exists" in again.output


def test_breaker_reset_closes_the_breaker(relayer_config):
    from relayer.store import Store

    url = yaml.safe_load(relayer_config.read_text())["database_url"]
    store = Store.open(url)
    store.set_breaker("custody", True, "short")
    result = CliRunner().invoke(main, ["breaker", "reset", "--config", str(relayer_config), "--reason", "recon #4"])
    assert result.exit_code == 0
    assert store.breaker("custody") == (False, "reset: recon #4")


def test_the_daemon_refuses_to_start_without_attestor_endpoints(relayer_config):
    config = yaml.safe_load(relayer_config.read_text())
    del config["attestors"]
    relayer_config.write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(main, ["run", "--config", str(relayer_config)])
    assert result.exit_code == 1 and "no `attestors` section" in result.output and "fix:" in result.output
