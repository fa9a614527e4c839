"""A real Prometheus (Debian's `prometheus`, its own port and data directory, stopped at the end) scrapes a running
daemon that fulfils a request, evaluates ops/prometheus/alerts.yml against it, and sees a node outage: the RPC
gauge drops, the block lag turns unknown instead of reading 0, and the RPC alert goes pending."""

from __future__ import annotations

import asyncio
import math
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml
from aiohttp import ClientSession, web

from rat.minting import request_mint
from rat.ports import free_port
from relayer.config import RelayerConfig
from relayer.daemon import Daemon

pytestmark = pytest.mark.anyio

USDC = 10**6
ALERTS = Path(__file__).resolve().parents[2] / "ops" / "prometheus" / "alerts.yml"


class SwitchableNode:
    """A JSON-RPC proxy in front of anvil that can be switched off, as when the RPC provider has an outage."""

    def __init__(self, upstream: str) -> None:
        self.upstream, self.down = upstream, False

    async def handle(self, request: web.Request) -> web.Response:
        if self.down:
            return web.Response(status=503, text="upstream unavailable")
        async with ClientSession() as session:
            async with session.post(self.upstream, data=await request.read(),
                                    headers={"Content-Type": "application/json"}) as response:
                return web.Response(body=await response.read(), content_type="application/json")


@pytest.fixture
def prometheus_binary() -> str:
    path = shutil.which("prometheus")
    if path is None:
        pytest.skip("prometheus not found: install Debian's `prometheus` package (tools/bootstrap.sh does, as root)")
    return path


class Prometheus:
    def __init__(self, binary: str, folder: Path, target: str) -> None:
        self.port = free_port()
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(ALERTS)],
            "scrape_configs": [{"job_name": "rat-relayer", "static_configs": [{"targets": [target]}]}],
        }
        (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.process = subprocess.Popen(
            [binary, f"--config.file={folder / 'prometheus.yml'}", f"--storage.tsdb.path={folder / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}", timeout=5)

    async def close(self) -> None:
        await self.client.aclose()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    async def query(self, expr: str) -> list[dict]:
        answer = (await self.client.get("/api/v1/query", params={"query": expr})).json()
        assert answer["status"] == "success", answer
        return answer["data"]["result"]

    async def wait_for(self, what: str, check, timeout: float = 60.0):
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"prometheus exited: {self.process.stderr.read()}"
            try:
                value = await check()
                if value:
                    return value
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"Prometheus never saw {what}"
            await asyncio.sleep(0.5)

    async def rules(self) -> list[dict]:
        answer = (await self.client.get("/api/v1/rules")).json()
        return [rule for group in answer["data"]["groups"] for rule in group["rules"]]


async def value(prom: Prometheus, expr: str) -> float | None:
    result = await prom.query(expr)
    return float(result[0]["value"][1]) if result else None


async def test_a_real_prometheus_scrapes_the_daemon_and_evaluates_the_alert_rules(
        relayer_config, deployment, alice, token, chain, rpc_url, prometheus_binary, tmp_path):
    node = SwitchableNode(rpc_url)
    app = web.Application()
    app.router.add_post("/", node.handle)
    proxy = web.AppRunner(app)
    await proxy.setup()
    await web.TCPSite(proxy, "127.0.0.1", 0).start()
    config = yaml.safe_load(relayer_config.read_text())
    config["rpc_url"] = f"http://127.0.0.1:{proxy.addresses[0][1]}/"
    relayer_config.write_text(yaml.safe_dump(config))

    daemon = Daemon(RelayerConfig.load(relayer_config))
    stop = asyncio.Event()
    task = asyncio.create_task(daemon.run(stop))
    prom = None
    try:
        while not getattr(daemon, "_http_port", None):
            assert not task.done(), task.exception()
            await asyncio.sleep(0.05)
        ms, usdc = deployment
        rid = request_mint(ms, alice, token, usdc, 1_000 * USDC, 200 * USDC, chain.pending_timestamp + 3600)
        prom = Prometheus(prometheus_binary, tmp_path, f"127.0.0.1:{daemon._http_port}")

        async def one_done():
            return await value(prom, 'relayer_sagas{job="rat-relayer",status="done"}') == 1

        await prom.wait_for("the fulfilled request", one_done)
        assert daemon.store.get_saga("0x" + rid.hex()).status == "done"
        assert await value(prom, 'relayer_sagas{status="active"}') == 0  # not the value it had mid-saga
        assert await value(prom, "relayer_rpc_up") == 1 and await value(prom, "relayer_is_leader") == 1
        assert await value(prom, "relayer_block_lag") == 0
        assert await value(prom, 'sum(relayer_saga_step_seconds_count{step="order_placed"})') >= 1
        assert await value(prom, "relayer_sender_balance_ether") > 0

        async def evaluated():
            rules = await prom.rules()
            return rules if rules and all(r.get("lastEvaluation", "").startswith("20") for r in rules) else None

        rules = await prom.wait_for("every rule evaluated", evaluated)
        assert {r["name"] for r in rules} == {r["alert"] for g in yaml.safe_load(ALERTS.read_text())["groups"]
                                               for r in g["rules"]}
        assert all(r["health"] == "ok" for r in rules), [(r["name"], r.get("lastError")) for r in rules]
        async def healthy_rules_quiet():
            states = {r["name"]: r["state"] for r in await prom.rules()}
            quiet = ("RelayerTargetMissing", "RelayerMetricsAbsent", "RelayerRpcDown", "RelayerNoLeader")
            return states if all(states[name] == "inactive" for name in quiet) else None

        states = await prom.wait_for("the healthy daemon's alerts inactive", healthy_rules_quiet, timeout=20)
        assert states["ApiTargetMissing"] == "pending"  # no API is scraped here: absent() sees it at once

        node.down = True

        async def rpc_down_pending():
            return {r["name"]: r["state"] for r in await prom.rules()}["RelayerRpcDown"] == "pending"

        await prom.wait_for("the RPC alert pending", rpc_down_pending)
        assert await value(prom, "relayer_rpc_up") == 0
        assert math.isnan(await value(prom, "relayer_block_lag"))  # unknown, not "caught up"
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{daemon._http_port}") as client:
            async def unready():
                answer = await client.get("/readyz")
                return answer if answer.status_code == 503 else None

            # RPC_READY_GRACE (2 s) after the first failed call, not the 60 s it used to take
            ready = await prom.wait_for("/readyz answering 503", unready, timeout=10)
        assert "node unreachable" in ready.json()["reasons"][0] and "HTTP 503" in ready.json()["reasons"][0]
    finally:
        if prom is not None:
            await prom.close()
        stop.set()
        await task
        await proxy.cleanup()
