"""Drains the outbox to the bus: oldest unpublished first, each marked published only after JetStream acknowledged
it. A crash between the ack and the mark republishes the event (at least once); the `Nats-Msg-Id` header lets
JetStream drop it inside its duplicate window and consumers dedupe on the event id beyond it.

Each publish is a span under the request's trace (its `traceparent` travels in the message headers), and the
drain reports to `OutboxMetrics`: published and failed counts, whether the bus is up, and the backlog."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from opentelemetry.trace import SpanKind
from sqlalchemy import func, select

from relayer.events import outbox
from relayer.events.outbox import OutboxEvent
from relayer.observability import OutboxMetrics, failure_kind
from relayer.store import Store, schema
from relayer.tracing import Tracing, mark_failed, propagation_headers

log = logging.getLogger("relayer.events")
DRAIN_LEASE = "outbox-drain"


class Publisher(Protocol):
    async def publish(self, event: OutboxEvent, headers: dict[str, str] | None = None) -> None: ...

    async def close(self) -> None: ...


class OutboxDrain:
    def __init__(self, store: Store, publisher: Publisher, batch: int = 200, tracing: Tracing | None = None,
                 metrics: OutboxMetrics | None = None) -> None:
        self.store, self.publisher, self.batch = store, publisher, batch
        self.tracing = tracing or Tracing("rat-api")
        self.metrics = metrics
        self.last_error: str | None = None
        if metrics is not None:
            metrics.bind(lambda: backlog(store))

    async def drain_once(self) -> int:
        """Publishes what it can; returns how many events were acknowledged. Stops at the first failure."""
        with self.store.transaction() as conn:
            events = outbox.unpublished(conn, self.batch)
        done: list[str] = []
        try:
            for event in events:
                await self._publish(event)
                done.append(event.event_id)
            self.last_error = None
            self._report(up=True)
        except Exception as exc:  # noqa: BLE001  (any bus failure: keep the rest for the next pass)
            if self.last_error is None:
                log.warning("event bus unavailable; events stay in the outbox", extra={"error": str(exc)})
            self.last_error = f"{type(exc).__name__}: {exc}"
            self._report(up=False, failure=exc)
            await self.publisher.close()
        finally:
            if done:
                with self.store.transaction() as conn:
                    outbox.mark_published(conn, done)
                if self.metrics is not None:
                    self.metrics.published.inc(len(done))
        return len(done)

    async def _publish(self, event: OutboxEvent) -> None:
        with self.tracing.request_span(f"outbox.publish {event.topic}", event.trace_id, SpanKind.PRODUCER,
                                       **{"messaging.system": "nats", "messaging.destination.name": event.topic,
                                          "messaging.message.id": event.event_id,
                                          "rat.request_id": event.request_id}) as span:
            try:
                await self.publisher.publish(event, propagation_headers())
            except Exception as exc:
                mark_failed(span, exc)
                raise

    def _report(self, up: bool, failure: Exception | None = None) -> None:
        if self.metrics is None:
            return
        self.metrics.bus_up.set(1 if up else 0)
        if failure is not None:
            self.metrics.failures.labels(failure_kind(failure)).inc()

    async def run(self, stop: asyncio.Event, owner: str, interval: float = 0.2, lease_ttl: float = 10.0) -> None:
        """Drains while holding the drain lease (one drainer per store); backs off while the bus is down."""
        delay = interval
        while not stop.is_set():
            if self.store.acquire_lease(DRAIN_LEASE, owner, lease_ttl):
                published = await self.drain_once()
                delay = interval if self.last_error is None else min(delay * 2, 5.0)
                if published == self.batch:
                    continue
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except TimeoutError:
                pass
        self.store.release_lease(DRAIN_LEASE, owner)
        await self.publisher.close()


def backlog(store: Store, now: float | None = None) -> tuple[int, float]:
    """Unpublished events and the age in seconds of the oldest (0 when none)."""
    with store.transaction() as conn:
        count, oldest = conn.execute(select(func.count(), func.min(schema.outbox.c.created_at))
                                     .where(schema.outbox.c.published_at.is_(None))).one()
    return count or 0, max(0.0, (time.time() if now is None else now) - oldest) if oldest is not None else 0.0


def pending_count(store: Store) -> int:
    return backlog(store)[0]
