"""The API's own observability, as the outermost ASGI middleware: a server span per request (its trace id in the
log line and in the `traceparent` answer header), one JSON access-log line per request, the request metrics, and
unhandled exceptions answered with a 500 problem and logged as one JSON line (never a multi-line traceback).

Also the operations endpoints: /healthz and /readyz on the API's own port for the load balancer (kept out of the
OpenAPI document: they are for the platform, not for API clients), and /metrics on a separate operations port
(`http.host`/`http.port`, as for the daemon), so the public listener never exposes internal counters."""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, Request
from aiohttp import web
from fastapi.responses import JSONResponse
from opentelemetry.trace import SpanKind
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from relayer.api.problems import ProblemError, problem_response
from relayer.errors import ConfigError
from relayer.observability import ApiMetrics, failure_kind
from relayer.tracing import Tracing, mark_failed, propagation_headers

access_log = logging.getLogger("relayer.api.access")
log = logging.getLogger("relayer.api")
UNMATCHED = "unmatched"  # route label for paths no route matched: keeps the series count bounded


class Telemetry:
    def __init__(self, app: ASGIApp, metrics: ApiMetrics, tracing: Tracing) -> None:
        self.app, self.metrics, self.tracing = app, metrics, tracing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            self.metrics.websockets.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                self.metrics.websockets.dec()
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"]
        state = {"status": 500, "sent": False}

        with self.tracing.span(f"{method} {scope.get('path', '')}", SpanKind.SERVER,
                               **{"http.request.method": method, "url.path": scope.get("path", "")}) as span:
            trace_headers = [(k.encode(), v.encode()) for k, v in propagation_headers().items()]

            async def send_with_trace(message: Message) -> None:
                if message["type"] == "http.response.start":
                    state["status"], state["sent"] = message["status"], True
                    message = {**message, "headers": [*message.get("headers", []), *trace_headers]}
                await send(message)

            try:
                await self.app(scope, receive, send_with_trace)
            except Exception as exc:  # noqa: BLE001  (every crash becomes a 500 problem and one log line)
                mark_failed(span, exc)
                self.metrics.errors.labels(failure_kind(exc)).inc()
                log.error("unhandled error", exc_info=exc, extra={"path": scope.get("path", ""), "method": method})
                if not state["sent"]:
                    await problem_response(ProblemError(500, "unexpected error; the trace is in the relayer log"),
                                           scope.get("path", ""))(scope, receive, send_with_trace)
            route = _route(scope)
            span.update_name(f"{method} {route}")
            span.set_attributes({"http.route": route, "http.response.status_code": state["status"]})
            elapsed = time.perf_counter() - started
            self.metrics.requests.labels(method, route, str(state["status"])).inc()
            self.metrics.seconds.labels(method, route).observe(elapsed)
            client = scope.get("client") or ("unknown", 0)
            access_log.info("request", extra={"method": method, "path": scope.get("path", ""), "route": route,
                                              "status": state["status"], "duration_ms": round(elapsed * 1000, 2),
                                              "client": client[0]})


def _route(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or UNMATCHED


ops_router = APIRouter(include_in_schema=False)


@ops_router.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"alive": True})


@ops_router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready while the state store answers; the bus is reported (events wait in the outbox while it is down)."""
    ctx = request.app.state.ctx
    reasons: list[str] = []
    try:
        with ctx.store.transaction() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001  (any store failure makes the API unready, with the reason)
        reasons.append(f"state store unreachable: {type(exc).__name__}")
    drain = ctx.extras.get("drain")
    bus = None if drain is None else ("up" if drain.last_error is None else f"down: {drain.last_error}")
    return JSONResponse({"ready": not reasons, "reasons": reasons, "bus": bus}, status_code=503 if reasons else 200)


def metrics_text(api_metrics: ApiMetrics) -> bytes:
    """The Prometheus exposition of the API's registry, with the outbox backlog read now."""
    try:
        api_metrics.refresh()
    except Exception as exc:  # noqa: BLE001  (a store hiccup must not hide every other metric)
        api_metrics.errors.labels(failure_kind(exc)).inc()
    return generate_latest(api_metrics.registry)


async def serve_operations(api_metrics: ApiMetrics, host: str, port: int) -> web.AppRunner:
    """The operations listener: /metrics (and /healthz) on the private port Prometheus scrapes."""

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=metrics_text(api_metrics), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"alive": True})

    app = web.Application()
    app.add_routes([web.get("/metrics", metrics), web.get("/healthz", healthz)])
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise ConfigError(f"cannot listen on {host}:{port} for /metrics: {exc.strerror}",
                          hint="set http.port to a free port (0 picks one)") from None
    return runner
