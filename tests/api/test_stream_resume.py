"""Resuming the WebSocket stream after `rat-relayer purge` trimmed old `requests.*` events: a cursor below the
purge's mark is refused with a 410 `cursor-expired` problem naming the oldest cursor still served, never answered
with a gap; a cursor at the mark, or 0 (whatever is retained), is served as before."""

from __future__ import annotations

import time

import pytest
from starlette.websockets import WebSocketDisconnect

from relayer.api.feed import CursorExpired, backfill
from relayer.api.problems import PROBLEM_MEDIA_TYPE, problem_response
from relayer.api.stream import CURSOR_EXPIRED_CLOSE, expired_message
from relayer.events import outbox
from relayer.store import schema
from relayer.store.retention import DAY, RetentionPolicy, purge


def trim(store) -> int:
    """Publishes every outbox row now and purges a little over a year later; returns the `requests` trim mark.
    The rows are dated a minute back, so the id gap the purge leaves has settled (outbox.read_after)."""
    with store.transaction() as conn:
        conn.execute(schema.outbox.update().values(created_at=time.time() - 60, published_at=time.time()))
    purge(store, RetentionPolicy(), time.time() + 400 * DAY)
    with store.transaction() as conn:
        return outbox.trimmed_through(conn)


def followed_then_trimmed(store, saga) -> tuple[str, int]:
    """A request with three events, all but the newest trimmed; returns its id and the trim mark."""
    rid = saga(steps=("validated", "order_placed"))
    mark = trim(store)
    assert mark > 1
    return rid, mark


def test_a_resume_from_below_the_trim_mark_is_refused_with_a_410_problem_and_close_4410(client, store, saga):
    rid, mark = followed_then_trimmed(store, saga)
    with client.websocket_connect("/v1/stream") as ws:
        ws.send_json({"type": "subscribe", "request_ids": [rid], "cursor": mark - 1})
        message = ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    problem = message["problem"]
    assert message["type"] == "error" and closed.value.code == CURSOR_EXPIRED_CLOSE == 4410
    assert (problem["status"], problem["type"]) == (410, "urn:rat:problem:cursor-expired")
    assert (problem["cursor"], problem["oldest_cursor"]) == (mark - 1, mark)
    assert f"cursor of {mark} or more" in problem["detail"] and "GET /v1/requests/{id}" in problem["detail"]


def test_a_resume_from_exactly_the_trim_mark_gets_every_later_event(client, store, saga):
    rid, mark = followed_then_trimmed(store, saga)
    with client.websocket_connect("/v1/stream") as ws:
        ws.send_json({"type": "subscribe", "request_ids": [rid], "cursor": mark})
        assert ws.receive_json() == {"type": "subscribed", "cursor": mark}
        store.advance(rid, "order_placed", "filled")
        steps = [ws.receive_json()["event"]["payload"]["step"] for _ in range(2)]
    assert steps == ["order_placed", "filled"]  # the retained newest row, then the live one


def test_cursor_0_still_replays_whatever_is_retained_after_a_trim(client, store, saga):
    rid, _ = followed_then_trimmed(store, saga)
    with client.websocket_connect("/v1/stream") as ws:
        ws.send_json({"type": "subscribe", "request_ids": [rid], "cursor": 0})
        assert ws.receive_json() == {"type": "subscribed", "cursor": 0}
        assert ws.receive_json()["event"]["payload"]["step"] == "order_placed"


def test_the_refusal_is_the_same_problem_an_http_endpoint_answers_as_410_problem_json():
    refusal = CursorExpired(cursor=5, oldest=42)
    response = problem_response(refusal, "/v1/stream")
    assert response.status_code == 410 and response.media_type == PROBLEM_MEDIA_TYPE
    assert expired_message(refusal)["problem"] == refusal.document("/v1/stream")
    assert response.body == problem_response(CursorExpired(5, 42), "/v1/stream").body
    assert b'"oldest_cursor":42' in response.body


@pytest.mark.parametrize("backend", ["store", pytest.param("pg_store", marks=pytest.mark.postgres)])
def test_a_backfill_page_after_a_purge_trimmed_past_its_cursor_is_refused(request, backend):
    store = request.getfixturevalue(backend)
    with store.transaction() as conn:
        for step in ("received", "validated", "done"):
            outbox.record(conn, "requests." + step, {"step": step}, "t" * 32, "0x" + "01" * 32)
    mark = trim(store)
    with pytest.raises(CursorExpired) as refused:
        backfill(store, mark - 1, mark + 1, lambda _: True)
    assert refused.value.oldest == mark
    assert [e.cursor for e in backfill(store, mark, mark + 1, lambda _: True)[0]] == [mark + 1]
    assert [e.cursor for e in backfill(store, 0, mark + 1, lambda _: True, complete=False)[0]] == [mark + 1]
