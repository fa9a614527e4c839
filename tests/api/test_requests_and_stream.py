"""Public request reads and the WebSocket stream."""

from __future__ import annotations

from api_values import ALICE

from relayer.events import outbox


def test_a_request_is_returned_with_its_timeline_in_order(client, saga):
    rid = saga(steps=("validated", "order_placed"))
    body = client.get(f"/v1/requests/{rid}").json()
    assert [e["step"] for e in body["timeline"]] == ["received", "validated", "order_placed"]
    assert body["step"] == "order_placed" and body["account"] == ALICE and body["stream_cursor"] > 0


def test_an_unknown_request_is_a_404_problem(client):
    response = client.get("/v1/requests/0x" + "ab" * 32)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:rat:problem:unknown-request"


def test_a_malformed_request_id_is_refused_with_422(client):
    response = client.get("/v1/requests/0x1234")
    assert response.status_code == 422 and response.json()["status"] == 422


def test_requests_by_account_page_newest_first_without_overlap(client, saga):
    ids = [saga(block=b) for b in range(1, 6)]
    saga(account="0x" + "99" * 20, block=7)
    seen, cursor = [], None
    while True:
        params = {"account": ALICE, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/requests", params=params).json()
        seen += [item["request_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))


def test_a_malformed_page_cursor_is_a_422_problem(client):
    response = client.get("/v1/requests", params={"account": ALICE, "cursor": "bm90LWpzb24"})
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["query", "cursor"]


def test_every_saga_transition_writes_its_event_in_the_same_transaction(store, saga):
    rid = saga(steps=("validated",))
    assert not store.advance(rid, "received", "order_placed")  # stale compare-and-set: no move, no event
    with store.transaction() as conn:
        topics = [e.topic for e in outbox.for_request(conn, rid)]
    assert topics == ["requests.received", "requests.validated"]


def test_the_stream_pushes_the_subscribed_requests_events_and_nothing_else(client, store, saga):
    rid, other = saga(), saga()
    with client.websocket_connect("/v1/stream") as ws:
        ws.send_json({"type": "subscribe", "request_ids": [rid]})
        assert ws.receive_json()["type"] == "subscribed"
        store.advance(other, "received", "validated")
        store.advance(rid, "received", "validated")
        store.advance(rid, "validated", "order_placed")
        first, second = ws.receive_json(), ws.receive_json()
    assert [first["event"]["topic"], second["event"]["topic"]] == ["requests.validated", "requests.order_placed"]
    assert {first["event"]["request_id"], second["event"]["request_id"]} == {rid}
    assert first["cursor"] < second["cursor"]


def test_a_reconnecting_client_resumes_from_its_cursor_without_missing_events(client, store, saga):
    rid = saga()
    with client.websocket_connect("/v1/stream") as ws:
        ws.send_json({"type": "subscribe", "request_ids": [rid]})
        ws.receive_json()
        store.advance(rid, "received", "validated")
        cursor = ws.receive_json()["cursor"]
    store.advance(rid, "validated", "order_placed")  # while disconnected
    store.advance(rid, "order_placed", "filled")
    with client.websocket_connect("/v1/stream") as ws:
        ws.send_json({"type": "subscribe", "request_ids": [rid], "cursor": cursor})
        assert ws.receive_json() == {"type": "subscribed", "cursor": cursor}
        steps = [ws.receive_json()["event"]["payload"]["step"] for _ in range(2)]
    assert steps == ["order_placed", "filled"]


def test_a_stream_message_with_unknown_fields_is_answered_with_a_problem_and_closed(client):
    with client.websocket_connect("/v1/stream") as ws:
        ws.send_json({"type": "subscribe", "request_ids": [], "everything": True})
        message = ws.receive_json()
    assert message["type"] == "error" and message["problem"]["status"] == 400


def test_a_reader_does_not_skip_an_id_gap_until_it_has_settled(store, saga):
    rid = saga()
    with store.transaction() as conn:
        head = outbox.read_after(conn, 0)[1]
        outbox.record(conn, "requests.validated", {"step": "validated"}, "t" * 32, rid)
        conn.execute(outbox.schema.outbox.update().where(outbox.schema.outbox.c.id == head + 1)
                     .values(id=head + 2))  # as if id head+1 were still uncommitted
    with store.transaction() as conn:
        assert outbox.read_after(conn, head)[1] == head
        assert outbox.read_after(conn, head, now=10**12)[1] == head + 2


def test_a_requests_public_timeline_holds_no_broker_or_custody_identifiers(client, store, saga):
    rid = saga()
    store.advance(rid, "received", "validated")
    store.advance(rid, "validated", "order_placed", detail={"order_id": "ord-secret", "block": 12})
    body = client.get(f"/v1/requests/{rid}").json()
    assert "ord-secret" not in str(body)
    assert body["timeline"][-1]["detail"] == {"block": 12}
