"""The daemon's metrics say what is true now: saga counts replaced from the store on every scrape (a status that
emptied reads 0, not its last value), one snake_case failure vocabulary, lag unknown (NaN) rather than 0 while the
node cannot be reached, and exceptions logged as one JSON line."""

from __future__ import annotations

import json
import logging
import math
import sys

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from relayer.errors import AdapterError, RpcUnavailable
from relayer.observability import SAGA_STATUSES, JsonFormatter, Metrics, NodeHealth, failure_kind


def sagas_by_status(metrics: Metrics) -> dict[str, float]:
    families = {f.name: f for f in text_string_to_metric_families(generate_latest(metrics.registry).decode())}
    return {s.labels["status"]: s.value for s in families["relayer_sagas"].samples}


def test_saga_counts_come_from_the_store_and_a_status_that_emptied_reads_zero():
    counts = {"active": 3, "done": 1}
    metrics = Metrics()
    metrics.bind_store(lambda: dict(counts), lambda: {"custody": False})
    metrics.refresh()
    assert sagas_by_status(metrics)["active"] == 3
    counts.clear()
    counts["done"] = 4
    metrics.refresh()
    by_status = sagas_by_status(metrics)
    assert by_status["active"] == 0 and by_status["done"] == 4
    assert set(by_status) == set(SAGA_STATUSES)


def test_the_breaker_gauge_follows_the_store_after_an_operator_reset():
    state = {"custody": True}
    metrics = Metrics()
    metrics.bind_store(dict, lambda: dict(state))
    metrics.refresh()
    assert metrics.breaker_open.labels("custody")._value.get() == 1
    state["custody"] = False  # `rat-relayer breaker reset` in another process
    metrics.refresh()
    assert metrics.breaker_open.labels("custody")._value.get() == 0


def test_failure_kinds_are_snake_case_whatever_raised_them():
    assert failure_kind(RpcUnavailable("down")) == "rpc_unavailable"
    assert failure_kind(AdapterError("x", retryable=True)) == "adapter_error"
    assert failure_kind("rpc_unavailable") == "rpc_unavailable"
    assert failure_kind("ClientOrderIdConflict") == "client_order_id_conflict"


def test_block_lag_is_unknown_not_zero_while_the_node_is_unreachable():
    node = NodeHealth()
    node.observe_head(120, 1_000.0)
    node.cursor = 120
    assert node.lag(rpc_up=True) == 0
    assert math.isnan(node.lag(rpc_up=False))
    assert node.head_age(now=1_090.0) == 90.0


def test_an_exception_is_logged_as_one_json_line_with_its_type_and_frames():
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = logging.LogRecord("relayer.saga", logging.ERROR, __file__, 1, "saga task failed", (),
                                   sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["error_type"] == "ValueError" and entry["error"] == "bad\nvalue"
    assert entry["stack"][-1].endswith("in test_an_exception_is_logged_as_one_json_line_with_its_type_and_frames")
