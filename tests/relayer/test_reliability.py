"""Reliability: crashes at every saga step, reorgs, node outages and two daemons on one database.
Each test asserts nothing lost (the request ends fulfilled) and nothing doubled (one order, one settlement,
one lot, one mined fulfilment, shares minted once)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import anyio
import pytest
import yaml
from aiohttp import ClientSession, web
from e2e import drive_until, finished, saga_of, started
from simproc import set_fault, sim_state

from rat.minting import RequestStatus, request_mint
from relayer.store import Store

pytestmark = pytest.mark.anyio

USDC = 10**6


@pytest.fixture
def mint(deployment, alice, token, chain):
    ms, usdc = deployment

    def make() -> bytes:
        return request_mint(ms, alice, token, usdc, 1_000 * USDC, 200 * USDC, chain.pending_timestamp + 3600)

    return make


def assert_fulfilled_exactly_once(store: Store, rid: bytes, deployment, token, alice, balance_before, sims) -> None:
    ms, _ = deployment
    saga = store.get_saga("0x" + rid.hex())
    assert saga.status == "done"
    assert ms.minter.getRequest(rid).status == RequestStatus.FULFILLED
    assert token.balanceOf(alice) == balance_before + int(saga.payload["shares"])
    assert sim_state(sims[0])["orders"] == 1
    assert sim_state(sims[1])["settlements"] == 1
    assert [lot.request_id for lot in store.lots()] == ["0x" + rid.hex()]
    mined = [i for i in store.intents_for_request("0x" + rid.hex()) if i.status == "mined"]
    assert len(mined) == 1


def spawn(config_path, crash_at: str | None = None) -> subprocess.Popen:
    env = dict(os.environ)
    env.pop("RAT_RELAYER_CRASH_AT", None)
    if crash_at:
        env["RAT_RELAYER_CRASH_AT"] = crash_at
    return subprocess.Popen([sys.executable, "-m", "relayer.cli", "run", "--config", str(config_path)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.parametrize(
    "crash_at", ["order_placed", "filled", "custody_confirmed", "signed", "intent_recorded", "submitted"]
)
def test_kill_9_at_a_saga_step_and_restart_fulfils_exactly_once(
        crash_at, relayer_config, mint, deployment, token, alice, fresh_sims):
    database = yaml.safe_load(relayer_config.read_text())["database_url"]
    before = token.balanceOf(alice)
    rid = mint()
    first = spawn(relayer_config, crash_at)
    try:
        first.wait(timeout=60)
    except subprocess.TimeoutExpired:
        first.kill()
        raise AssertionError(f"daemon never reached {crash_at}")
    assert first.returncode == -signal.SIGKILL, first.stderr.read()[-2000:]
    store = Store.open(database)
    assert store.get_saga("0x" + rid.hex()).status != "done"
    second = spawn(relayer_config)
    try:
        wait_until(lambda: store.get_saga("0x" + rid.hex()).status == "done", 60, "the saga to finish")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)
    assert_fulfilled_exactly_once(store, rid, deployment, token, alice, before, fresh_sims)
    store.close()


async def test_a_reorged_request_is_not_fulfilled_and_its_re_mined_version_is(
        relayer_config, mint, deployment, token, alice, fresh_sims, rpc_url):
    from relayer.rpc import Rpc

    before = token.balanceOf(alice)
    rpc = Rpc(rpc_url)
    set_fault(fresh_sims[0], mode="error", status=503)  # hold the saga before any trade
    daemon = await started(relayer_config)
    try:
        snapshot = await rpc.call("evm_snapshot")
        rid = mint()
        await drive_until(daemon, lambda: saga_of(daemon, rid) is not None)
        await rpc.call("evm_revert", snapshot)
        for _ in range(4):
            await rpc.call("evm_mine")
        await drive_until(daemon, finished(daemon, rid, "orphaned"))
        assert sim_state(fresh_sims[0])["orders"] == 0
        assert daemon.metrics.reorgs._value.get() >= 1

        assert mint() == rid  # the same account nonce gives the same request id on the new chain
        set_fault(fresh_sims[0], mode="none")
        await drive_until(daemon, finished(daemon, rid))
        assert_fulfilled_exactly_once(daemon.store, rid, deployment, token, alice, before, fresh_sims)
    finally:
        await daemon.stop()
        await rpc.aclose()


class FlakyNode:
    """A JSON-RPC proxy in front of anvil that can be switched off, as when the RPC provider has an outage."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.down = False
        self.refused = 0

    async def handle(self, request: web.Request) -> web.Response:
        if self.down:
            self.refused += 1
            return web.Response(status=503, text="upstream unavailable")
        async with ClientSession() as session:
            async with session.post(self.upstream, data=await request.read(),
                                    headers={"Content-Type": "application/json"}) as response:
                return web.Response(body=await response.read(), content_type="application/json")


async def test_an_rpc_outage_makes_the_daemon_wait_and_then_complete(
        relayer_config, mint, deployment, token, alice, fresh_sims, rpc_url):
    node = FlakyNode(rpc_url)
    app = web.Application()
    app.router.add_post("/", node.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    config = yaml.safe_load(relayer_config.read_text())
    config["rpc_url"] = f"http://127.0.0.1:{port}/"
    relayer_config.write_text(yaml.safe_dump(config))
    before = token.balanceOf(alice)
    daemon = await started(relayer_config)
    try:
        rid = mint()
        node.down = True
        for _ in range(10):
            await daemon.step()
            await anyio.sleep(0.05)
        assert node.refused > 0 and daemon.metrics.failures.labels("rpc_unavailable")._value.get() > 0
        node.down = False
        await drive_until(daemon, finished(daemon, rid))
        assert_fulfilled_exactly_once(daemon.store, rid, deployment, token, alice, before, fresh_sims)
    finally:
        await daemon.stop()
        await runner.cleanup()


@pytest.mark.postgres
async def test_two_daemons_on_one_postgresql_never_process_the_same_work(
        relayer_config, pg_url, mint, deployment, token, alice, fresh_sims):
    config = yaml.safe_load(relayer_config.read_text())
    config["database_url"] = pg_url
    # Long enough that the lease cannot lapse between two steps even on a loaded machine: each daemon's `leader`
    # flag is refreshed only when it steps, so a lapse would show both flags set without any shared work.
    config["lease_ttl"] = 10.0
    relayer_config.write_text(yaml.safe_dump(config))
    before = token.balanceOf(alice)
    a = await started(relayer_config, "daemon-a")
    b = await started(relayer_config, "daemon-b")
    try:
        rids = [mint() for _ in range(3)]
        both_led = 0
        deadline = time.monotonic() + 60
        while not all(a.store.get_saga("0x" + r.hex()) and a.store.get_saga("0x" + r.hex()).status == "done"
                      for r in rids):
            await a.step()
            await b.step()
            both_led += a.leader and b.leader
            assert time.monotonic() < deadline, "sagas did not finish"
            await anyio.sleep(0.05)
        assert both_led == 0
        assert sim_state(fresh_sims[0])["orders"] == 3 and sim_state(fresh_sims[1])["settlements"] == 3
        assert len(a.store.lots()) == 3
        shares = sum(int(a.store.get_saga("0x" + r.hex()).payload["shares"]) for r in rids)
        assert token.balanceOf(alice) == before + shares
        for r in rids:
            assert len([i for i in a.store.intents_for_request("0x" + r.hex()) if i.status == "mined"]) == 1
    finally:
        await a.stop()
        await b.stop()


@pytest.mark.postgres
async def test_a_standby_daemon_takes_over_when_the_leader_dies(
        relayer_config, pg_url, mint, deployment, token, alice, fresh_sims):
    config = yaml.safe_load(relayer_config.read_text())
    config["database_url"] = pg_url
    config["lease_ttl"] = 1.0
    relayer_config.write_text(yaml.safe_dump(config))
    a = await started(relayer_config, "daemon-a")
    b = await started(relayer_config, "daemon-b")
    try:
        await a.step()
        await b.step()
        assert a.leader and not b.leader
        rid = mint()  # the leader "dies" here: it never steps again and never releases its lease
        await anyio.sleep(1.2)
        await drive_until(b, finished(b, rid))
        assert b.leader
    finally:
        a.leader = False  # a crashed process releases nothing
        await a.stop()
        await b.stop()
