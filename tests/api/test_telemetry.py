"""The API's own observability: /healthz, /readyz and /metrics for the platform, one JSON access-log line per
request carrying the trace id that the `traceparent` answer header also carries, and an unhandled exception
answered as a 500 problem and logged as exactly one JSON line."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from relayer.api.app import create_app
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
    assert not {"/healthz", "/readyz", "/metrics"} & set(api.get("/v1/openapi.json").json()["paths"])


def test_readiness_is_503_with_the_reason_when_the_store_is_gone(api, store, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def unreachable():
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError())

    monkeypatch.setattr(store, "transaction", unreachable)
    ready = api.get("/readyz")
    assert ready.status_code == 503 and ready.json()["reasons"][0].startswith("state store unreachable")


def test_requests_are_counted_by_route_template_not_by_raw_path(api):
    api.get("/v1/requests/0x" + "ab" * 32)
    api.get("/v1/requests/0x" + "cd" * 32)
    families = {f.name: f for f in text_string_to_metric_families(api.get("/metrics").text)}
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
