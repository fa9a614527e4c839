"""Inputs that used to crash the API into a 500: each is now a 4xx problem+json and writes nothing."""

from __future__ import annotations


from api_values import ALICE, ASSET, bearer
from sqlalchemy import func, select
from starlette.testclient import TestClient
from test_bad_input_and_limits import assert_problem

from relayer.api.app import create_app
from relayer.api.auth import TokenVerifier
from relayer.config import JwtConfig
from relayer.store import schema

PAUSE = f"/v1/operator/assets/{ASSET}/pause"


def audit_rows(store) -> int:
    with store.transaction() as conn:
        return conn.execute(select(func.count()).select_from(schema.audit_log)).scalar()


def test_a_page_cursor_beyond_64_bits_is_a_422_problem(client):
    assert_problem(client.get("/v1/requests", params={"account": ALICE, "cursor": "99999999999999999999-0"}), 422)


def test_a_page_cursor_log_index_beyond_32_bits_is_a_422_problem(client):
    assert_problem(client.get("/v1/requests", params={"account": ALICE, "cursor": "5-9999999999"}), 422)


def test_an_audit_position_beyond_64_bits_is_a_422_problem(client, issue):
    assert_problem(client.get("/v1/operator/audit", params={"after": 2**64}, headers=bearer(issue())), 422)


def test_a_nul_byte_in_a_pause_reason_is_a_422_problem_and_pauses_nothing(client, store, issue):
    assert_problem(client.post(PAUSE, json={"reason": "maintenance\x00"}, headers=bearer(issue())), 422)
    assert store.asset_hold(ASSET) is None and audit_rows(store) == 0


def test_a_nul_byte_in_a_resume_reason_is_a_422_problem(client, store, issue):
    assert_problem(client.post(f"/v1/operator/assets/{ASSET}/resume", json={"reason": "\x00"},
                               headers=bearer(issue())), 422)
    assert audit_rows(store) == 0


def test_a_missing_jwks_file_answers_operator_calls_with_a_503_problem(make_ctx, tmp_path, issue):
    config = JwtConfig(issuer="https://auth.test.invalid/", audience="rat-relayer-api",
                       jwks_file=tmp_path / "gone.json")
    ctx = make_ctx()
    ctx.verifier = TokenVerifier(config)
    with TestClient(create_app(ctx), raise_server_exceptions=False) as client:
        body = assert_problem(client.post(PAUSE, json={"reason": "x"}, headers=bearer(issue())), 503)
    assert body["type"] == "urn:rat:problem:keys-unavailable" and "gone.json" not in body["detail"]
