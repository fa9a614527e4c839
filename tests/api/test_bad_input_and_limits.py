"""Bad input is answered with the right 4xx and a problem+json body, and writes nothing; rate limits."""

from __future__ import annotations

import pytest
from api_values import ASSET, bearer
from starlette.testclient import TestClient

from relayer.api.app import create_app

PAUSE = f"/v1/operator/assets/{ASSET}/pause"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"].startswith("urn:rat:problem:")
    return body


def test_malformed_json_is_400(client, store, issue):
    response = client.post(PAUSE, content=b'{"reason": ', headers={**bearer(issue()),
                                                                  "content-type": "application/json"})
    assert_problem(response, 400)
    assert store.asset_hold(ASSET) is None


def test_a_body_that_is_not_json_is_415(client, store, issue):
    response = client.post(PAUSE, content=b"reason=x", headers={**bearer(issue()),
                                                               "content-type": "application/x-www-form-urlencoded"})
    assert_problem(response, 415)
    assert store.asset_hold(ASSET) is None


def test_an_oversized_body_is_413_whether_declared_or_streamed(make_ctx, store, issue):
    with TestClient(create_app(make_ctx(max_body_bytes=1024)), raise_server_exceptions=False) as client:
        big = b'{"reason": "' + b"x" * 4096 + b'"}'
        assert_problem(client.post(PAUSE, content=big, headers={**bearer(issue()),
                                                                "content-type": "application/json"}), 413)

        def chunks():
            yield big[:600]
            yield big[600:]

        streamed = client.post(PAUSE, content=chunks(), headers={**bearer(issue()), "content-type": "application/json"})
        assert_problem(streamed, 413)
    assert store.asset_hold(ASSET) is None


def test_unknown_fields_are_422(client, store, issue):
    body = assert_problem(client.post(PAUSE, json={"reason": "x", "force": True}, headers=bearer(issue())), 422)
    assert body["errors"][0]["loc"][-1] == "force"
    assert store.asset_hold(ASSET) is None


@pytest.mark.parametrize("path", ["/v1/operator/assets/0xnothex/pause", "/v1/operator/assets/0x1234/pause"])
def test_an_invalid_address_is_422(client, issue, path):
    assert_problem(client.post(path, json={"reason": "x"}, headers=bearer(issue())), 422)


def test_an_unknown_route_is_a_404_problem(client):
    assert_problem(client.get("/v1/nothing"), 404)


def test_every_answer_carries_ratelimit_fields_and_the_limit_answers_429_with_retry_after(make_ctx):
    with TestClient(create_app(make_ctx(per_ip=3)), raise_server_exceptions=False) as client:
        answers = [client.get("/v1/assets") for _ in range(4)]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    assert answers[0].headers["ratelimit-policy"] == '"per-ip";q=3;w=60'
    assert answers[2].headers["ratelimit"].startswith('"per-ip";r=0;')
    limited = assert_problem(answers[3], 429)
    assert limited["type"] == "urn:rat:problem:rate-limited" and int(answers[3].headers["retry-after"]) >= 1


def test_an_operator_client_is_limited_on_its_own_quota(make_ctx, issue):
    with TestClient(create_app(make_ctx(per_client=2)), raise_server_exceptions=False) as client:
        codes = [client.get("/v1/operator/audit", headers=bearer(issue())).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
