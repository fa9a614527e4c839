"""The attestor's HTTP API, served over mutual TLS.

    POST /v1/fills   a Minter Fill (JSON) -> this role's EIP-712 signature, or an RFC 9457 problem
    GET  /healthz    liveness and the signer's address (no client certificate needed)
    GET  /metrics    Prometheus text (no client certificate needed)

Only a client whose verified certificate's common name is in `tls.allowed_clients` may ask for a signature. Every
refusal is `application/problem+json` with a stable `type` (urn:rat:problem:attestor:<slug>) and nothing is
signed; the record of a fill is committed before its signature is sent."""

from __future__ import annotations

import os

import asyncio
import json
import logging
import signal
import sys
import time
import uuid
from contextlib import AsyncExitStack

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from attestor.chain import ChainView
from attestor.config import AttestorConfig, KeystoreKey
from attestor.evidence import vendor_for
from attestor.ledger import Conflict, Ledger, OverDailyLimit
from attestor.policy import Policy, Refusal
from attestor.tls import peer_name, server_context
from rat.attestations import Fill, fill_digest
from relayer.errors import AdapterError, RelayerError, RpcError
from relayer.observability import JsonFormatter
from relayer.rpc import Rpc
from relayer.signers import KeystoreSigner, KmsSigner, Signer

log = logging.getLogger("attestor")
PROBLEM = "application/problem+json"
TYPE_PREFIX = "urn:rat:problem:attestor:"
TRACE_HEADER = "X-Request-Trace-Id"
MAX_BODY = 16 * 1024


class FillBody(BaseModel):
    """The Fill the relayer wants signed, exactly the Solidity struct; hex strings for the bytes32 fields."""

    model_config = ConfigDict(extra="forbid")

    request_id: str = Field(pattern=r"^0x[0-9a-fA-F]{64}$")
    shares: int = Field(ge=0, lt=2**256)
    price: int = Field(ge=0, lt=2**256)
    fees: int = Field(ge=0, lt=2**256)
    broker_order_ref: str = Field(pattern=r"^0x[0-9a-fA-F]{64}$")
    custody_ref: str = Field(pattern=r"^0x[0-9a-fA-F]{64}$")
    deadline: int = Field(ge=0, lt=2**256)

    def fill(self) -> Fill:
        return Fill(**self.model_dump())


class AttestorMetrics:
    def __init__(self, role: str) -> None:
        self.registry = r = CollectorRegistry()
        self.signed = Counter("attestor_signatures_total", "fills signed (new) or signed again (same terms)",
                              ["role", "outcome"], registry=r)
        self.refused = Counter("attestor_refusals_total", "fills refused, by problem type", ["role", "reason"],
                               registry=r)
        self.seconds = Histogram("attestor_review_seconds", "time to review and sign one fill", ["role"], registry=r)
        self.role = role


def problem(status: int, slug: str, detail: str, retry_after: int | None = None) -> web.Response:
    title = {400: "Bad request", 401: "Client certificate required", 403: "Refused", 404: "Not found",
             409: "Conflict", 413: "Body too large", 415: "Unsupported media type", 422: "Invalid fill",
             503: "A source is unavailable"}.get(status, "Error")
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return web.Response(status=status, content_type=PROBLEM, headers=headers, text=json.dumps(
        {"type": TYPE_PREFIX + slug, "title": title, "status": status, "detail": detail}))


def build_signer(config: AttestorConfig) -> Signer:
    key = config.key
    label = f"{config.role}-attestor"
    if isinstance(key, KeystoreKey):
        return KeystoreSigner.from_file(key.path, key.passphrase_env, label)
    key_id, region = key.key(os.environ, label)
    return KmsSigner.from_config(key_id, region, key.endpoint_url, label)


class Attestor:
    """One attestor role: its signer, chain view, vendor, ledger and metrics."""

    def __init__(self, config: AttestorConfig, signer: Signer, rpc: Rpc, vendor, ledger: Ledger) -> None:
        self.config = config
        self.signer = signer
        self.rpc = rpc
        self.vendor = vendor
        self.ledger = ledger
        self.policy = Policy(config, ChainView(rpc, config.minter, config.confirmations), vendor)
        self.metrics = AttestorMetrics(config.role)
        self._lock = asyncio.Lock()

    def _refused(self, slug: str) -> None:
        self.metrics.refused.labels(self.config.role, slug).inc()

    async def sign(self, request: web.Request) -> web.Response:
        trace_id = request.headers.get(TRACE_HEADER) or uuid.uuid4().hex
        client = request.get("client")
        if request.content_type != "application/json":
            self._refused("unsupported-media-type")
            return problem(415, "unsupported-media-type", "send the fill as application/json")
        raw = await request.read()
        try:
            body = FillBody.model_validate_json(raw)
        except ValidationError as exc:
            self._refused("invalid-fill")
            detail = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
            return problem(422, "invalid-fill", detail)
        fill = body.fill()
        started = time.perf_counter()
        try:
            # One review at a time: the ledger decides "same or different" and the day's total atomically, and the
            # chain and vendor reads that feed it must not interleave with another review of the same request.
            async with self._lock:
                approved = await self.policy.review(fill, trace_id)
                try:
                    new = self.ledger.record(approved.entry, approved.daily_limit)
                except Conflict as exc:
                    raise Refusal(409, exc.kind, str(exc)) from None
                except OverDailyLimit as exc:
                    raise Refusal(403, "over-daily-limit", str(exc)) from None
                digest = fill_digest(self.config.chain_id, self.config.minter, fill, approved.request.asset,
                                     approved.request.account)
                signature = await asyncio.to_thread(self.signer.sign_digest, digest)
        except Refusal as exc:
            self._refused(exc.slug)
            log.warning("fill refused", extra={"trace_id": trace_id, "request_id": body.request_id, "client": client,
                                               "reason": exc.slug, "detail": exc.detail})
            return problem(exc.status, exc.slug, exc.detail, exc.retry_after)
        except (AdapterError, RpcError) as exc:
            # A source we must read is unreachable: not the client's fault, and nothing was signed.
            self._refused("source-unavailable")
            log.warning("source unavailable", extra={"trace_id": trace_id, "request_id": body.request_id,
                                                     "error": str(exc)})
            return problem(503, "source-unavailable", str(exc), retry_after=1)
        self.metrics.signed.labels(self.config.role, "new" if new else "resigned").inc()
        self.metrics.seconds.labels(self.config.role).observe(time.perf_counter() - started)
        log.info("fill signed", extra={"trace_id": trace_id, "request_id": body.request_id, "client": client,
                                       "shares": str(fill.shares), "price": str(fill.price), "new": new})
        return web.json_response({
            "role": self.config.role, "signer": self.signer.address, "request_id": body.request_id,
            "digest": "0x" + digest.hex(), "signature": "0x" + signature.hex(), "resigned": not new,
        })

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "role": self.config.role, "signer": self.signer.address,
                                  "signed": self.ledger.signed_count()})

    async def metrics_route(self, request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(self.metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    def app(self) -> web.Application:
        allowed = set(self.config.tls.allowed_clients)

        @web.middleware
        async def mutual_tls(request: web.Request, handler) -> web.StreamResponse:
            if not request.path.startswith("/v1/"):
                return await handler(request)
            ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
            name = peer_name(ssl_object.getpeercert() if ssl_object is not None else None)
            if name is None:
                self._refused("client-certificate-required")
                return problem(401, "client-certificate-required",
                               "present a client certificate issued by this attestor's client CA")
            if name not in allowed:
                self._refused("client-not-allowed")
                return problem(403, "client-not-allowed", f"client {name!r} may not ask this attestor to sign")
            request["client"] = name
            return await handler(request)

        @web.middleware
        async def problems(request: web.Request, handler) -> web.StreamResponse:
            try:
                return await handler(request)
            except web.HTTPRequestEntityTooLarge:
                return problem(413, "body-too-large", f"a fill is at most {MAX_BODY} bytes")
            except web.HTTPException as exc:
                if exc.status >= 400:
                    return problem(exc.status, "http", exc.reason)
                raise

        app = web.Application(middlewares=[problems, mutual_tls], client_max_size=MAX_BODY)
        app.add_routes([
            web.post("/v1/fills", self.sign),
            web.get("/healthz", self.healthz),
            web.get("/metrics", self.metrics_route),
        ])
        return app


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("attestor")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


async def serve(config: AttestorConfig) -> None:
    """Runs the attestor until SIGTERM/SIGINT; prints `listening on https://HOST:PORT` first on stdout."""
    configure_logging(config.log_level)
    signer = build_signer(config)
    async with AsyncExitStack() as stack:
        rpc = Rpc(config.rpc_url)
        stack.push_async_callback(rpc.aclose)
        chain_id = await rpc.chain_id()
        if chain_id != config.chain_id:
            raise RelayerError(f"node at {config.rpc_url} is chain {chain_id}, config says {config.chain_id}",
                               hint="point rpc_url at the network the Minter lives on")
        symbol = next(iter(config.assets.values())).symbol
        vendor = vendor_for(config.role, config.vendor.adapter, config.vendor.options, symbol)
        stack.push_async_callback(vendor.aclose)
        ledger = Ledger(config.database)
        stack.callback(ledger.close)
        attestor = Attestor(config, signer, rpc, vendor, ledger)
        runner = web.AppRunner(attestor.app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        tls = config.tls
        site = web.TCPSite(runner, config.listen.host, config.listen.port,
                           ssl_context=server_context(tls.cert, tls.key, tls.client_ca))
        await site.start()
        port = runner.addresses[0][1]
        if config.metrics_listen is not None:
            # Same app: /v1/ answers 401 here because a plain connection has no client certificate.
            await web.TCPSite(runner, config.metrics_listen.host, config.metrics_listen.port).start()
        print(f"listening on https://{config.listen.host}:{port} as {config.role} attestor {signer.address}",
              flush=True)
        log.info("attestor started", extra={"role": config.role, "signer": signer.address, "port": port})
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
