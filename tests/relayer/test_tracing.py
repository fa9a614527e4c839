"""OpenTelemetry traces follow one request: the chain event (root span), every saga step under it, the fulfilment
transaction under the submit step, and each NATS message under the root with its `traceparent` header. Spans are
collected by the SDK's in-memory exporter."""

from __future__ import annotations

import pytest
from e2e import drive_until, finished, saga_of, started
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from rat.minting import request_mint
from relayer.events.drain import OutboxDrain
from relayer.tracing import ROOT_SPAN, Tracing

pytestmark = pytest.mark.anyio

USDC = 10**6
STEPS = ["saga.validate", "saga.place_order", "saga.await_fill", "saga.confirm_custody", "saga.sign", "saga.submit",
         "saga.await_receipt"]


class RecordingPublisher:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str]]] = []

    async def publish(self, event, headers=None) -> None:
        self.sent.append((event.topic, dict(headers or {})))

    async def close(self) -> None:
        pass


async def test_one_request_is_one_trace_from_the_chain_event_through_each_step_to_the_tx_and_the_bus(
        relayer_config, deployment, alice, token, chain):
    exporter = InMemorySpanExporter()
    from relayer.config import RelayerConfig
    from relayer.daemon import Daemon

    daemon = Daemon(RelayerConfig.load(relayer_config), tracing=Tracing("rat-relayer", exporter=exporter))
    await daemon.start()
    try:
        ms, usdc = deployment
        rid = request_mint(ms, alice, token, usdc, 1_000 * USDC, 200 * USDC, chain.pending_timestamp + 3600)
        await drive_until(daemon, finished(daemon, rid))
        saga = saga_of(daemon, rid)
        publisher = RecordingPublisher()
        # The API process drains the outbox with a tracer of its own: the trace continues there from the stored id.
        await OutboxDrain(daemon.store, publisher, tracing=Tracing("rat-api", exporter=exporter)).drain_once()
    finally:
        await daemon.stop()

    trace_id = int(saga.trace_id, 16)
    spans = [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]
    [root] = [s for s in spans if s.name == ROOT_SPAN]
    assert root.parent is None and root.attributes["rat.request_id"] == saga.request_id
    children = [s for s in spans if s.parent is not None and s.parent.span_id == root.context.span_id]
    step_names = [s.name for s in sorted(children, key=lambda s: s.start_time) if s.name.startswith("saga.")]
    assert [name for i, name in enumerate(step_names) if i == 0 or step_names[i - 1] != name] == STEPS

    [submit] = [s for s in children if s.name == "saga.submit"]
    [tx] = [s for s in spans if s.name == "tx.submit"]
    assert tx.parent.span_id == submit.context.span_id
    assert tx.attributes["rat.tx_hash"] == saga.payload["fulfil_tx"]

    published = [s for s in children if s.name.startswith("outbox.publish requests.")]
    assert {s.attributes["messaging.destination.name"] for s in published} >= {"requests.received", "requests.done"}
    assert all(s.resource.attributes["service.name"] == "rat-api" for s in published)
    for topic, headers in publisher.sent:
        if topic.startswith("requests."):
            version, trace, span, flags = headers["traceparent"].split("-")
            assert trace == saga.trace_id
            assert int(span, 16) in {s.context.span_id for s in published}
