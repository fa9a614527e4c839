"""NATS JetStream publishing. Subjects are `rat.<network>.<topic>`; each message carries `Nats-Msg-Id` (the event
id, so JetStream drops a duplicate inside its window), `Rat-Trace-Id`, and the W3C `traceparent` of the publish
span when the drain passes one."""

from __future__ import annotations

import asyncio
import json
import re

from relayer.events.outbox import OutboxEvent

SUBJECT_TOKEN = re.compile(r"[^A-Za-z0-9_-]")


def subject_for(network: str, topic: str) -> str:
    return f"rat.{SUBJECT_TOKEN.sub('_', network)}.{topic}"


def message_body(event: OutboxEvent) -> bytes:
    """The published envelope (described in docs/api/asyncapi.yaml)."""
    return json.dumps({"id": event.event_id, "topic": event.topic, "trace_id": event.trace_id,
                       "request_id": event.request_id, "created_at": event.created_at, "payload": event.payload},
                      separators=(",", ":"), sort_keys=True).encode()


async def _quiet(_: Exception) -> None:
    """nats-py's default error callback logs a traceback per failed attempt; the drain reports failures itself
    (one log line when the bus goes down, relayer_outbox_publish_failures_total for every failed pass)."""


class JetStreamPublisher:
    def __init__(self, url: str, network: str, stream: str | None = None, duplicate_window: int = 120,
                 connect_timeout: float = 2.0) -> None:
        self.url, self.network = url, network
        self.stream = stream or f"RAT_{SUBJECT_TOKEN.sub('_', network).upper()}"
        self.duplicate_window, self.connect_timeout = duplicate_window, connect_timeout
        self._nc = None
        self._js = None

    async def connect(self) -> None:
        import nats
        from nats.js.api import StreamConfig
        from nats.js.errors import NotFoundError

        # Bounded: nats-py keeps retrying a refused first connection for ever despite allow_reconnect=False, which
        # stalled the drain with no failure counted and no further log line while the bus was down.
        self._nc = await asyncio.wait_for(
            nats.connect(self.url, connect_timeout=self.connect_timeout, max_reconnect_attempts=0,
                         allow_reconnect=False, error_cb=_quiet),
            self.connect_timeout * 2)
        self._js = self._nc.jetstream()
        subjects = [subject_for(self.network, ">")]
        try:
            await self._js.stream_info(self.stream)
        except NotFoundError:
            await self._js.add_stream(StreamConfig(name=self.stream, subjects=subjects,
                                                   duplicate_window=float(self.duplicate_window)))

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    async def publish(self, event: OutboxEvent, headers: dict[str, str] | None = None) -> None:
        if not self.connected:
            await self.close()
            await self.connect()
        await self._js.publish(subject_for(self.network, event.topic), message_body(event), timeout=2.0,
                               headers={**(headers or {}), "Nats-Msg-Id": event.event_id,
                                        "Rat-Trace-Id": event.trace_id})

    async def close(self) -> None:
        if self._nc is not None:
            try:
                await self._nc.close()
            except Exception:  # noqa: BLE001, S110  (closing a dead connection may raise; it is gone anyway)
                pass
        self._nc = self._js = None
