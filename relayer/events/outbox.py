"""Writing and reading the transactional outbox.

`record` is called inside the transaction of the state change it describes (a saga step, a KYC decision, an
operator action), so an event exists exactly when its change committed. Reading is by cursor (the row id).
PostgreSQL hands out ids before commit, so a later id can commit before an earlier one; `read_after` therefore
stops at a gap in the ids until the gap is older than `settle` seconds (an id whose transaction rolled back never
appears), which keeps a resuming reader from skipping an event that commits late.

`rat-relayer purge` trims old published rows (relayer/store/retention.py) and records, per subject class, the highest
id it deleted (`note_trimmed`, table `outbox_trims`): `trimmed_through` tells a resuming reader whether its cursor
still has every later event of that class."""

from __future__ import annotations

import time
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, and_, bindparam, select, update

from relayer.store import schema

REQUEST_TOPIC_PREFIX = "requests."
# The WebSocket stream's replay window: a client resuming from a cursor this recent gets every event after it.
# `rat-relayer purge` never trims published `requests.*` rows younger than this (RetentionPolicy.request_event_days).
STREAM_REPLAY_DAYS = 30
# Subject classes the purge trims, each with a row in `outbox_trims` (seeded by migration 8): `<subject>.*` topics.
REQUESTS_SUBJECT = "requests"
TRIMMED_SUBJECTS = (REQUESTS_SUBJECT, "kyc")


class OutboxEvent(BaseModel):
    """One event as stored, streamed over the WebSocket and published on the bus."""

    model_config = ConfigDict(frozen=True)

    cursor: int
    event_id: str
    topic: str
    trace_id: str
    request_id: str | None
    payload: dict[str, Any]
    created_at: float
    published_at: float | None = None


_INSERT = schema.outbox.insert()  # built once: constructing statements per call was a hot spot under load
_SAGA_ROW = select(schema.sagas.c.kind, schema.sagas.c.trace_id, schema.sagas.c.payload).where(
    schema.sagas.c.request_id == bindparam("rid"))


def record(
    conn: Connection,
    topic: str,
    payload: dict[str, Any],
    trace_id: str,
    request_id: str | None = None,
    at: float | None = None,
) -> str:
    """Appends an event in the caller's transaction; returns its id (what consumers dedupe on)."""
    event_id = str(uuid.uuid4())
    conn.execute(_INSERT, {
        "event_id": event_id, "topic": topic, "trace_id": trace_id or uuid.uuid4().hex, "request_id": request_id,
        "payload": payload, "created_at": time.time() if at is None else at,
    })
    return event_id


def record_saga_step(
    conn: Connection, request_id: str, step: str, status: str, detail: dict[str, Any] | None = None,
    at: float | None = None,
    saga_row: tuple[str, str, dict[str, Any]] | None = None,
) -> str:
    """The event for one saga transition: topic `requests.<step>`; kind and trace id come from the saga row
    (read here unless the caller, which often has just read it, passes `saga_row` = (kind, trace_id, payload))."""
    if saga_row is None:
        row = conn.execute(_SAGA_ROW, {"rid": request_id}).first()
        saga_row = (row.kind, row.trace_id, row.payload) if row else ("unknown", "", {})
    kind, trace_id, saga_payload = saga_row
    at = time.time() if at is None else at
    payload = {
        "request_id": request_id,
        "kind": kind,
        "step": step,
        "status": status,
        "account": saga_payload.get("account"),
        "asset": saga_payload.get("asset"),
        "at": at,
        "detail": {k: v for k, v in (detail or {}).items() if k != "signatures"},
    }
    return record(conn, REQUEST_TOPIC_PREFIX + step, payload, trace_id, request_id, at)


def _event(row: Any) -> OutboxEvent:
    return OutboxEvent(
        cursor=row.id, event_id=row.event_id, topic=row.topic, trace_id=row.trace_id, request_id=row.request_id,
        payload=row.payload, created_at=row.created_at, published_at=row.published_at,
    )


def read_after(
    conn: Connection,
    cursor: int,
    limit: int = 500,
    request_ids: set[str] | None = None,
    settle: float = 5.0,
    now: float | None = None,
) -> tuple[list[OutboxEvent], int]:
    """Events after `cursor` (optionally only those of `request_ids`) and the cursor to resume from.

    The returned cursor only moves past ids that are safe to skip: contiguous ones, or gaps older than `settle`."""
    now = time.time() if now is None else now
    rows = conn.execute(
        select(schema.outbox).where(schema.outbox.c.id > cursor).order_by(schema.outbox.c.id).limit(limit)
    ).all()
    events, last = [], cursor
    for row in rows:
        if row.id != last + 1 and now - row.created_at < settle:
            break  # an earlier id may still commit
        last = row.id
        if request_ids is None or row.request_id in request_ids:
            events.append(_event(row))
    return events, last


def unpublished(conn: Connection, limit: int = 200) -> list[OutboxEvent]:
    rows = conn.execute(
        select(schema.outbox).where(schema.outbox.c.published_at.is_(None)).order_by(schema.outbox.c.id).limit(limit)
    ).all()
    return [_event(r) for r in rows]


def mark_published(conn: Connection, event_ids: list[str], at: float | None = None) -> None:
    if event_ids:
        conn.execute(
            update(schema.outbox)
            .where(and_(schema.outbox.c.event_id.in_(event_ids), schema.outbox.c.published_at.is_(None)))
            .values(published_at=time.time() if at is None else at)
        )


def for_request(conn: Connection, request_id: str) -> list[OutboxEvent]:
    rows = conn.execute(
        select(schema.outbox).where(schema.outbox.c.request_id == request_id).order_by(schema.outbox.c.id)
    ).all()
    return [_event(r) for r in rows]


def trimmed_through(conn: Connection, subject: str = REQUESTS_SUBJECT) -> int:
    """The highest id the purge deleted among `subject`'s rows (0: none yet). A cursor at or above it has every
    later event of the class; one below it may have lost some."""
    return conn.execute(select(schema.outbox_trims.c.trimmed_through).where(
        schema.outbox_trims.c.subject == subject)).scalar() or 0


def note_trimmed(conn: Connection, subject: str, through: int, at: float) -> None:
    """Raises `subject`'s mark to `through`, in the transaction of the delete; never lowers it."""
    if subject not in TRIMMED_SUBJECTS:
        raise ValueError(f"no trim mark for {subject!r}; expected one of {', '.join(TRIMMED_SUBJECTS)}")
    t = schema.outbox_trims
    conn.execute(update(t).where(and_(t.c.subject == subject, t.c.trimmed_through < through))
                 .values(trimmed_through=through, trimmed_at=at))
