"""Drains the outbox to the bus: oldest unpublished first, each marked published only after JetStream acknowledged
it. A crash between the ack and the mark republishes the event (at least once); the `Nats-Msg-Id` header lets
JetStream drop it inside its duplicate window and consumers dedupe on the event id beyond it."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from relayer.events import outbox
from relayer.events.outbox import OutboxEvent
from relayer.store import Store

log = logging.getLogger("relayer.events")
DRAIN_LEASE = "outbox-drain"


class Publisher(Protocol):
    async def publish(self, event: OutboxEvent) -> None: ...

    async def close(self) -> None: ...


class OutboxDrain:
    def __init__(self, store: Store, publisher: Publisher, batch: int = 200) -> None:
        self.store, self.publisher, self.batch = store, publisher, batch
        self.last_error: str | None = None

    async def drain_once(self) -> int:
        """Publishes what it can; returns how many events were acknowledged. Stops at the first failure."""
        with self.store.transaction() as conn:
            events = outbox.unpublished(conn, self.batch)
        done: list[str] = []
        try:
            for event in events:
                await self.publisher.publish(event)
                done.append(event.event_id)
            self.last_error = None
        except Exception as exc:  # noqa: BLE001  (any bus failure: keep the rest for the next pass)
            if self.last_error is None:
                log.warning("event bus unavailable; events stay in the outbox", extra={"error": str(exc)})
            self.last_error = f"{type(exc).__name__}: {exc}"
            await self.publisher.close()
        finally:
            if done:
                with self.store.transaction() as conn:
                    outbox.mark_published(conn, done)
        return len(done)

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


def pending_count(store: Store) -> int:
    from sqlalchemy import func, select

    from relayer.store import schema

    with store.transaction() as conn:
        return conn.execute(select(func.count()).select_from(schema.outbox)
                            .where(schema.outbox.c.published_at.is_(None))).scalar() or 0



