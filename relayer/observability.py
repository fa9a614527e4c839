"""JSON logs with a trace id per request, and Prometheus metrics (one registry per daemon, no globals)."""

from __future__ import annotations

import json
import logging
import sys
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("relayer")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.step_seconds = Histogram("relayer_saga_step_seconds", "time to complete a saga step", ["step"],
                                      registry=r)
        self.request_seconds = Histogram(
            "relayer_request_to_fulfilled_seconds", "request event seen to fulfilment receipt", ["kind"],
            buckets=(0.5, 1, 2, 4, 8, 16, 60, 300, 3600), registry=r,
        )
        self.sagas = Gauge("relayer_sagas", "sagas by status (queue depth)", ["status"], registry=r)
        self.failures = Counter("relayer_failures_total", "failures by kind", ["kind"], registry=r)
        self.signatures = Counter("relayer_signatures_total", "signatures made, by signer role", ["role"],
                                  registry=r)
        self.transactions = Counter("relayer_transactions_total", "sender events", ["event"], registry=r)
        self.breaker_open = Gauge("relayer_circuit_breaker_open", "1 while fulfilments are stopped", ["name"],
                                  registry=r)
        self.last_block = Gauge("relayer_last_processed_block", "block cursor", registry=r)
        self.lag = Gauge("relayer_block_lag", "chain head minus cursor", registry=r)
        self.reorgs = Counter("relayer_reorgs_total", "reorganisations detected", registry=r)
        self.leader = Gauge("relayer_is_leader", "1 while this instance holds the work lease", registry=r)


class StepTimer:
    def __init__(self, metrics: Metrics, step: str) -> None:
        self.metrics, self.step = metrics, step

    def __enter__(self) -> StepTimer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.metrics.step_seconds.labels(self.step).observe(time.perf_counter() - self.start)
