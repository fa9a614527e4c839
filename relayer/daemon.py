"""Wires the parts into the daemon: store, RPC, signers, sender, adapters, saga engine, watcher, and the small
HTTP port with /healthz, /readyz and /metrics.

Only the holder of the `work` lease (a row in the store, renewed every loop) watches the chain and drives
sagas, so two daemons on one PostgreSQL never process the same work; the other waits as a hot standby."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import ssl
import time
import uuid
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from relayer.adapters.base import load_adapter
from relayer.attestor_client import AttestorClient, client_context
from relayer.collateral_keeper import CollateralKeeper
from relayer.config import KeystoreSignerConfig, RelayerConfig, SignerConfig
from relayer.conversion_driver import ConversionDriver
from relayer.errors import ConfigError, RelayerError, RpcUnavailable
from relayer.market_hours import market_hours
from relayer.minter import MinterReader
from relayer.observability import Metrics, NodeHealth, failure_kind
from relayer.residency import JurisdictionFilter
from relayer.rpc import Rpc
from relayer.saga import CUSTODY_BREAKER as CUSTODY
from relayer.saga import SagaEngine
from relayer.sender import TxSender
from relayer.signers import KeystoreSigner, KmsSigner, Signer
from relayer.tracing import Tracing
from relayer.watcher import Watcher

log = logging.getLogger("relayer.daemon")

WORK_LEASE = "work"
# The leader renews its lease this many times per TTL (not on every 0.1 s loop: each renewal is a write).
LEASE_RENEWALS_PER_TTL = 5
# Longest the watcher goes without reading the chain while the head stays the same.
WATCHER_IDLE_SECONDS = 5.0
CRASH_ENV = "RAT_RELAYER_CRASH_AT"
# /readyz turns 503 once the node has failed every call for this long: long enough to ride out one dropped
# connection, short enough that a load balancer or an operator sees an outage within one poll of their own.
RPC_READY_GRACE = 2.0
# How often the leader reads its sender key's balance and nonces for the gauges (two calls in one batch).
SENDER_GAUGE_SECONDS = 15.0


def build_signer(config: SignerConfig, label: str) -> Signer:
    if isinstance(config, KeystoreSignerConfig):
        return KeystoreSigner.from_file(config.path, config.passphrase_env, label)
    key_id, region = config.key(os.environ, label)
    return KmsSigner.from_config(key_id, region, config.endpoint_url, label)


def build_attestor_clients(config: RelayerConfig) -> dict[str, AttestorClient]:
    a = config.attestors
    if a is None:
        raise ConfigError("no `attestors` section: the daemon asks the brokerage and custody attestor services for "
                          "each fill's signatures",
                          hint="add attestors: {brokerage: {url: ...}, custody: {url: ...}, client_cert, client_key, "
                               "server_ca} (see `rat-relayer config-example`)")
    for label, path in (("client_cert", a.client_cert), ("client_key", a.client_key), ("server_ca", a.server_ca)):
        if not path.is_file():
            raise ConfigError(f"attestors.{label}: {path} not found",
                              hint="the relayer's TLS client certificate and key, and the CA of the attestors' "
                                   "server certificates (PEM files)")
    try:
        context = client_context(a.client_cert, a.client_key, a.server_ca)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"attestors: TLS files unusable ({exc})", hint="the key must match the certificate") from None
    return {role: AttestorClient(role, getattr(a, role).url, context, getattr(a, role).address, a.timeout)
            for role in ("brokerage", "custody")}


def crash_point_from_env() -> Any:
    """Fault injection for the kill -9 tests: SIGKILL ourselves right after the named point is durable.
    Unset in production; the variable only ever makes the process die, never changes what it does."""
    points = {p for p in os.environ.get(CRASH_ENV, "").split(",") if p}
    if not points:
        return None

    def crash(point: str) -> None:
        if point in points:
            os.kill(os.getpid(), signal.SIGKILL)

    return crash


class Daemon:
    def __init__(self, config: RelayerConfig, instance_id: str | None = None, tracing: Tracing | None = None) -> None:
        self.config = config
        self.tracing = tracing or Tracing(config.tracing.service_name or "rat-relayer", config.tracing.otlp_endpoint,
                                          headers=config.tracing.headers)
        self.instance_id = instance_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.metrics = Metrics()
        self.node = NodeHealth()
        self.crash_point = crash_point_from_env()
        self.leader = False
        self.last_loop = 0.0
        self.started = False
        self._sender_gauges_at = float("-inf")
        self._lease_renewed_at = float("-inf")
        self._watched: tuple[str | None, float] = (None, float("-inf"))  # head hash and time of the last watch
        self._collateral_at = float("-inf")

    async def start(self) -> None:
        c = self.config
        self.store = c.open_store()
        self.rpc = Rpc(c.rpc_url)
        self._bind_gauges()
        chain_id = await self.rpc.chain_id()
        if c.chain_id is not None and chain_id != c.chain_id:
            raise ConfigError(f"node at {c.rpc_url} is chain {chain_id}, config says {c.chain_id}")
        self.chain_id = chain_id
        sender_signer = build_signer(c.signers.sender, "sender")
        self.attestors = build_attestor_clients(c)
        if sender_signer.address in {a.address for a in self.attestors.values()}:
            raise ConfigError("the sender and each attestor role must use different keys")
        self.sender = TxSender(
            self.rpc, self.store, sender_signer, chain_id, c.sender,
            on_event=lambda kind, _hash: self.metrics.transactions.labels(kind).inc(),
            crash_point=self.crash_point, tracing=self.tracing,
        )
        self.brokerage = load_adapter("brokerage", c.brokerage.adapter, c.brokerage.options)
        self.custody = load_adapter("custody", c.custody.adapter, c.custody.options)
        self.reader = MinterReader(self.rpc, c.minter)
        await self.reader.check_interface()  # a wrong address stops here, before any cursor moves
        self.engine = SagaEngine(
            self.store, self.reader, self.sender, self.brokerage, self.custody, self.attestors, c.assets,
            market_hours(c.market_calendar), c.saga, self.metrics, chain_id,
            confirmations=0 if c.watcher.finality_tag else c.watcher.confirmations,
            crash_point=self.crash_point or (lambda point: None), tracing=self.tracing,
        )
        intake = self.engine.on_event if c.residency is None else JurisdictionFilter(self.rpc, c.residency,
                                                                                      self.engine.on_event)
        self.watcher = Watcher(self.rpc, self.store, c.network, c.minter, c.watcher, intake, self.engine.on_reorg)
        self.conversions = None
        if c.api.conversion_vault:
            self.conversions = ConversionDriver(self.rpc, self.sender, c.api.conversion_vault, list(c.assets),
                                                c.minter, c.api.conversion_holders_from_block)
        self.collateral = await self._build_collateral_keeper(chain_id, sender_signer.address)
        self.started = True

    async def _build_collateral_keeper(self, chain_id: int, sender_address: str) -> CollateralKeeper | None:
        """The collateral keeper when configured; refuses to start with a liquidator the collateral's compliance
        would refuse, or a market that is not what the config says (decision 0102 "Keeper")."""
        c = self.config.collateral
        if c is None:
            return None
        liquidator = None
        if c.liquidation.enabled and c.liquidation.signer is not None:
            signer = build_signer(c.liquidation.signer, "liquidator")
            if signer.address == sender_address:
                raise ConfigError("collateral.liquidation.signer must not be the sender key",
                                  hint="give the keeper its own eligible (KYC'd) account")
            liquidator = TxSender(self.rpc, self.store, signer, chain_id, self.config.sender,
                                  on_event=lambda kind, _hash: self.metrics.transactions.labels(kind).inc(),
                                  tracing=self.tracing)
        keeper = CollateralKeeper(self.rpc, self.store, c, self.metrics, liquidator)
        problems = await keeper.check()
        if problems:
            raise ConfigError("collateral keeper: " + "; ".join(problems),
                              hint="fix the collateral section (`rat-relayer doctor` lists each problem)")
        return keeper

    async def stop(self) -> None:
        engine = getattr(self, "engine", None)
        if engine is not None:
            engine.active = False  # running sagas finish their current step and stop
            try:
                await asyncio.wait_for(engine.wait_idle(), 10)
            except TimeoutError:
                await engine.wait_idle(cancel=True)  # as safe as a crash: every step is durable before its effect
        if self.leader:
            self.store.release_lease(WORK_LEASE, self.instance_id)
        for closable in (getattr(self, "brokerage", None), getattr(self, "custody", None),
                         *getattr(self, "attestors", {}).values()):
            if closable is not None:
                await closable.aclose()
        if hasattr(self, "rpc"):
            await self.rpc.aclose()
        if hasattr(self, "store"):
            self.store.close()
        self.tracing.shutdown()

    async def step(self) -> None:
        """One loop iteration: lease, chain, sagas, metrics."""
        renew_due = time.monotonic() - self._lease_renewed_at >= self.config.lease_ttl / LEASE_RENEWALS_PER_TTL
        if renew_due or not self.leader:
            holds = self.store.acquire_lease(WORK_LEASE, self.instance_id, self.config.lease_ttl)
            if holds:
                self._lease_renewed_at = time.monotonic()
            if holds and not self.leader:
                log.info("work lease acquired", extra={"instance": self.instance_id})
                await self.sender.resume()
                if self.collateral is not None and self.collateral.liquidator is not None:
                    await self.collateral.liquidator.resume()
            self.leader = holds
            self.metrics.leader.set(1 if holds else 0)
        self.engine.active = self.leader
        # Sagas running between two steps stop at a step boundary unless the lease was renewed in the last half TTL.
        self.engine.active_until = self._lease_renewed_at + self.config.lease_ttl / 2
        if not self.leader:
            return
        head = None
        try:
            head = await self._follow_head()
        except RelayerError as exc:
            self.metrics.failures.labels(failure_kind(exc)).inc()
            log.warning("block follower retry", extra={"error": str(exc)})
        try:
            if self._watch_due(head):
                for _ in range(50):  # backfill in batches, but keep sagas moving between batches
                    await self.watcher.tick()
                    if self.watcher.cursor() >= self.watcher.target:
                        break
                self._watched = (head["hash"] if head else None, time.monotonic())
        except RpcUnavailable as exc:
            self.metrics.failures.labels(failure_kind(exc)).inc()
            log.warning("node unavailable", extra={"error": str(exc)})
        except RelayerError as exc:
            self.metrics.failures.labels(failure_kind(exc)).inc()
            log.warning("watcher retry", extra={"error": str(exc)})
        self.engine.schedule_due()
        if self.conversions is not None and self.reader.block is not None:
            try:
                await self.conversions.tick(*self.reader.block)
            except RelayerError as exc:
                self.metrics.failures.labels(failure_kind(exc)).inc()
                log.warning("conversion retry", extra={"error": str(exc)})
        if self.collateral is not None and head is not None \
                and time.monotonic() - self._collateral_at >= self.config.collateral.interval:
            self._collateral_at = time.monotonic()
            await self.collateral.tick(int(head["number"], 16), int(head["timestamp"], 16))
        if self.store.sagas(status="reorged"):
            try:
                await self.engine.sweep_orphans()
            except RelayerError:
                pass
        self.node.cursor = self.watcher.cursor()
        self.metrics.last_block.set(self.node.cursor)
        if time.monotonic() - self._sender_gauges_at >= SENDER_GAUGE_SECONDS:
            await self._read_sender_gauges()

    def _bind_gauges(self) -> None:
        """Scrape-time readings: what the node, the store and the breaker table say now."""
        m = self.metrics
        m.bind_store(self.store.saga_counts, lambda: {CUSTODY: self.store.breaker(CUSTODY)[0]})
        m.rpc_up.set_function(lambda: 1.0 if self.rpc.up is not False else 0.0)
        m.head_age.set_function(self.node.head_age)
        m.lag.set_function(lambda: self.node.lag(self.rpc.up is not False))

    async def _read_sender_gauges(self) -> None:
        self._sender_gauges_at = time.monotonic()
        address = self.sender.address
        try:
            balance, mined = await self.rpc.batch([("eth_getBalance", [address, "latest"]),
                                                   ("eth_getTransactionCount", [address, "latest"])])
        except RpcUnavailable:
            return  # relayer_rpc_up already says so
        if isinstance(balance, str):
            self.metrics.sender_balance.set(int(balance, 16) / 10**18)
        if isinstance(mined, str):
            highest = self.store.highest_nonce(address)
            self.metrics.nonce_gap.set(max(0, (highest + 1 if highest is not None else 0) - int(mined, 16)))

    def readiness(self) -> tuple[bool, list[str]]:
        """Ready, and if not, why: not started, the loop stalled, or (for the leader) the node unreachable."""
        if not self.started:
            return False, ["starting"]
        reasons = []
        stalled = time.time() - self.last_loop if self.last_loop else 0.0
        if stalled > max(30.0, 10 * self.config.poll_interval):
            reasons.append(f"main loop has not completed for {stalled:.0f}s")
        down = self.rpc.down_since
        if self.leader and self.rpc.up is False and down is not None and time.time() - down >= RPC_READY_GRACE:
            reasons.append(f"node unreachable for {time.time() - down:.0f}s: {self.rpc.last_error}")
        return not reasons, reasons

    def _watch_due(self, head: dict[str, Any] | None) -> bool:
        """The watcher reads the chain when the head changed (number or hash: a same-height reorg counts), while it
        is behind its target, and at least every WATCHER_IDLE_SECONDS; between blocks there is nothing new to read,
        and polling logs, headers and the cursor ten times a second cost CPU for nothing (ADR 0045)."""
        last_hash, last_at = self._watched
        if head is None or head["hash"] != last_hash:
            return True
        return self.watcher.target > self.watcher.cursor() or time.monotonic() - last_at >= WATCHER_IDLE_SECONDS

    async def _follow_head(self) -> dict[str, Any] | None:
        """Once per new block: the reader's per-block cache and chain time, and the receipts of every transaction
        of ours in flight, fetched together; sagas whose transaction was mined are woken at once. Returns the
        head it read."""
        head = await self.rpc.block("latest")
        if head is None:
            return None
        self.reader.observe_block(int(head["number"], 16), int(head["timestamp"], 16))
        self.node.observe_head(int(head["number"], 16), int(head["timestamp"], 16))
        receipts = await self.sender.follow(head)
        if receipts:
            self.store.wake(self.sender.mined_request_ids(receipts), time.time())
        return head

    async def run(self, stop: asyncio.Event) -> None:
        await self.start()
        runner = await self._serve_http()
        log.info("relayer started", extra={"instance": self.instance_id, "chain_id": self.chain_id,
                                           "minter": self.config.minter, "database": self.store.dialect})
        try:
            while not stop.is_set():
                try:
                    await self.step()
                except RelayerError as exc:
                    self.metrics.failures.labels(failure_kind(exc)).inc()
                    log.error("loop error", extra={"error": exc.explain()})
                self.last_loop = time.time()
                try:
                    await asyncio.wait_for(stop.wait(), self.config.poll_interval)
                except TimeoutError:
                    pass
        finally:
            if runner is not None:
                await runner.cleanup()
            await self.stop()

    async def _serve_http(self) -> web.AppRunner | None:
        async def healthz(_: web.Request) -> web.Response:
            alive = time.time() - self.last_loop < max(30.0, 10 * self.config.poll_interval) or not self.last_loop
            return web.json_response({"alive": alive}, status=200 if alive else 503)

        async def readyz(_: web.Request) -> web.Response:
            ready, reasons = self.readiness()
            body = {"ready": ready, "leader": self.leader, "instance": self.instance_id, "reasons": reasons}
            return web.json_response(body, status=200 if ready else 503)

        async def metrics(_: web.Request) -> web.Response:
            if self.started:
                try:
                    self.metrics.refresh()  # sagas finish in their own tasks: count them at scrape time
                except RelayerError as exc:
                    self.metrics.failures.labels(failure_kind(exc)).inc()
            return web.Response(body=generate_latest(self.metrics.registry),
                                headers={"Content-Type": CONTENT_TYPE_LATEST})

        app = web.Application()
        app.add_routes([web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", metrics)])
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.config.http.host, self.config.http.port).start()
        except OSError as exc:
            await runner.cleanup()
            raise ConfigError(f"cannot listen on {self.config.http.host}:{self.config.http.port}: {exc.strerror}",
                              hint="set http.port to a free port (0 picks one)") from None
        self._http_port = runner.addresses[0][1]
        return runner


def run_forever(config: RelayerConfig) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await Daemon(config).run(stop)

    asyncio.run(main())
