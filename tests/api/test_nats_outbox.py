"""The outbox drains to the machine's NATS JetStream (127.0.0.1:4222), loses nothing while NATS is down, and every
published message matches the AsyncAPI document. Skipped, with the reason, where no NATS answers."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import uuid

import pytest
from test_specs import message_validator

from relayer.events.drain import OutboxDrain, pending_count
from relayer.events.publisher import JetStreamPublisher, subject_for

pytestmark = [pytest.mark.nats, pytest.mark.anyio]
NATS = os.environ.get("RAT_TEST_NATS", "127.0.0.1:4222")


def _nats_unreachable() -> str | None:
    host, port = NATS.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1) as s:
            return None if s.recv(4) == b"INFO" else f"{NATS} is not a NATS server"
    except OSError as exc:
        return f"NATS not reachable at {NATS}: {exc.__class__.__name__}"


@pytest.fixture
def nats_url() -> str:
    reason = _nats_unreachable()
    if reason:
        pytest.skip(reason)
    return f"nats://{NATS}"


class Proxy:
    """A TCP proxy in front of NATS that the test can take down and bring back: NATS 'goes down' for the relayer
    without touching the shared server."""

    def __init__(self, target: str) -> None:
        self.host, self.port = target.rsplit(":", 1)
        self.server: asyncio.AbstractServer | None = None
        self.writers: list[asyncio.StreamWriter] = []
        self.listen_port = 0

    async def up(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.listen_port)
        self.listen_port = self.server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.close()
        await self.server.wait_closed()
        self.writers.clear()

    async def _handle(self, reader, writer) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(self.host, int(self.port))
        self.writers += [writer, upstream_writer]

        async def pipe(src, dst):
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))


async def consume(url: str, network: str, count: int, timeout: float = 5.0) -> list:
    import nats

    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sub = await js.subscribe(subject_for(network, ">"), ordered_consumer=True)
        out = []
        for _ in range(count):
            out.append(await sub.next_msg(timeout=timeout))
        return out
    finally:
        await nc.close()


async def delete_stream(url: str, name: str) -> None:
    import nats

    nc = await nats.connect(url)
    try:
        await nc.jetstream().delete_stream(name)
    except Exception:  # noqa: BLE001, S110  (already gone)
        pass
    finally:
        await nc.close()


@pytest.fixture
async def network(nats_url):
    name = "t" + uuid.uuid4().hex[:10]
    yield name
    await delete_stream(nats_url, f"RAT_{name.upper()}")


async def test_each_saga_transition_arrives_on_its_subject_with_id_and_trace_headers(store, saga, nats_url, network):
    rid = saga(steps=("validated",))
    drain = OutboxDrain(store, JetStreamPublisher(nats_url, network))
    assert await drain.drain_once() == 2
    await drain.publisher.close()
    messages = await consume(nats_url, network, 2)
    assert [m.subject for m in messages] == [f"rat.{network}.requests.received", f"rat.{network}.requests.validated"]
    bodies = [json.loads(m.data) for m in messages]
    assert {b["request_id"] for b in bodies} == {rid}
    assert [m.headers["Nats-Msg-Id"] for m in messages] == [b["id"] for b in bodies]
    assert messages[0].headers["Rat-Trace-Id"] == store.get_saga(rid).trace_id
    assert pending_count(store) == 0


async def test_every_published_message_matches_its_asyncapi_schema(store, saga, nats_url, network):
    saga(steps=("validated", "order_placed", "filled", "custody_confirmed", "signed", "submitted", "done"))
    drain = OutboxDrain(store, JetStreamPublisher(nats_url, network))
    published = await drain.drain_once()
    await drain.publisher.close()
    for message in await consume(nats_url, network, published):
        body = json.loads(message.data)
        errors = [e.message for e in message_validator(body["topic"]).iter_errors(body)]
        assert errors == [], (message.subject, errors)


async def test_no_event_is_lost_while_nats_is_down_and_the_outbox_drains_when_it_returns(
        store, saga, nats_url, network):
    proxy = Proxy(NATS)
    await proxy.up()
    drain = OutboxDrain(store, JetStreamPublisher(f"nats://127.0.0.1:{proxy.listen_port}", network,
                                                  connect_timeout=0.5))
    rid = saga()
    assert await drain.drain_once() == 1
    await proxy.down()
    store.advance(rid, "received", "validated")
    store.advance(rid, "validated", "order_placed")
    assert await drain.drain_once() == 0 and drain.last_error is not None
    assert pending_count(store) == 2
    await proxy.up()
    assert await drain.drain_once() == 2 and pending_count(store) == 0
    await drain.publisher.close()
    await proxy.down()
    steps = [json.loads(m.data)["payload"]["step"] for m in await consume(nats_url, network, 3)]
    assert steps == ["received", "validated", "order_placed"]


async def test_a_republished_event_is_dropped_by_jetstream_deduplication(store, saga, nats_url, network):
    saga()
    publisher = JetStreamPublisher(nats_url, network)
    from relayer.events import outbox

    with store.transaction() as conn:
        [event] = outbox.unpublished(conn)
    await publisher.publish(event)
    await publisher.publish(event)  # a crash between the ack and marking it published
    import nats

    nc = await nats.connect(nats_url)
    info = await nc.jetstream().stream_info(publisher.stream)
    await nc.close()
    await publisher.close()
    assert info.state.messages == 1


async def stream_config(url: str, name: str):
    import nats

    nc = await nats.connect(url)
    try:
        return (await nc.jetstream().stream_info(name)).config
    finally:
        await nc.close()


async def test_the_stream_is_created_with_the_five_year_aml_period_as_its_max_age(nats_url, network):
    publisher = JetStreamPublisher(nats_url, network)
    await publisher.connect()
    await publisher.close()
    assert (await stream_config(nats_url, publisher.stream)).max_age == pytest.approx(5 * 365 * 86_400)


async def test_an_existing_stream_without_max_age_is_updated_to_the_configured_one(nats_url, network):
    import nats
    from nats.js.api import StreamConfig

    nc = await nats.connect(nats_url)
    await nc.jetstream().add_stream(StreamConfig(name=f"RAT_{network.upper()}", subjects=[subject_for(network, ">")]))
    await nc.close()
    publisher = JetStreamPublisher(nats_url, network, max_age_days=30)
    await publisher.connect()
    await publisher.close()
    config = await stream_config(nats_url, publisher.stream)
    assert config.max_age == pytest.approx(30 * 86_400) and config.subjects == [subject_for(network, ">")]


def test_a_max_age_of_zero_days_is_refused():
    with pytest.raises(ValueError, match="max_age_days must be positive"):
        JetStreamPublisher("nats://127.0.0.1:4222", "local", max_age_days=0)
