"""`rat-relayer api`: the service API as its own process next to the daemon, sharing its state store. It also runs
the outbox drain (when `events.nats_url` is set) and the KYC registry writer (when `kyc` is set), each under a
lease so that several API replicas never duplicate that work."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
import uuid

import uvicorn

from relayer.api.app import create_app
from relayer.api.auth import TokenVerifier
from relayer.api.telemetry import serve_operations
from relayer.api.context import ApiContext
from relayer.config import RelayerConfig
from relayer.errors import RelayerError
from relayer.events.drain import OutboxDrain
from relayer.events.publisher import JetStreamPublisher
from relayer.market_hours import market_hours
from relayer.minter import MinterReader
from relayer.observability import ApiMetrics
from relayer.rpc import Rpc
from relayer.store import Store
from relayer.tracing import Tracing

log = logging.getLogger("relayer.api")
KYC_LEASE = "kyc-writer"


def build_context(config: RelayerConfig, store: Store, rpc: Rpc | None) -> ApiContext:
    travel_rule = None
    if config.travel_rule is not None and rpc is not None:
        from relayer.travel_rule.wiring import build_service

        travel_rule = build_service(config, store, rpc)
    return ApiContext(
        store=store, config=config.api, network=config.network,
        assets={address: asset.symbol for address, asset in config.assets.items()},
        hours=market_hours(config.market_calendar),
        reader=MinterReader(rpc, config.minter) if rpc is not None else None,
        verifier=TokenVerifier(config.api.auth) if config.api.auth is not None else None,
        kyc=config.kyc, collateral=config.collateral, environ=dict(os.environ), travel_rule=travel_rule,
    )


WS_MAX_BYTES = 16 * 1024  # frames above this are refused by the protocol layer (close 1009) before any parsing
SHUTDOWN_GRACE = 5  # seconds open connections get to finish on SIGTERM before they are cut


def uvicorn_config(app, host: str, port: int, trusted_proxies: list[str] | None = None) -> uvicorn.Config:
    """`X-Forwarded-For` is read only from `trusted_proxies` (uvicorn's forwarded_allow_ips); without any, the
    client address is the TCP peer's, so no client can choose its own rate-limit bucket."""
    proxies = list(trusted_proxies or [])
    return uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="off",
                          # The sans-I/O protocol closes a flooding client at once; the legacy one stops reading at
                          # its queue limit and so holds the close handshake for its full close timeout (10 s).
                          ws="websockets-sansio", ws_max_size=WS_MAX_BYTES, timeout_graceful_shutdown=SHUTDOWN_GRACE,
                          # Stream messages are a few hundred bytes: compressing each cost more CPU than it saved.
                          ws_per_message_deflate=False,
                          proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None)


async def kyc_loop(config: RelayerConfig, store: Store, rpc: Rpc, stop: asyncio.Event, owner: str,
                   metrics: ApiMetrics | None = None) -> None:
    from relayer.daemon import build_signer
    from relayer.kyc.fanout import FanOut, build_targets
    from relayer.kyc.writer import RegistryWriter
    from relayer.sender import TxSender

    assert config.kyc is not None
    signer = build_signer(config.kyc.signer, "kyc")
    sender = TxSender(rpc, store, signer, await rpc.chain_id(), config.sender)
    writer = RegistryWriter(store, sender, config.kyc.registry, config.kyc.batch_size)
    fanout = FanOut(store, rpc, config.kyc.registry, [], config.kyc.batch_size,
                    metrics.with_kyc_fanout() if metrics is not None and config.kyc.chains else None)
    built: set[str] = set()
    checked_at = 0.0
    while not stop.is_set():
        if store.acquire_lease(KYC_LEASE, owner, config.lease_ttl):
            # A chain down at start-up is retried every pass; the home chain and the other chains go on meanwhile.
            for chain in (c for c in config.kyc.chains if c.name not in built):
                try:
                    fanout.add_target((await build_targets([chain], signer, config.sender))[0])
                    built.add(chain.name)
                except RelayerError as exc:
                    log.warning("kyc fan-out chain not reachable", extra={"chain": chain.name, "error": exc.explain()})
            try:
                await writer.sync_once()
                await fanout.sync_once()
                # Drift is judged only over every configured chain: a missing one leaves the check stalled (alert).
                if (config.kyc.chains and len(built) == len(config.kyc.chains)
                        and time.monotonic() - checked_at >= config.kyc.drift_interval):
                    drift = await fanout.check()
                    checked_at = time.monotonic()
                    if drift:
                        log.error("KYC records differ between chains",
                                  extra={"wallets": [d.wallet for d in drift][:20], "count": len(drift)})
            except RelayerError as exc:
                log.warning("kyc sync pass failed", extra={"error": exc.explain()})
        try:
            await asyncio.wait_for(stop.wait(), config.kyc.interval)
        except TimeoutError:
            pass
    store.release_lease(KYC_LEASE, owner)


async def serve(config: RelayerConfig, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
    owner = f"api-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    store = config.open_store()
    rpc = Rpc(config.rpc_url)
    ctx = build_context(config, store, rpc)
    metrics = ApiMetrics()
    tracing = Tracing(config.tracing.service_name or "rat-api", config.tracing.otlp_endpoint,
                      headers=config.tracing.headers)
    app = create_app(ctx, metrics, tracing)
    server = uvicorn.Server(uvicorn_config(app, config.api.host, config.api.port, config.api.trusted_proxies))
    operations = await serve_operations(metrics, config.http.host, config.http.port)
    tasks = [asyncio.create_task(server.serve())]
    if config.events.nats_url:
        publisher = JetStreamPublisher.from_config(config.events, config.network)
        drain = OutboxDrain(store, publisher, tracing=tracing, metrics=metrics.with_outbox())
        ctx.extras["drain"] = drain
        tasks.append(asyncio.create_task(drain.run(stop, owner, config.events.drain_interval, config.lease_ttl)))
    if config.kyc is not None:
        tasks.append(asyncio.create_task(kyc_loop(config, store, rpc, stop, owner, metrics)))
    while not server.started and not tasks[0].done():
        await asyncio.sleep(0.05)
    if server.started:
        port = server.servers[0].sockets[0].getsockname()[1]
        print(f"listening on http://{config.api.host}:{port}", flush=True)
        log.info("api started", extra={"port": port, "metrics_port": operations.addresses[0][1],
                                       "nats": bool(config.events.nats_url),
                                       "kyc": config.kyc is not None})
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        await operations.cleanup()
        if ctx.travel_rule is not None:
            await ctx.travel_rule.aclose()
        await rpc.aclose()
        store.close()
        tracing.shutdown()


def run_forever(config: RelayerConfig) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(config, stop)

    asyncio.run(main())
