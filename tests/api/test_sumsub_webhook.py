"""The Sumsub webhook: signature exactly as Sumsub documents it, idempotent, ordered by the provider's time."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from api_values import ALICE, WEBHOOK_SECRET, bearer
from sqlalchemy import func, select

from relayer.kyc import sumsub
from relayer.store import schema

HOOK = "/v1/webhooks/sumsub"


def review(answer: str = "GREEN", level: str = "rat-retail-br", at: float | None = None, wallet: str = ALICE,
           applicant: str = "5cb56e8e0a975a35f333cb83", kind: str = "applicantReviewed", **extra) -> bytes:
    moment = datetime.fromtimestamp(time.time() if at is None else at, UTC)
    body = {"applicantId": applicant, "inspectionId": "5cb56e8e0a975a35f333cb84",
            "correlationId": "req-a1b2c3", "levelName": level, "externalUserId": wallet, "type": kind,
            "sandboxMode": False, "reviewStatus": "completed",
            "createdAtMs": moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}",
            "clientId": "agora", **extra}
    if kind == "applicantReviewed":
        body["reviewResult"] = {"reviewAnswer": answer, **({"reviewRejectType": "FINAL"} if answer == "RED" else {})}
    return json.dumps(body).encode()


def deliver(client, body: bytes, secret: str = WEBHOOK_SECRET, alg: str = "HMAC_SHA256_HEX", **headers):
    digest = sumsub.sign(body, secret, alg) if alg in sumsub.ALGORITHMS else "00" * 32
    sent = {"content-type": "application/json", "x-payload-digest": digest, "x-payload-digest-alg": alg, **headers}
    return client.post(HOOK, content=body, headers={k: v for k, v in sent.items() if v is not None})


def applicant_rows(store) -> list[dict]:
    with store.transaction() as conn:
        return [dict(r) for r in conn.execute(select(schema.kyc_applicants)).mappings()]


def outbox_topics(store) -> list[str]:
    with store.transaction() as conn:
        return list(conn.execute(select(schema.outbox.c.topic).order_by(schema.outbox.c.id)).scalars())


def test_an_approved_review_is_mapped_to_its_levels_tier_and_jurisdiction(client, store):
    response = deliver(client, review())
    assert response.status_code == 200 and response.json()["outcome"] == "applied"
    [row] = applicant_rows(store)
    assert (row["wallet"], row["tier"], row["jurisdiction"], row["action"], row["sync_state"]) == \
        (ALICE, 1, "BR", "set", "pending")
    assert row["provider_ref"] == "0x" + sumsub.provider_ref("5cb56e8e0a975a35f333cb83").hex()
    assert outbox_topics(store) == ["kyc.decision_recorded"]


def test_no_personal_data_or_applicant_id_is_stored(client, store):
    deliver(client, review())
    with store.transaction() as conn:
        dump = json.dumps([dict(r) for t in (schema.kyc_applicants, schema.outbox, schema.webhook_deliveries)
                           for r in conn.execute(select(t)).mappings()], default=str)
    assert "5cb56e8e0a975a35f333cb83" not in dump and "req-a1b2c3" not in dump


def test_the_sha512_variant_is_accepted(client):
    assert deliver(client, review(), alg="HMAC_SHA512_HEX").status_code == 200


@pytest.mark.parametrize("case, headers", [
    ("missing digest", {"x-payload-digest": None}),
    ("missing algorithm", {"x-payload-digest-alg": None}),
    ("wrong digest", {"x-payload-digest": "ab" * 32}),
    ("sha1", {"x-payload-digest-alg": "HMAC_SHA1_HEX"}),
    ("unknown algorithm", {"x-payload-digest-alg": "HMAC_MD5_HEX"}),
])
def test_a_bad_signature_is_401_and_writes_nothing(client, store, case, headers):
    response = deliver(client, review(), **headers)
    assert response.status_code == 401, case
    assert response.json()["type"] == "urn:rat:problem:bad-signature"
    assert applicant_rows(store) == [] and outbox_topics(store) == []


def test_a_body_signed_with_another_secret_is_401(client, store):
    assert deliver(client, review(), secret="not-the-secret").status_code == 401
    assert applicant_rows(store) == []


def test_the_same_delivery_twice_changes_nothing_the_second_time(client, store):
    body = review()
    assert deliver(client, body).json()["outcome"] == "applied"
    before = applicant_rows(store)
    assert deliver(client, body).json()["outcome"] == "duplicate"
    assert applicant_rows(store) == before and outbox_topics(store) == ["kyc.decision_recorded"]


def test_an_older_delivery_arriving_late_does_not_override_a_newer_one(client, store):
    now = time.time()
    deliver(client, review(answer="GREEN", level="rat-professional-ar", at=now))
    late = deliver(client, review(answer="GREEN", level="rat-retail-br", at=now - 60))
    assert late.json()["outcome"] == "superseded"
    [row] = applicant_rows(store)
    assert (row["tier"], row["jurisdiction"]) == (2, "AR")


def test_a_rejection_after_approval_downgrades_the_applicant(client, store):
    now = time.time()
    deliver(client, review(at=now - 10))
    deliver(client, review(answer="RED", at=now))
    [row] = applicant_rows(store)
    assert (row["action"], row["tier"], row["version"]) == ("revoke", 0, 2)


def test_a_delivery_older_than_the_replay_window_is_refused(client, store):
    response = deliver(client, review(at=time.time() - 3 * 86400))
    assert response.status_code == 422 and response.json()["type"] == "urn:rat:problem:stale-delivery"
    assert applicant_rows(store) == []


def test_an_unmapped_level_is_422_and_writes_nothing(client, store):
    response = deliver(client, review(level="unknown-level"))
    assert response.status_code == 422 and response.json()["type"] == "urn:rat:problem:unmapped-level"
    assert applicant_rows(store) == [] and outbox_topics(store) == []


def test_an_external_user_id_that_is_not_a_wallet_is_422(client, store):
    assert deliver(client, review(wallet="user-42")).status_code == 422
    assert applicant_rows(store) == []


def test_a_signed_body_that_is_not_json_is_400(client, store):
    assert deliver(client, b"{not json").status_code == 400


def test_events_that_do_not_change_the_registry_are_acknowledged_and_ignored(client, store):
    response = deliver(client, review(kind="applicantPending"))
    assert response.json()["outcome"] == "ignored" and applicant_rows(store) == []


def test_a_rotated_secret_verifies_and_the_previous_one_keeps_working_during_the_grace(client, store, issue):
    new = client.post("/v1/operator/webhooks/sumsub/rotate-secret", headers=bearer(issue())).json()["secret"]
    assert deliver(client, review(applicant="a1"), secret=new).status_code == 200
    assert deliver(client, review(applicant="a2"), secret=WEBHOOK_SECRET).status_code == 200
    with store.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(schema.kyc_applicants)).scalar() == 2


def signed_document(document: dict) -> bytes:
    return json.dumps(document).encode()


def test_a_delivery_stamped_far_in_the_future_is_refused_and_writes_nothing(client, store):
    response = deliver(client, review(at=time.time() + 365 * 86400))
    assert response.status_code == 422 and response.json()["type"] == "urn:rat:problem:future-delivery"
    assert applicant_rows(store) == [] and outbox_topics(store) == []


def test_a_created_at_beyond_any_database_integer_is_a_422_problem(client, store):
    body = json.loads(review())
    body["createdAtMs"] = 10**20
    response = deliver(client, signed_document(body))
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert applicant_rows(store) == []


def test_a_future_stamped_delivery_cannot_supersede_later_reviews(client, store):
    assert deliver(client, review(at=time.time() + 30 * 86400, applicant="a9")).status_code == 422
    assert deliver(client, review(answer="RED", applicant="a9")).status_code == 200
    assert deliver(client, review(applicant="a9")).json()["outcome"] == "applied"


def test_a_signed_deeply_nested_body_is_a_400_problem(client, store):
    response = deliver(client, b'{"applicantId": ' + b"[" * 30_000 + b"]" * 30_000 + b"}")
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    assert applicant_rows(store) == []


def rotate(client, issue, **body):
    response = client.post("/v1/operator/webhooks/sumsub/rotate-secret", headers=bearer(issue()),
                           **({"json": body} if body else {}))
    assert response.status_code == 200, response.text
    return response.json()


def test_after_a_rotation_with_no_grace_the_environment_secret_no_longer_verifies(client, issue):
    new = rotate(client, issue, grace_seconds=0)["secret"]
    assert deliver(client, review(applicant="b1"), secret=WEBHOOK_SECRET).status_code == 401
    assert deliver(client, review(applicant="b2"), secret=new).status_code == 200


def test_after_two_rotations_with_no_grace_only_the_newest_secret_verifies(client, issue):
    first = rotate(client, issue, grace_seconds=0)["secret"]
    second = rotate(client, issue, grace_seconds=0)["secret"]
    assert deliver(client, review(applicant="c1"), secret=WEBHOOK_SECRET).status_code == 401
    assert deliver(client, review(applicant="c2"), secret=first).status_code == 401
    assert deliver(client, review(applicant="c3"), secret=second).status_code == 200


def test_a_rotation_states_until_when_the_previous_secret_verifies(client, issue):
    before = time.time()
    answer = rotate(client, issue, grace_seconds=600)
    assert before + 600 <= answer["previous_valid_until"] <= time.time() + 600


def test_a_rotation_grace_beyond_thirty_days_is_a_422_problem(client, issue):
    response = client.post("/v1/operator/webhooks/sumsub/rotate-secret", headers=bearer(issue()),
                           json={"grace_seconds": 31 * 86400})
    assert response.status_code == 422


def test_a_created_at_written_as_the_json_number_1e20_is_a_422_problem(client, store):
    body = review().replace(b'"createdAtMs": "', b'"createdAtMs": 1e20, "was": "')
    response = deliver(client, body)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert applicant_rows(store) == []
