"""OpenTelemetry traces: one trace per Minter request, from the chain event through every saga step to the
transaction and the NATS message, plus one span per API request.

A saga's trace id is the `trace_id` stored with it (32 hex digits, written to every log line and outbox event), and
its root span id is derived from that trace id. So every process that touches the request later (the daemon after a
restart or failover, the API's outbox drain) parents its spans on the same root without passing span ids around.

One `Tracing` per process, never the global provider (no global state; tests build their own with an in-memory
exporter). Export is off unless an OTLP endpoint is configured; spans are still created, so log lines and the
`traceparent` header on bus messages carry ids either way."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags

ROOT_SPAN = "relayer.request"


def root_span_id(trace_id: int) -> int:
    """The request's root span id: the low 64 bits of its trace id (never 0, which OpenTelemetry reserves)."""
    return (trace_id & 0xFFFFFFFFFFFFFFFF) or 1


def trace_id_of(hex_id: str) -> int | None:
    try:
        value = int(hex_id, 16)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**128 else None


class _RequestIds(RandomIdGenerator):
    """Random ids, except while `forced` is set: then the next span gets exactly that trace and span id (the
    request's root span)."""

    def __init__(self) -> None:
        self.forced: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar("forced", default=None)

    def generate_trace_id(self) -> int:
        forced = self.forced.get()
        return forced[0] if forced else super().generate_trace_id()

    def generate_span_id(self) -> int:
        forced = self.forced.get()
        return forced[1] if forced else super().generate_span_id()


class Tracing:
    def __init__(self, service: str, otlp_endpoint: str | None = None, exporter: SpanExporter | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self._ids = _RequestIds()
        self.provider = TracerProvider(resource=Resource.create({"service.name": service}), id_generator=self._ids)
        if exporter is not None:
            self.provider.add_span_processor(SimpleSpanProcessor(exporter))
        if otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            self.provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint,
                                                                                 headers=headers)))
        self.tracer = self.provider.get_tracer("relayer")

    def shutdown(self) -> None:
        self.provider.shutdown()

    def new_trace_id(self) -> str:
        return format(self._ids.generate_trace_id(), "032x")

    def request_context(self, trace_id: str) -> Context | None:
        """The context whose parent is the request's root span; None (a fresh trace) for an unusable id."""
        tid = trace_id_of(trace_id)
        if tid is None:
            return None
        root = SpanContext(tid, root_span_id(tid), is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED))
        return trace.set_span_in_context(NonRecordingSpan(root))

    def record_request(self, trace_id: str, attributes: dict[str, Any]) -> None:
        """The root span of a request, recorded when the chain event is taken in."""
        tid = trace_id_of(trace_id)
        if tid is None:
            return
        token = self._ids.forced.set((tid, root_span_id(tid)))
        try:
            span = self.tracer.start_span(ROOT_SPAN, context=Context(), kind=SpanKind.CONSUMER,
                                          attributes=_clean(attributes))
        finally:
            self._ids.forced.reset(token)
        span.end()

    @contextmanager
    def request_span(self, name: str, trace_id: str, kind: SpanKind = SpanKind.INTERNAL,
                     **attributes: Any) -> Iterator[trace.Span]:
        """A span under the request's root, made current (child spans and log lines pick it up)."""
        with self.tracer.start_as_current_span(name, context=self.request_context(trace_id), kind=kind,
                                               attributes=_clean(attributes), record_exception=False,
                                               set_status_on_exception=False) as span:
            yield span

    @contextmanager
    def span(self, name: str, kind: SpanKind = SpanKind.INTERNAL, **attributes: Any) -> Iterator[trace.Span]:
        """A span under whatever span is current."""
        with self.tracer.start_as_current_span(name, kind=kind, attributes=_clean(attributes),
                                               record_exception=False, set_status_on_exception=False) as span:
            yield span


def mark_failed(span: trace.Span, exc: BaseException) -> None:
    span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
    span.set_attribute("error.type", type(exc).__name__)


def propagation_headers() -> dict[str, str]:
    """W3C `traceparent` (and `tracestate`) for the current span, for a bus message or an outgoing call."""
    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return carrier


def _clean(attributes: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, (str, bool, int, float)) else str(v) for k, v in attributes.items()
            if v is not None}
