"""Operator calls: bearer JWTs checked for signature, issuer, audience, lifetime and scope; each call audited."""

from __future__ import annotations

import time

import pytest
from api_values import ASSET, bearer
from joserfc.jwk import ECKey
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from relayer.store import schema

PAUSE = f"/v1/operator/assets/{ASSET}/pause"


def audit_count(store) -> int:
    with store.transaction() as conn:
        return conn.execute(select(func.count()).select_from(schema.audit_log)).scalar()


def test_pausing_an_asset_is_audited_with_who_what_and_when(client, store, issue):
    before = time.time()
    response = client.post(PAUSE, json={"reason": "corporate action"}, headers=bearer(issue()))
    assert response.status_code == 200 and response.json()["paused"] is True
    assert store.asset_hold(ASSET) == "corporate action"
    [entry] = client.get("/v1/operator/audit", headers=bearer(issue())).json()["items"]
    assert entry["actor"] == "ops-console" and entry["action"] == "asset_paused" and entry["target"] == ASSET
    assert entry["at"] >= before


def test_a_paused_assets_sagas_resume_when_the_asset_is_resumed(client, store, saga, issue):
    rid = saga(steps=("validated",))
    client.post(PAUSE, json={"reason": "halt"}, headers=bearer(issue()))
    store.defer(rid, "validated", time.time() + 3600, "paused", "asset paused")
    body = client.post(f"/v1/operator/assets/{ASSET}/resume", json={"reason": "reopened"},
                       headers=bearer(issue())).json()
    assert body["resumed_requests"] == [rid]
    saga_now = store.get_saga(rid)
    assert saga_now.status == "active" and saga_now.not_before == 0.0


def test_rejecting_a_stuck_saga_moves_it_to_rejecting_with_the_reason(client, store, saga, issue):
    rid = saga(steps=("validated", "order_placed"))
    response = client.post(f"/v1/operator/requests/{rid}/reject", headers=bearer(issue()),
                           json={"reason": "BROKER_REJECTED", "note": "order stuck at the broker"})
    assert response.status_code == 200
    saga_now = store.get_saga(rid)
    assert saga_now.step == "rejecting" and saga_now.payload["reject_reason"] == 2


def test_a_finished_saga_cannot_be_retried(client, saga, store, issue):
    rid = saga(steps=("done",))
    response = client.post(f"/v1/operator/requests/{rid}/retry", json={"note": "again"}, headers=bearer(issue()))
    assert response.status_code == 409 and audit_count(store) == 0


def test_a_stuck_saga_is_made_active_and_due_by_an_operator_retry(client, saga, store, issue):
    rid = saga(steps=("validated",))
    store.defer(rid, "validated", 0.0, "stuck", "stuck at validated after 3 failures")
    response = client.post(f"/v1/operator/requests/{rid}/retry", json={"note": "vendor fixed"},
                           headers=bearer(issue()))
    assert response.status_code == 200 and response.json()["status"] == "active"
    assert store.get_saga(rid).status == "active" and audit_count(store) == 1


def test_a_stuck_saga_is_not_due(saga, store):
    rid = saga(steps=("validated",))
    store.defer(rid, "validated", 0.0, "stuck", "stuck")
    assert rid not in store.due_saga_ids(10**12, limit=100)


def test_rotating_the_webhook_secret_returns_it_once_and_audits_only_its_version(client, store, issue):
    body = client.post("/v1/operator/webhooks/sumsub/rotate-secret", headers=bearer(issue())).json()
    assert len(body["secret"]) >= 32
    with store.transaction() as conn:
        detail = conn.execute(select(schema.audit_log.c.detail)).scalar_one()
    assert body["secret"] not in str(detail) and detail["version"] == body["version"]


def test_the_audit_log_refuses_updates_and_deletes(client, store, issue):
    client.post(PAUSE, json={"reason": "x"}, headers=bearer(issue()))
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), store.transaction() as conn:
            conn.execute(text(statement))
    assert audit_count(store) == 1


@pytest.mark.parametrize("case, claims", [
    ("expired", {"iat": int(time.time()) - 600, "exp": int(time.time()) - 300}),
    ("wrong audience", {"aud": "another-api"}),
    ("wrong issuer", {"iss": "https://evil.invalid/"}),
    ("too long-lived", {"exp": int(time.time()) + 86400}),
    ("no expiry", {"exp": None}),
    ("no client", {"client_id": None}),
])
def test_a_token_that_fails_a_claim_check_is_401_and_nothing_is_written(client, store, issue, case, claims):
    response = client.post(PAUSE, json={"reason": "x"}, headers=bearer(issue(**claims)))
    assert response.status_code == 401, case
    assert response.headers["content-type"] == "application/problem+json"
    assert "invalid_token" in response.headers["www-authenticate"]
    assert store.asset_hold(ASSET) is None and audit_count(store) == 0


def test_a_token_signed_by_another_key_under_the_real_key_id_is_401(client, issue, signing_key):
    forger = ECKey.generate_key("P-256", parameters={"kid": signing_key.kid}, private=True)
    signing = issue(key=forger)
    assert client.post(PAUSE, json={"reason": "x"}, headers=bearer(signing)).status_code == 401


def test_a_symmetric_token_is_refused_even_with_a_known_key_id(client, signing_key):
    from joserfc import jwt
    from joserfc.jwk import OctKey

    now = int(time.time())
    token = jwt.encode({"alg": "HS256", "kid": signing_key.kid},
                       {"iss": "https://auth.test.invalid/", "aud": "rat-relayer-api", "iat": now, "exp": now + 60,
                        "client_id": "x", "scope": "operator:assets"}, OctKey.import_key("k" * 32))
    assert client.post(PAUSE, json={"reason": "x"}, headers=bearer(token)).status_code == 401


def test_a_missing_token_is_401_and_a_token_without_the_scope_is_403(client, issue):
    assert client.post(PAUSE, json={"reason": "x"}).status_code == 401
    response = client.post(PAUSE, json={"reason": "x"}, headers=bearer(issue(scope="audit:read")))
    assert response.status_code == 403 and response.json()["type"] == "urn:rat:problem:insufficient-scope"


def test_a_jwks_with_a_symmetric_key_is_refused_as_configuration():
    from relayer.api.auth import JwksSource
    from relayer.errors import ConfigError

    with pytest.raises(ConfigError, match="symmetric"):
        JwksSource.parse({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "dev"}]})


@pytest.mark.postgres
def test_the_audit_log_is_append_only_on_postgresql_too(pg_store):
    from relayer.api import audit

    with pg_store.transaction() as conn:
        audit.record(conn, "ops-console", "asset_paused", ASSET, {}, "127.0.0.1", "t" * 32)
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), pg_store.transaction() as conn:
            conn.execute(text(statement))
    assert audit_count(pg_store) == 1
