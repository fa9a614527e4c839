"""One change feed per API process: a single task reads the outbox after its cursor every `poll_interval` seconds
and hands each public event to the WebSocket subscribers whose filter matches, through each one's bounded queue.
Idle connections therefore cost no database reads; the feed runs only while someone is subscribed.

What is public: only request lifecycle events (`requests.*`), reduced to the fields anyone could read from the
chain or from `GET /v1/requests/{id}`: the request, its kind, step, status, account and asset, and the on-chain
facts of its detail (block, transaction hashes, reject reason). Broker order ids, fills, settlement and lot ids,
custody accounts, error texts, operator identities and KYC events never leave through the stream
(docs/architecture/api.md, "What the stream shows").

What is still there: `rat-relayer purge` trims old published `requests.*` rows and records the highest id it deleted
(`outbox.trimmed_through`). A resume from a cursor below that mark would silently miss events, so it is refused with
`CursorExpired` (410 `cursor-expired`, naming `oldest_cursor`), both before the backfill starts and on every backfill
page, in case a purge runs meanwhile. Cursor 0 asks for whatever is retained and is never refused."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

from relayer.api.problems import ProblemError
from relayer.events import outbox
from relayer.events.catalog import PublicStepDetail
from relayer.store import Store, schema

log = logging.getLogger("relayer.api.feed")

PUBLIC_TOPIC_PREFIX = outbox.REQUEST_TOPIC_PREFIX
PUBLIC_FIELDS = ("request_id", "kind", "step", "status", "account", "asset", "at")
PUBLIC_DETAIL = tuple(PublicStepDetail.model_fields)
PAGE = 500


def public_event(event: outbox.OutboxEvent) -> outbox.OutboxEvent | None:
    """The event as the stream may show it, or None when it is not public at all."""
    if not event.topic.startswith(PUBLIC_TOPIC_PREFIX):
        return None
    detail = event.payload.get("detail") or {}
    payload: dict[str, Any] = {k: event.payload.get(k) for k in PUBLIC_FIELDS}
    payload["detail"] = {k: detail[k] for k in PUBLIC_DETAIL if k in detail}
    return event.model_copy(update={"payload": payload})


@dataclass(eq=False)
class Subscriber:
    """One connection's filter and its bounded queue of events to send. `overflowed` is set when it fell more than
    `queue.maxsize` events behind: the connection is then closed, and the client resumes from its last cursor."""

    queue: asyncio.Queue
    request_ids: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)
    overflowed: asyncio.Event = field(default_factory=asyncio.Event)

    def wants(self, event: outbox.OutboxEvent) -> bool:
        return event.request_id in self.request_ids or event.payload.get("account") in self.accounts

    def offer(self, event: outbox.OutboxEvent) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed.set()


class ChangeFeed:
    def __init__(self, store: Store, poll_interval: float, clock: Callable[[], float] | None = None) -> None:
        self.store, self.poll_interval = store, poll_interval
        self.position = 0
        self._subscribers: set[Subscriber] = set()
        self._task: asyncio.Task | None = None
        self.polls = 0  # reads of the outbox, for tests and the idle benchmark

    def head(self) -> int:
        with self.store.transaction() as conn:
            return conn.execute(select(func.max(schema.outbox.c.id))).scalar() or 0

    def add(self, subscriber: Subscriber) -> int:
        """Registers `subscriber`; returns the cursor after which the feed delivers to it."""
        if self._task is None or self._task.done():
            self.position = self.head()
            self._task = asyncio.create_task(self._run(), name="stream-change-feed")
        self._subscribers.add(subscriber)
        return self.position

    def remove(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    async def _run(self) -> None:
        while self._subscribers:
            try:
                self.poll_once()
            except Exception:  # noqa: BLE001  (a database hiccup must not end the feed of every connection)
                log.exception("stream feed read failed; retrying")
            await asyncio.sleep(self.poll_interval)

    def poll_once(self) -> None:
        while True:
            with self.store.transaction() as conn:
                events, next_cursor = outbox.read_after(conn, self.position, PAGE)
            self.polls += 1
            self.position = next_cursor
            for event in events:
                shown = public_event(event)
                if shown is None:
                    continue
                for subscriber in list(self._subscribers):
                    if subscriber.wants(shown):
                        subscriber.offer(shown)
            if len(events) < PAGE:
                return


class CursorExpired(ProblemError):
    """A resume from a cursor whose later events were partly trimmed by the retention purge: 410 Gone, naming the
    oldest cursor the stream still resumes from without a gap."""

    def __init__(self, cursor: int, oldest: int) -> None:
        super().__init__(
            410, f"cursor {cursor} is older than the retained events: the retention purge (rat-relayer purge) trimmed "
                 f"events up to cursor {oldest}, so a resume from {cursor} would miss some. Re-read the state of the "
                 "requests you follow (GET /v1/requests/{id}, the chain or the indexer), then subscribe again with "
                 f"a cursor of {oldest} or more, or with none to start at the head.",
            "cursor-expired", "Stream cursor no longer available",
            extensions={"cursor": cursor, "oldest_cursor": oldest})
        self.cursor, self.oldest = cursor, oldest


def refuse_trimmed(conn: Connection, cursor: int) -> None:
    """Raises `CursorExpired` when the purge deleted a `requests.*` event after `cursor`."""
    oldest = outbox.trimmed_through(conn)
    if cursor < oldest:
        raise CursorExpired(cursor, oldest)


def check_resume(store: Store, cursor: int) -> None:
    with store.transaction() as conn:
        refuse_trimmed(conn, cursor)


def backfill(store: Store, after: int, until: int, wants: Callable[[outbox.OutboxEvent], bool],
             complete: bool = True) -> tuple[list[outbox.OutboxEvent], int]:
    """One page of public, wanted events in (after, until]; returns them and the cursor reached. With `complete`
    (any resume but from cursor 0) a page that may lack trimmed events raises `CursorExpired`: the mark is read
    after the page, so a purge committed before the page read is always seen."""
    with store.transaction() as conn:
        events, reached = outbox.read_after(conn, after, PAGE)
        if complete:
            refuse_trimmed(conn, after)
    shown = [e for e in (public_event(ev) for ev in events if ev.cursor <= until) if e is not None and wants(e)]
    return shown, min(reached, max(until, after))
