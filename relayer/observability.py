"""JSON-lines logs with trace ids, and Prometheus metrics (one registry per process, no globals).

Every metric the relayer exports is declared here, so the alert rules (ops/prometheus/alerts.yml) and the
dashboards (ops/grafana/) have one place to check names against. Values that describe the state store or the
node (sagas by status, breakers, RPC health, head age) are read when Prometheus scrapes, never accumulated, so
a restart, a second daemon or an operator's CLI action cannot leave them stale."""

from __future__ import annotations

import json
import logging
import math
import re
import sys
import time
import traceback
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# Every saga status the engine writes; each is exported (0 when no saga has it) so alert expressions on one
# status never see a missing series.
SAGA_STATUSES = ("active", "waiting_market", "blocked", "paused", "stuck", "done", "rejected", "closed", "reorged",
                 "orphaned")
STEP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


def failure_kind(failure: BaseException | str) -> str:
    """The one label vocabulary for `relayer_failures_total{kind}` and friends: snake_case, from the exception
    class (`RpcUnavailable` -> `rpc_unavailable`) or a name the caller gives."""
    name = failure if isinstance(failure, str) else type(failure).__name__
    return _CAMEL.sub("_", name).lower()


class JsonFormatter(logging.Formatter):
    """One JSON object per line. An exception becomes fields of that line (`error_type`, `error`, `stack` as a
    list of frames), never a multi-line traceback that a line-based collector (Loki, CloudWatch) splits apart."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if "trace_id" not in entry:
            trace_id = _current_trace_id()
            if trace_id:
                entry["trace_id"] = trace_id
        if record.exc_info and record.exc_info[0] is not None:
            kind, exc, tb = record.exc_info
            entry["error_type"] = kind.__name__
            entry["error"] = str(exc)
            entry["stack"] = [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)]
        return json.dumps(entry, default=str)


def _current_trace_id() -> str | None:
    """The trace id of the active OpenTelemetry span, if a span is recording in this context."""
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for the relayer's loggers and for everything else in the process (uvicorn, asyncio,
    libraries), so no component writes plain text into the stream."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    relayer = logging.getLogger("relayer")
    relayer.handlers[:] = []
    relayer.setLevel(level)
    relayer.propagate = True
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


class Metrics:
    """The daemon's metrics. `bind_*` attach the scrape-time readings of the store, the node and the sender."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.step_seconds = Histogram("relayer_saga_step_seconds", "time to complete a saga step", ["step"],
                                      buckets=STEP_BUCKETS, registry=r)
        self.request_seconds = Histogram(
            "relayer_request_to_fulfilled_seconds", "request event seen to fulfilment receipt", ["kind"],
            buckets=(0.5, 1, 2, 4, 8, 16, 60, 300, 3600), registry=r,
        )
        self.sagas = Gauge("relayer_sagas", "sagas by status, counted in the state store", ["status"], registry=r)
        self.failures = Counter("relayer_failures_total", "failures by kind (snake_case)", ["kind"], registry=r)
        self.signatures = Counter("relayer_signatures_total", "signatures made, by signer role", ["role"],
                                  registry=r)
        self.transactions = Counter("relayer_transactions_total", "sender events", ["event"], registry=r)
        self.breaker_open = Gauge("relayer_circuit_breaker_open", "1 while fulfilments are stopped", ["name"],
                                  registry=r)
        self.last_block = Gauge("relayer_last_processed_block", "block cursor", registry=r)
        self.lag = Gauge("relayer_block_lag", "chain head minus cursor, in blocks; NaN while the node is unreachable",
                         registry=r)
        self.reorgs = Counter("relayer_reorgs_total", "reorganisations detected", registry=r)
        self.leader = Gauge("relayer_is_leader", "1 while this instance holds the work lease", registry=r)
        self.rpc_up = Gauge("relayer_rpc_up", "1 while the node answered the last JSON-RPC call", registry=r)
        self.head_age = Gauge("relayer_chain_head_age_seconds",
                              "now minus the timestamp of the newest block read; grows while the node is "
                              "unreachable or stalled", registry=r)
        self.sender_balance = Gauge("relayer_sender_balance_ether", "native balance of the sender key",
                                    registry=r)
        self.nonce_gap = Gauge("relayer_sender_nonce_gap",
                               "nonces the relayer has taken that the chain has not mined yet", registry=r)
        # Collateral keeper (decision 0102): per watched Morpho Blue market.
        self.collateral_unhealthy = Gauge(
            "relayer_collateral_unhealthy_positions",
            "positions unhealthy at the price a liquidation would see now", ["market"], registry=r)
        self.collateral_overdue = Gauge(
            "relayer_collateral_overdue_positions",
            "positions unhealthy for longer than the grace window with no liquidation", ["market"], registry=r)
        self.collateral_oracle_state = Gauge(
            "relayer_collateral_oracle_state", "1 for the market oracle's current state (OPEN, CLOSED, STALE, "
            "SPLIT_WINDOW)", ["market", "state"], registry=r)
        self.collateral_liquidations = Counter(
            "relayer_collateral_liquidations_total", "the keeper's own liquidations by outcome (submitted, mined, "
            "reverted, refused)", ["market", "outcome"], registry=r)

    def bind_store(self, counts: Callable[[], dict[str, int]], breakers: Callable[[], dict[str, bool]]) -> None:
        self._saga_counts, self._breakers = counts, breakers

    def refresh(self) -> None:
        """Re-reads the store-derived gauges: replaces the saga series wholesale so a status no saga has any more
        drops to 0 instead of keeping its last value."""
        counts = self._saga_counts()
        self.sagas.clear()
        for status in sorted(set(SAGA_STATUSES) | set(counts)):
            self.sagas.labels(status).set(counts.get(status, 0))
        for name, is_open in self._breakers().items():
            self.breaker_open.labels(name).set(1 if is_open else 0)


class OutboxMetrics:
    """The outbox drain's view of the bus (in the process that runs the drain: `rat-relayer api`)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        r = registry
        self.published = Counter("relayer_outbox_published_total", "events acknowledged by JetStream", registry=r)
        self.failures = Counter("relayer_outbox_publish_failures_total", "failed publish passes, by kind",
                                ["kind"], registry=r)
        self.bus_up = Gauge("relayer_bus_up", "1 while the last publish pass reached the bus", registry=r)
        self.backlog = Gauge("relayer_outbox_backlog", "events in the outbox not yet published", registry=r)
        self.oldest = Gauge("relayer_outbox_oldest_unpublished_age_seconds",
                            "age of the oldest event not yet published (0 when none)", registry=r)

    def bind(self, read: Callable[[], tuple[int, float]]) -> None:
        self._read = read

    def refresh(self) -> None:
        count, oldest = self._read()
        self.backlog.set(count)
        self.oldest.set(oldest)


class KycFanoutMetrics:
    """The KYC fan-out's view of every chain's ComplianceRegistry (ADR 0106), set by each drift pass."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.drift = Gauge("relayer_kyc_registry_drift_wallets",
                           "wallets whose KYC record or freeze differs between the chains' registries", registry=registry)
        self.pending = Gauge("relayer_kyc_fanout_pending", "KYC decisions not yet written to a chain's registry",
                             ["chain"], registry=registry)
        self.last_check = Gauge("relayer_kyc_drift_check_timestamp_seconds", "when the last drift pass completed",
                                registry=registry)


class ApiMetrics:
    """The service API's metrics: one series per route template (never the raw path, which holds ids)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("relayer_api_requests_total", "API requests answered", ["method", "route", "status"],
                                registry=r)
        self.seconds = Histogram("relayer_api_request_seconds", "API request duration", ["method", "route"],
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5), registry=r)
        self.errors = Counter("relayer_api_unhandled_errors_total", "requests that ended in an unhandled exception",
                              ["kind"], registry=r)
        self.websockets = Gauge("relayer_api_websocket_connections", "open /v1/stream connections", registry=r)
        self.outbox: OutboxMetrics | None = None
        self.kyc_fanout: KycFanoutMetrics | None = None

    def with_kyc_fanout(self) -> KycFanoutMetrics:
        if self.kyc_fanout is None:
            self.kyc_fanout = KycFanoutMetrics(self.registry)
        return self.kyc_fanout

    def with_outbox(self) -> OutboxMetrics:
        if self.outbox is None:
            self.outbox = OutboxMetrics(self.registry)
        return self.outbox

    def refresh(self) -> None:
        if self.outbox is not None and hasattr(self.outbox, "_read"):
            self.outbox.refresh()


class NodeHealth:
    """What the daemon knows about its node, for the scrape-time gauges and /readyz."""

    def __init__(self) -> None:
        self.head_number: int | None = None
        self.head_timestamp: float | None = None
        self.cursor: int | None = None

    def observe_head(self, number: int, timestamp: float) -> None:
        self.head_number, self.head_timestamp = number, timestamp

    def head_age(self, now: float | None = None) -> float:
        if self.head_timestamp is None:
            return math.nan
        return max(0.0, (time.time() if now is None else now) - self.head_timestamp)

    def lag(self, rpc_up: bool) -> float:
        if not rpc_up or self.head_number is None or self.cursor is None:
            return math.nan  # unknown: a lag of 0 would claim the relayer is caught up with a node it cannot see
        return float(max(0, self.head_number - self.cursor))


class StepTimer:
    def __init__(self, metrics: Metrics, step: str) -> None:
        self.metrics, self.step = metrics, step

    def __enter__(self) -> StepTimer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.metrics.step_seconds.labels(self.step).observe(time.perf_counter() - self.start)


def exported_names(registry: CollectorRegistry) -> set[str]:
    """Every series name a registry exposes, with the suffixes Prometheus sees (`_total`, `_bucket`, ...), whether
    or not a labelled metric has a child yet: what alert rules and dashboards may query."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}
    names = set()
    for family in registry.collect():
        for suffix in suffixes.get(family.type, ("",)):
            names.add(family.name + suffix)
    return names


def all_exported_names() -> set[str]:
    """The names the daemon and the API (with its outbox drain and KYC fan-out) export."""
    api = ApiMetrics()
    api.with_outbox()
    api.with_kyc_fanout()
    return exported_names(Metrics().registry) | exported_names(api.registry)
