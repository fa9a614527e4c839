"""`/v1/stream`: a WebSocket pushing the public events of the requests (or accounts) a client subscribes to.

Client messages (JSON text frames, at most 4 KiB, nested at most 4 levels, at most 20 per 10 s):
    {"type": "subscribe", "request_ids": ["0x…"], "accounts": ["0x…"], "cursor": 1234}
    {"type": "unsubscribe", "request_ids": [...], "accounts": [...]}
Server messages:
    {"type": "subscribed", "cursor": N}                      after each (un)subscribe
    {"type": "event", "cursor": N, "event": {...}}           one per matching public event, in cursor order
    {"type": "heartbeat", "cursor": N}                       every 30 s while subscribed
    {"type": "error", "problem": {...}}                      then close: 1003 binary frame, 1009 frame too big,
                                                             1008 any other bad message or too many messages,
                                                             4410 cursor expired (below)
A client more than 1,000 events behind is closed with 1013; it reconnects and resumes from its last cursor.

Resume: reconnect with the last cursor seen; every event after it is delivered, so none is missed; consumers dedupe
on `event.id`. `rat-relayer purge` trims published `requests.*` rows after `--request-event-days` (365 by default,
never inside the 30-day replay window, `outbox.STREAM_REPLAY_DAYS`) and records the highest id it deleted. A
resume from a cursor below that mark is refused, never served with a gap: an `error` message whose problem is
410 `urn:rat:problem:cursor-expired` with `oldest_cursor`, then close 4410 (also mid-backfill, should a purge run
meanwhile). The client re-reads the state of its requests (GET /v1/requests/{id}, the chain or the indexer) and
subscribes again from `oldest_cursor` or later. A cursor at or above the mark is served in full.
Without a cursor the stream starts at the current head; cursor 0 replays whatever is still retained.
Events come from the process's one change feed (relayer/api/feed.py), which also decides what is public."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from eth_utils import is_address, to_checksum_address
from fastapi import APIRouter, WebSocket
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.websockets import WebSocketDisconnect, WebSocketState

from relayer.api import jsonlimits
from relayer.api.context import ApiContext
from relayer.api.feed import CursorExpired, Subscriber, backfill, check_resume
from relayer.api.models import RequestId
from relayer.api.problems import TYPE_PREFIX
from relayer.events import outbox

router = APIRouter()
MAX_SUBSCRIPTIONS = 500
MAX_FRAME_BYTES = 4096
MAX_DEPTH = 4
MAX_MESSAGES, MESSAGE_WINDOW = 20, 10.0
QUEUE_LIMIT = 1000
HEARTBEAT_SECONDS = 30.0  # idle cost: one send per connection per interval (bench/api_stream.py)
MAX_CURSOR = 2**63 - 1
CURSOR_EXPIRED_CLOSE = 4410  # private-use close code (RFC 6455 §7.4.2): 4000 + HTTP 410 Gone


class StreamCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(pattern="^(subscribe|unsubscribe)$")
    request_ids: list[RequestId] = Field(default_factory=list, max_length=MAX_SUBSCRIPTIONS)
    accounts: list[str] = Field(default_factory=list, max_length=50)
    cursor: int | None = Field(default=None, ge=0, le=MAX_CURSOR)


def event_message(event: outbox.OutboxEvent) -> dict[str, Any]:
    return {"type": "event", "cursor": event.cursor, "event": {
        "id": event.event_id, "topic": event.topic, "trace_id": event.trace_id, "request_id": event.request_id,
        "created_at": event.created_at, "payload": event.payload}}


class BadMessage(Exception):
    def __init__(self, detail: str, code: int = 1008) -> None:
        super().__init__(detail)
        self.detail, self.code = detail, code


def _problem(detail: str) -> dict[str, Any]:
    return {"type": "error", "problem": {"type": TYPE_PREFIX + "invalid-message", "title": "Invalid stream message",
                                         "status": 400, "detail": detail[:500]}}


def expired_message(exc: CursorExpired) -> dict[str, Any]:
    """The `error` message of a refused resume: the same problem document an HTTP endpoint would answer with."""
    return {"type": "error", "problem": exc.document(instance="/v1/stream")}


class StreamSession:
    """One connection: this task reads and applies commands; a writer task sends, from one bounded queue."""

    def __init__(self, ctx: ApiContext, websocket: WebSocket) -> None:
        self.ctx, self.websocket = ctx, websocket
        self.subscriber = Subscriber(queue=asyncio.Queue(QUEUE_LIMIT))
        self.registered = False
        self.cursor = 0  # last cursor delivered (or skipped as not wanted)
        self.complete = True  # refuse a backfill page the purge may have thinned (False: replay from cursor 0)
        self.sent: list[float] = []

    def _parse(self, message: dict[str, Any]) -> StreamCommand:
        if message.get("bytes") is not None:
            raise BadMessage("binary frames are not accepted; send JSON text", 1003)
        text = message.get("text") or ""
        if len(text.encode()) > MAX_FRAME_BYTES:
            raise BadMessage(f"messages are limited to {MAX_FRAME_BYTES} bytes", 1009)
        now = time.monotonic()
        self.sent = [t for t in self.sent if now - t < MESSAGE_WINDOW] + [now]
        if len(self.sent) > MAX_MESSAGES:
            raise BadMessage(f"more than {MAX_MESSAGES} messages in {MESSAGE_WINDOW:.0f} s")
        try:
            document = jsonlimits.loads(text, MAX_DEPTH)
            command = StreamCommand.model_validate(document)
        except (jsonlimits.JsonRefused, ValidationError) as exc:
            raise BadMessage(str(exc)) from None
        bad = [a for a in command.accounts if not is_address(a)]
        if bad:
            raise BadMessage(f"not addresses: {bad[:5]}")
        return command

    def _apply(self, command: StreamCommand) -> None:
        ids = {r.lower() for r in command.request_ids}
        accounts = {to_checksum_address(a) for a in command.accounts}
        sub = self.subscriber
        if command.type == "subscribe":
            sub.request_ids |= ids
            sub.accounts |= accounts
        else:
            sub.request_ids -= ids
            sub.accounts -= accounts
        backfill_until = None
        if not self.registered:
            self.registered = True
            live_from = self.ctx.feed.add(sub)
            wanted = command.cursor if command.type == "subscribe" else None
            self.cursor = live_from if wanted is None else wanted
            self.complete = wanted != 0
            if wanted is not None and wanted < live_from:
                backfill_until = live_from
        # Same synchronous step as the registration: nothing from the feed can be queued before these two.
        self._enqueue({"type": "subscribed", "cursor": self.cursor})
        if backfill_until is not None:
            self.subscriber.queue.put_nowait(("backfill", backfill_until))

    def _enqueue(self, message: dict[str, Any]) -> None:
        try:
            self.subscriber.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.subscriber.overflowed.set()

    async def _writer(self) -> None:
        queue = self.subscriber.queue
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                if self.registered:
                    await self.websocket.send_json({"type": "heartbeat", "cursor": self.cursor})
                continue
            if isinstance(item, dict):
                await self.websocket.send_json(item)
            elif isinstance(item, tuple):  # ("backfill", live_from): the history the live feed does not cover
                try:
                    await self._backfill(item[1])
                except CursorExpired as exc:  # a purge trimmed past the cursor while the backfill ran
                    await self._refuse(exc)
                    return
            elif item.cursor > self.cursor:
                await self.websocket.send_json(event_message(item))
                self.cursor = item.cursor

    async def _backfill(self, until: int) -> None:
        while self.cursor < until:
            events, reached = await asyncio.to_thread(backfill, self.ctx.store, self.cursor, until,
                                                      self.subscriber.wants, self.complete)
            for event in events:
                await self.websocket.send_json(event_message(event))
            if reached == self.cursor:
                await asyncio.sleep(self.ctx.config.stream_poll_interval)  # an id gap that has not settled yet
            self.cursor = reached

    async def run(self) -> None:
        writer = asyncio.create_task(self._writer())
        overflow = asyncio.create_task(self.subscriber.overflowed.wait())
        try:
            while True:
                receive = asyncio.create_task(self.websocket.receive())
                done, _ = await asyncio.wait({receive, writer, overflow}, return_when=asyncio.FIRST_COMPLETED)
                if receive not in done:
                    receive.cancel()
                    if overflow in done:
                        await self._close(1013, "too far behind; reconnect and resume from your last cursor")
                    return
                message = receive.result()
                if message["type"] == "websocket.disconnect":
                    return
                try:
                    command = self._parse(message)
                    if command.type == "subscribe" and command.cursor and not self.registered:
                        await asyncio.to_thread(check_resume, self.ctx.store, command.cursor)
                    self._apply(command)
                except BadMessage as exc:
                    await self.websocket.send_json(_problem(exc.detail))
                    await self._close(exc.code, exc.detail[:100])
                    return
                except CursorExpired as exc:  # before registering: nothing is queued, the writer is idle
                    await self._refuse(exc)
                    return
        except WebSocketDisconnect:
            return
        finally:
            self.ctx.feed.remove(self.subscriber)
            for task in (writer, overflow):
                task.cancel()
            if writer.done() and not writer.cancelled():
                writer.exception()  # the client went away mid-send: nothing to report

    async def _refuse(self, exc: CursorExpired) -> None:
        await self.websocket.send_json(expired_message(exc))
        await self._close(CURSOR_EXPIRED_CLOSE, f"cursor expired; resume from {exc.oldest} after a re-sync")

    async def _close(self, code: int, reason: str) -> None:
        if self.websocket.application_state == WebSocketState.CONNECTED:
            await self.websocket.close(code=code, reason=reason)


@router.websocket("/v1/stream")
async def stream(websocket: WebSocket) -> None:
    """Subscribe to request ids or accounts and receive their public events in cursor order (messages above). A
    `subscribe` cursor below what `rat-relayer purge` trimmed is refused: an `error` message with the 410
    `cursor-expired` problem naming `oldest_cursor`, then close 4410; cursor 0 replays whatever is retained."""
    await websocket.accept()
    await StreamSession(websocket.app.state.ctx, websocket).run()
