"""The API's own observability: /healthz and /readyz for the load balancer, /metrics on the private operations
port only, one JSON access-log line per
request carrying the trace id that the `traceparent` answer header also carries, and an unhandled exception
answered as a 500 problem and logged as exactly one JSON line."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from relayer.api.app import create_app
from relayer.api.telemetry import metrics_text
from relayer.observability import ApiMetrics, JsonFormatter


class Lines(logging.Handler):
    """Formats records exactly as the process does (JsonFormatter) and keeps the lines."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines():
    handler = Lines()
    logger = logging.getLogger("relayer.api")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(previous)


@pytest.fixture
def metrics() -> ApiMetrics:
    return ApiMetrics()


@pytest.fixture
def api(make_ctx, metrics):
    with TestClient(create_app(make_ctx(), metrics), raise_server_exceptions=False) as c:
        yield c


def test_health_and_readiness_are_served_and_kept_out_of_the_openapi_document(api):
    assert api.get("/healthz").json() == {"alive": True}
    ready = api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True and ready.json()["reasons"] == []
    assert not {"/healthz", "/readyz"} & set(api.get("/v1/openapi.json").json()["paths"])


def test_readiness_is_503_with_the_reason_when_the_store_is_gone(api, store, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def unreachable():
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError())

    monkeypatch.setattr(store, "transaction", unreachable)
    ready = api.get("/readyz")
    assert ready.status_code == 503 and ready.json()["reasons"][0].startswith("state store unreachable")


def test_metrics_are_not_served_on_the_public_port(api):
    assert api.get("/metrics").status_code == 404


def test_requests_are_counted_by_route_template_not_by_raw_path(api, metrics):
    api.get("/v1/requests/0x" + "ab" * 32)
    api.get("/v1/requests/0x" + "cd" * 32)
    families = {f.name: f for f in text_string_to_metric_families(metrics_text(metrics).decode())}
    samples = [s for s in families["relayer_api_requests"].samples if s.name == "relayer_api_requests_total"]
    routes = {(s.labels["route"], s.labels["status"]): s.value for s in samples}
    assert routes[("/v1/requests/{request_id}", "404")] == 2
    assert not any("0xabab" in route for route, _ in routes)


def test_each_request_writes_one_access_line_with_the_trace_id_of_its_traceparent(api, log_lines):
    answer = api.get("/v1/assets")
    access = [json.loads(line) for line in log_lines if json.loads(line)["logger"] == "relayer.api.access"]
    assert len(access) == 1
    line = access[0]
    assert (line["method"], line["route"], line["status"]) == ("GET", "/v1/assets", answer.status_code)
    assert line["trace_id"] == answer.headers["traceparent"].split("-")[1]


def test_an_unhandled_exception_is_a_500_problem_and_one_json_log_line(api, store, log_lines, metrics, monkeypatch):
    def explode(request_id):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(store, "get_saga", explode)
    answer = api.get("/v1/requests/0x" + "ab" * 32)
    assert answer.status_code == 500 and answer.headers["content-type"] == "application/problem+json"
    assert "disk on fire" not in answer.text  # the detail stays in the log
    errors = [json.loads(line) for line in log_lines if json.loads(line)["msg"] == "unhandled error"]
    assert len(errors) == 1 and all("\n" not in line for line in log_lines)
    assert errors[0]["error_type"] == "RuntimeError" and errors[0]["stack"] and errors[0]["trace_id"]
    assert metrics.errors.labels("runtime_error")._value.get() == 1


@pytest.mark.anyio
async def test_the_api_process_reports_a_bus_outage_and_the_outbox_backlog_on_its_metrics_port(store, saga,
                                                                                              tmp_path):
    import asyncio
    import socket

    import httpx

    from relayer.api.server import serve
    from relayer.config import RelayerConfig

    saga()  # one event waiting in the outbox
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        ops_port = s.getsockname()[1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]  # nothing listens here: the bus is down
    role = {"type": "keystore", "path": "unused.json", "passphrase_env": "UNUSED"}
    config = RelayerConfig.model_validate({
        "rpc_url": "http://127.0.0.1:9/", "minter": "0x" + "11" * 20, "database_url": store.engine.url.render_as_string(
            hide_password=False), "assets": {}, "signers": {"sender": role, "brokerage": role, "custody": role},
        "brokerage": {"adapter": "alpaca"}, "custody": {"adapter": "sim-custodian"},
        "http": {"host": "127.0.0.1", "port": ops_port}, "api": {"port": 0},
        "events": {"nats_url": f"nats://127.0.0.1:{dead_port}", "drain_interval": 0.05}})
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(config, stop, ready))
    try:
        await asyncio.wait_for(ready.wait(), 30)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ops_port}") as client:
            for _ in range(100):
                families = {f.name: f for f in text_string_to_metric_families((await client.get("/metrics")).text)}
                failures = sum(s.value for s in families["relayer_outbox_publish_failures"].samples
                               if s.name.endswith("_total"))
                if failures:
                    break
                await asyncio.sleep(0.1)
        value = {s.name: s.value for f in families.values() for s in f.samples}
        assert failures > 0 and value["relayer_bus_up"] == 0
        assert value["relayer_outbox_backlog"] >= 1 and value["relayer_outbox_oldest_unpublished_age_seconds"] >= 0
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
