"""`/v1/stream`: a WebSocket pushing the events of the requests (or accounts) a client subscribes to.

Client messages (JSON):
    {"type": "subscribe", "request_ids": ["0x…"], "accounts": ["0x…"], "cursor": 1234}
    {"type": "unsubscribe", "request_ids": [...], "accounts": [...]}
Server messages:
    {"type": "subscribed", "cursor": N}                      after each (un)subscribe
    {"type": "event", "cursor": N, "event": {...}}           one per matching outbox event, in cursor order
    {"type": "heartbeat", "cursor": N}                       every `heartbeat` seconds
    {"type": "error", "problem": {...}}                      then close 1008 (bad message)

Resume: reconnect with the last cursor seen; every event after it is delivered (events are kept in the outbox),
so none is missed; consumers dedupe on `event.id`. Without a cursor the stream starts at the current head."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from eth_utils import is_address, to_checksum_address
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select

from relayer.api.context import ApiContext
from relayer.api.models import RequestId
from relayer.api.problems import TYPE_PREFIX
from relayer.events import outbox
from relayer.store import schema

router = APIRouter()
MAX_SUBSCRIPTIONS = 500


class StreamCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(pattern="^(subscribe|unsubscribe)$")
    request_ids: list[RequestId] = Field(default_factory=list, max_length=MAX_SUBSCRIPTIONS)
    accounts: list[str] = Field(default_factory=list, max_length=50)
    cursor: int | None = Field(default=None, ge=0)


def event_message(event: outbox.OutboxEvent) -> dict[str, Any]:
    return {"type": "event", "cursor": event.cursor, "event": {
        "id": event.event_id, "topic": event.topic, "trace_id": event.trace_id, "request_id": event.request_id,
        "created_at": event.created_at, "payload": event.payload}}


def _head(ctx: ApiContext) -> int:
    with ctx.store.transaction() as conn:
        return conn.execute(select(func.max(schema.outbox.c.id))).scalar() or 0


@router.websocket("/v1/stream")
async def stream(websocket: WebSocket) -> None:
    ctx: ApiContext = websocket.app.state.ctx
    await websocket.accept()
    request_ids: set[str] = set()
    accounts: set[str] = set()
    cursor: int | None = None
    inbox: asyncio.Queue[Any] = asyncio.Queue()

    async def read() -> None:
        try:
            while True:
                await inbox.put(await websocket.receive_json())
        except WebSocketDisconnect:
            await inbox.put(None)
        except ValueError:  # not JSON
            await inbox.put(ValueError("messages must be JSON objects"))

    reader = asyncio.create_task(read())
    last_beat = time.monotonic()
    try:
        while True:
            try:
                message = await asyncio.wait_for(inbox.get(), ctx.config.stream_poll_interval)
            except TimeoutError:
                message = ...
            if message is None:
                return
            if message is not ...:
                try:
                    if isinstance(message, Exception):
                        raise message
                    command = StreamCommand.model_validate(message)
                    bad = [a for a in command.accounts if not is_address(a)]
                    if bad:
                        raise ValueError(f"not addresses: {bad}")
                except (ValidationError, ValueError) as exc:
                    await websocket.send_json({"type": "error", "problem": {
                        "type": TYPE_PREFIX + "invalid-message", "title": "Invalid stream message", "status": 400,
                        "detail": str(exc)[:500]}})
                    await websocket.close(code=1008)
                    return
                ids = {r.lower() for r in command.request_ids}
                accs = {to_checksum_address(a) for a in command.accounts}
                if command.type == "subscribe":
                    request_ids |= ids
                    accounts |= accs
                    if command.cursor is not None and cursor is None:
                        cursor = command.cursor
                else:
                    request_ids -= ids
                    accounts -= accs
                if cursor is None:
                    cursor = _head(ctx)
                await websocket.send_json({"type": "subscribed", "cursor": cursor})
            if cursor is None or not (request_ids or accounts):
                continue
            while True:
                with ctx.store.transaction() as conn:
                    events, next_cursor = outbox.read_after(conn, cursor, 500)
                for event in events:
                    if event.request_id in request_ids or event.payload.get("account") in accounts:
                        await websocket.send_json(event_message(event))
                moved = next_cursor != cursor
                cursor = next_cursor
                if not moved or len(events) < 500:
                    break
            if time.monotonic() - last_beat > 15:
                await websocket.send_json({"type": "heartbeat", "cursor": cursor})
                last_beat = time.monotonic()
    except WebSocketDisconnect:
        return
    finally:
        reader.cancel()
