"""The WebSocket stream under hostile clients, on a real uvicorn server with a real WebSocket client: every bad
frame is answered with a problem and a close frame, nothing loops, and a shutdown is never held up by a client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
import uvicorn
import websockets
from api_values import ALICE

from relayer.api.app import create_app
from relayer.api.feed import public_event
from relayer.api.server import uvicorn_config
from relayer.events import outbox

pytestmark = pytest.mark.anyio
BOUND = 10.0  # seconds: a liveness bound for a hung handler, not a speed target


@pytest.fixture
async def server(make_ctx) -> AsyncIterator[tuple[uvicorn.Server, str, object]]:
    ctx = make_ctx()
    server = uvicorn.Server(uvicorn_config(create_app(ctx), "127.0.0.1", 0))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield server, f"ws://127.0.0.1:{port}/v1/stream", ctx, task
    server.should_exit = True
    await asyncio.wait_for(task, BOUND)


async def answer_and_close(ws) -> tuple[dict, int]:
    message = json.loads(await asyncio.wait_for(ws.recv(), BOUND))
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), BOUND)
    return message, closed.value.rcvd.code


async def test_a_binary_frame_is_answered_with_a_problem_and_close_1003(server):
    async with websockets.connect(server[1]) as ws:
        await ws.send(b"\x00\x01")
        message, code = await answer_and_close(ws)
    assert message["type"] == "error" and code == 1003


async def test_a_100k_deep_json_frame_is_refused_as_too_big_without_parsing(server):
    async with websockets.connect(server[1], max_size=None) as ws:
        await ws.send("[" * 100_000 + "]" * 100_000)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), BOUND)
    assert closed.value.rcvd.code in (1009, 1008)


async def test_a_deeply_nested_small_frame_is_answered_with_a_problem_and_close_1008(server):
    async with websockets.connect(server[1]) as ws:
        await ws.send('{"type": "subscribe", "request_ids": ' + "[" * 1000 + "]" * 1000 + "}")
        message, code = await answer_and_close(ws)
    assert message["problem"]["status"] == 400 and code == 1008


async def test_a_subscribe_cursor_beyond_64_bits_is_refused_with_a_problem_and_a_close_frame(server):
    async with websockets.connect(server[1]) as ws:
        await ws.send(json.dumps({"type": "subscribe", "accounts": [ALICE], "cursor": 2**64}))
        message, code = await answer_and_close(ws)
    assert message["type"] == "error" and code == 1008


async def test_a_resume_from_a_trimmed_cursor_reaches_a_real_client_as_a_410_problem_and_close_4410(server):
    with server[2].store.transaction() as conn:
        outbox.note_trimmed(conn, "requests", 2, 0.0)  # as `rat-relayer purge` leaves it after trimming ids 1-2
    async with websockets.connect(server[1]) as ws:
        await ws.send(json.dumps({"type": "subscribe", "accounts": [ALICE], "cursor": 1}))
        message, code = await answer_and_close(ws)
    assert message["problem"]["status"] == 410 and message["problem"]["oldest_cursor"] == 2 and code == 4410


async def test_a_client_sending_too_many_messages_is_closed(server):
    async with websockets.connect(server[1]) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            for _ in range(100):
                await ws.send(json.dumps({"type": "subscribe", "accounts": [ALICE]}))
                await asyncio.sleep(0)
            while True:
                await asyncio.wait_for(ws.recv(), BOUND)
    assert closed.value.rcvd.code == 1008


async def test_a_shutdown_completes_while_subscribed_and_hostile_clients_stay_connected(server):
    uv, url, _, task = server
    async with websockets.connect(url) as quiet, websockets.connect(url) as hostile:
        await quiet.send(json.dumps({"type": "subscribe", "accounts": [ALICE]}))
        await asyncio.wait_for(quiet.recv(), BOUND)
        await hostile.send(b"\xff" * 64)
        uv.should_exit = True
        await asyncio.wait_for(task, BOUND)


async def test_idle_connections_share_one_feed_and_unsubscribed_ones_cause_no_reads(server):
    _, url, ctx, _ = server
    sockets = [await websockets.connect(url) for _ in range(20)]
    await asyncio.sleep(0.3)
    assert ctx.feed.polls == 0  # connected, nobody subscribed: no database reads at all
    for i, ws in enumerate(sockets):
        await ws.send(json.dumps({"type": "subscribe", "request_ids": ["0x" + f"{i:064x}"]}))
        await asyncio.wait_for(ws.recv(), BOUND)
    before = ctx.feed.polls
    await asyncio.sleep(1.0)
    reads = ctx.feed.polls - before
    for ws in sockets:
        await ws.close()
    # One feed for all twenty: about 1 / stream_poll_interval reads a second, not twenty times that.
    assert 0 < reads <= 1.0 / ctx.config.stream_poll_interval + 2


def test_the_stream_shows_no_broker_custody_or_operator_detail():
    private = outbox.OutboxEvent(
        cursor=1, event_id="e", topic="requests.custody_confirmed", trace_id="t" * 32, request_id="0x" + "1" * 64,
        created_at=0.0, payload={"request_id": "0x" + "1" * 64, "kind": "mint", "step": "custody_confirmed",
                                 "status": "active", "account": ALICE, "asset": ALICE, "at": 0.0,
                                 "detail": {"order_id": "ord-1", "lot_id": "lot-1", "settlement_id": "st-1",
                                            "custody_account": "acct-9", "retried_by": "ops", "block": 7}})
    shown = public_event(private)
    assert shown is not None and shown.payload["detail"] == {"block": 7}
    assert "ord-1" not in json.dumps(shown.payload) and "acct-9" not in json.dumps(shown.payload)


def test_kyc_and_operator_events_are_not_streamed():
    for topic in ("kyc.decision_recorded", "operator.asset_paused"):
        event = outbox.OutboxEvent(cursor=1, event_id="e", topic=topic, trace_id="t" * 32, request_id=None,
                                   created_at=0.0, payload={"account": ALICE, "wallet": ALICE})
        assert public_event(event) is None


async def test_rat_relayer_api_exits_on_sigterm_while_stream_clients_hold_connections(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    import yaml

    from relayer.config import EXAMPLE

    config = yaml.safe_load(EXAMPLE)
    config.update(database_url=f"sqlite:///{tmp_path / 'relayer.db'}", rpc_url="http://127.0.0.1:9")
    config["api"] = {"port": 0}
    path = tmp_path / "relayer.yaml"
    path.write_text(yaml.safe_dump(config))
    process = subprocess.Popen([sys.executable, "-m", "relayer.cli", "api", "--config", str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 60)
        assert line.startswith("listening on http://"), line
        url = "ws" + line.split("http", 1)[1].strip() + "/v1/stream"
        async with websockets.connect(url) as quiet, websockets.connect(url) as hostile:
            await quiet.send(json.dumps({"type": "subscribe", "accounts": [ALICE]}))
            await asyncio.wait_for(quiet.recv(), BOUND)
            await hostile.send(b"\xff" * 64)
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(asyncio.to_thread(process.wait), 30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode is not None
