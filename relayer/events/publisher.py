"""NATS JetStream publishing. Subjects are `rat.<network>.<topic>`; each message carries `Nats-Msg-Id` (the event
id, so JetStream drops a duplicate inside its window), `Rat-Trace-Id`, and the W3C `traceparent` of the publish
span when the drain passes one.

The stream (`RAT_<NETWORK>`, every subject `rat.<network>.>`) is created with a `max_age`, and an existing stream
whose `max_age` differs is updated to it, so a message does not outlive the store's copy of the same data: the
default is the five-year AML period `rat-relayer purge` keeps published `kyc.*` outbox rows (`events.max_age_days`,
at most the stack's AML period; the bus delivers, the store and the chain are the record). One stream for every
subject class: request and operator events need no longer life on the bus than KYC events (the chain and the
analytics mirror keep the request history), and JetStream refuses overlapping subjects, so a split would have to
move every running stream (docs/data/lifecycle.md, "Retention and purge").

The connection is TLS when `events.nats_tls_ca` is set or a URL says `tls://` (relayer/events/bus_tls.py, ADR 0042
1.3.0): the stack's servers refuse anything else."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import ssl
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from relayer.events.bus_tls import bus_tls_context, token_over_tls_only
from relayer.events.outbox import OutboxEvent

if TYPE_CHECKING:
    from nats.aio.client import Client

    from relayer.config import EventsConfig

SUBJECT_TOKEN = re.compile(r"[^A-Za-z0-9_-]")
DAY = 86_400.0
DEFAULT_MAX_AGE_DAYS = 5 * 365  # = RetentionPolicy.aml_record_days, what the purge keeps published kyc.* rows


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


async def connect_bus(url: str, token: str | None, tls: ssl.SSLContext | None, timeout: float,
                      error_cb: Callable[[Exception], Awaitable[None]] = _quiet) -> Client:
    """One connection attempt, no reconnects; over TLS when `tls` is given, and then the token goes out only once
    the connection is encrypted (bus_tls.token_over_tls_only). Shared by the publisher and `rat-relayer doctor`,
    so the doctor checks the connection the drain makes."""
    from nats.aio.client import Client

    nc = Client()
    options: dict[str, Any] = {}
    if tls is not None:
        options["tls"] = tls
    if token:
        options["token"] = token_over_tls_only(token, nc) if tls is not None else token
    await nc.connect(url, connect_timeout=timeout, max_reconnect_attempts=0, allow_reconnect=False,
                     error_cb=error_cb, **options)
    return nc


class JetStreamPublisher:
    def __init__(self, url: str, network: str, stream: str | None = None, duplicate_window: int = 120,
                 connect_timeout: float = 2.0, max_age_days: float = DEFAULT_MAX_AGE_DAYS,
                 token: str | None = None, tls: ssl.SSLContext | None = None) -> None:
        if max_age_days <= 0:
            raise ValueError(f"max_age_days must be positive (got {max_age_days})")
        self.url, self.network = url, network
        self._token = token  # the server's `--auth` token (events.nats_token_env); never logged
        self._tls = tls  # verifies the servers (relayer/events/bus_tls.py); None: a plaintext bus (local runs)
        self.stream = stream or f"RAT_{SUBJECT_TOKEN.sub('_', network).upper()}"
        self.duplicate_window, self.connect_timeout = duplicate_window, connect_timeout
        self.max_age = max_age_days * DAY  # seconds, as nats-py's StreamConfig takes it
        self._nc = None
        self._js = None

    @classmethod
    def from_config(cls, events: EventsConfig, network: str) -> JetStreamPublisher:
        """The publisher `rat-relayer api` drains the outbox to: the configured bus, stream, token and TLS (a
        ConfigError for a missing or unreadable `events.nats_tls_ca`)."""
        if events.nats_url is None:
            raise ValueError("no bus configured (events.nats_url)")
        return cls(events.nats_url, network, events.stream, events.duplicate_window,
                   max_age_days=events.max_age_days, token=events.nats_token,
                   tls=bus_tls_context(events.nats_url, events.nats_tls_ca))

    async def connect(self) -> None:
        from nats.js.api import StreamConfig
        from nats.js.errors import NotFoundError

        # Bounded: nats-py keeps retrying a refused first connection for ever despite allow_reconnect=False, which
        # stalled the drain with no failure counted and no further log line while the bus was down.
        self._nc = await asyncio.wait_for(connect_bus(self.url, self._token, self._tls, self.connect_timeout),
                                          self.connect_timeout * 2)
        self._js = self._nc.jetstream()
        subjects = [subject_for(self.network, ">")]
        try:
            info = await self._js.stream_info(self.stream)
        except NotFoundError:
            await self._js.add_stream(StreamConfig(name=self.stream, subjects=subjects, max_age=self.max_age,
                                                   duplicate_window=float(self.duplicate_window)))
            return
        if info.config.max_age is None or abs(info.config.max_age - self.max_age) > 1e-3:
            await self._js.update_stream(dataclasses.replace(info.config, max_age=self.max_age))

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
