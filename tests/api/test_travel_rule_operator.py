"""The operator's Travel Rule calls (relayer/api/routes_travel_rule.py): scoped, audited, every failure a problem
document; the beneficiary's VASP is a canned TRP counterparty here (tests/relayer/travel_rule/ runs two real ones)."""

from __future__ import annotations

import datetime
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_values import ALICE, ASSET, bearer
from sqlalchemy import select
from starlette.testclient import TestClient

from rat.errors import TransferStatus
from relayer.api.app import create_app
from relayer.config import TravelRuleConfig
from relayer.kyc.applicants import ApplicantNotFound, KycIdentity, KycProviderUnavailable
from relayer.store import schema
from relayer.travel_rule import address as travel_address
from relayer.travel_rule.service import TravelRuleService
from relayer.travel_rule.trp import TrpClient

SCOPE = "operator:travel-rule"
BEA = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
TRAVEL_ADDRESS = travel_address.encode(f"https://trp.vasp-b.test/trp/inquiries/{BEA}")
TRANSFERS = "/v1/operator/travel-rule/transfers"


class Records:
    def __init__(self) -> None:
        self.outage = False

    async def identity(self, wallet: str) -> KycIdentity:
        if self.outage:
            raise KycProviderUnavailable(f"the KYC provider did not answer for {wallet}")
        if wallet != ALICE:
            raise ApplicantNotFound(f"no applicant for {wallet}")
        return KycIdentity(wallet=ALICE, surname="Mustermann", given_names="Jördis",
                           date_of_birth=datetime.date(1990, 4, 1), place_of_birth="Hamburg")


class Beneficiary:
    """VASP B as a canned TRP counterparty: approves, or answers what the test sets."""

    def __init__(self) -> None:
        self.inquiries: list[httpx.Request] = []
        self.answer = httpx.Response(200, json={"approved": {
            "address": BEA, "callback": "https://trp.vasp-b.test/trp/callbacks/" + "b" * 43}})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.inquiries.append(request)
        return self.answer if "/inquiries/" in request.url.path else httpx.Response(200)


@pytest.fixture
def beneficiary() -> Beneficiary:
    return Beneficiary()


@pytest.fixture
def records() -> Records:
    return Records()


@pytest.fixture
def service(store, beneficiary, records) -> TravelRuleService:
    config = TravelRuleConfig(
        legal_name="Agora Exchange S.A.", lei="5493001KJTIIGC8Y1R12", country="AR",
        public_url="https://trp.vasp-a.test", registry="0x" + "22" * 20, assets={ASSET: {"dti": "4H95J0R2X"}},
        tls_cert=Path("unused.pem"), tls_key=Path("unused.key"), tls_ca=Path("unused-ca.pem"))

    async def precheck(asset, sender, recipient, amount) -> TransferStatus:
        return TransferStatus.OK

    return TravelRuleService(store, config, TrpClient(httpx.AsyncClient(transport=httpx.MockTransport(beneficiary))),
                             records, precheck)


@pytest.fixture
def tr_client(make_ctx, service) -> Iterator[TestClient]:
    with TestClient(create_app(make_ctx(travel_rule=service)), raise_server_exceptions=False) as c:
        yield c


def body(**changes) -> dict:
    return {"transfer_id": str(uuid.uuid4()), "asset": ASSET, "originator": ALICE, "amount": str(5 * 10**18),
            "travel_address": TRAVEL_ADDRESS, "beneficiary": {"surname": "Da Silva", "given_names": "Beatriz"},
            **changes}


def audit_actions(store) -> list[str]:
    with store.transaction() as conn:
        return list(conn.execute(select(schema.audit_log.c.action)).scalars())


def test_an_approved_transfer_is_the_go_and_is_audited(tr_client, store, issue):
    before = time.time()
    answer = tr_client.post(TRANSFERS, json=body(), headers=bearer(issue(scope=SCOPE)))

    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["beneficiary"]) == ("approved", BEA)
    assert audit_actions(store) == ["travel_rule_originated"]
    assert answer.json()["created_at"] >= before


def test_the_transfer_view_carries_no_personal_data(tr_client, issue):
    sent = body()
    tr_client.post(TRANSFERS, json=sent, headers=bearer(issue(scope=SCOPE)))

    view = tr_client.get(f"{TRANSFERS}/{sent['transfer_id']}", headers=bearer(issue(scope=SCOPE)))

    assert view.status_code == 200
    assert "Mustermann" not in view.text and "1990" not in view.text and "Silva" not in view.text


def test_confirming_sends_the_hash_and_is_audited(tr_client, store, issue, beneficiary):
    sent = body()
    tr_client.post(TRANSFERS, json=sent, headers=bearer(issue(scope=SCOPE)))

    answer = tr_client.post(f"{TRANSFERS}/{sent['transfer_id']}/confirm", json={"tx_hash": "0x" + "ab" * 32},
                            headers=bearer(issue(scope=SCOPE)))

    assert (answer.status_code, answer.json()["status"]) == (200, "confirmed")
    assert json.loads(beneficiary.inquiries[-1].content) == {"txid": "0x" + "ab" * 32}
    assert audit_actions(store) == ["travel_rule_originated", "travel_rule_confirmed"]


def test_cancelling_tells_the_beneficiary_and_is_audited(tr_client, store, issue, beneficiary):
    sent = body()
    tr_client.post(TRANSFERS, json=sent, headers=bearer(issue(scope=SCOPE)))

    answer = tr_client.post(f"{TRANSFERS}/{sent['transfer_id']}/cancel", json={"reason": "order withdrawn"},
                            headers=bearer(issue(scope=SCOPE)))

    assert (answer.status_code, answer.json()["status"]) == (200, "canceled")
    assert json.loads(beneficiary.inquiries[-1].content) == {"canceled": "order withdrawn"}
    assert audit_actions(store)[-1] == "travel_rule_canceled"


# A fixed id, not uuid4(): xdist workers must collect the same test ids.
UNKNOWN_TRANSFER = "6f1c2a0e-4d8b-4c55-9a3e-2b7d9e0f1a42"


@pytest.mark.parametrize(("method", "path", "payload"), [
    ("post", TRANSFERS, body()),
    ("get", f"{TRANSFERS}/{UNKNOWN_TRANSFER}", None),
    ("post", f"{TRANSFERS}/{UNKNOWN_TRANSFER}/confirm", {"tx_hash": "0x" + "ab" * 32}),
    ("post", f"{TRANSFERS}/{UNKNOWN_TRANSFER}/cancel", {"reason": "no"}),
    ("get", f"/v1/operator/travel-rule/addresses/{BEA}", None),
], ids=["originate", "read", "confirm", "cancel", "address"])
def test_every_travel_rule_call_needs_a_token_with_the_travel_rule_scope(tr_client, issue, beneficiary, method,
                                                                         path, payload):
    kwargs = {"json": payload} if payload is not None else {}
    anonymous = getattr(tr_client, method)(path, **kwargs)
    other_scope = getattr(tr_client, method)(path, headers=bearer(issue(scope="operator:assets audit:read")),
                                             **kwargs)

    assert (anonymous.status_code, other_scope.status_code) == (401, 403)
    assert beneficiary.inquiries == []


def test_travel_rule_calls_are_503_when_the_travel_rule_is_not_configured(client, issue):
    answer = client.post(TRANSFERS, json=body(), headers=bearer(issue(scope=SCOPE)))

    assert (answer.status_code, answer.json()["type"]) == (503, "urn:rat:problem:travel-rule-not-configured")


def test_an_asset_not_carried_is_a_422_and_nothing_is_sent(tr_client, issue, beneficiary):
    answer = tr_client.post(TRANSFERS, json=body(asset="0x" + "33" * 20), headers=bearer(issue(scope=SCOPE)))

    assert (answer.status_code, answer.json()["type"]) == (422, "urn:rat:problem:unknown-asset")
    assert beneficiary.inquiries == []


def test_a_malformed_travel_address_is_a_422(tr_client, issue):
    answer = tr_client.post(TRANSFERS, json=body(travel_address="ta" + "1" * 30), headers=bearer(issue(scope=SCOPE)))

    assert (answer.status_code, answer.json()["type"]) == (422, "urn:rat:problem:invalid-travel-address")


def test_an_originator_the_kyc_provider_does_not_know_is_a_404(tr_client, issue):
    answer = tr_client.post(TRANSFERS, json=body(originator="0x" + "44" * 20), headers=bearer(issue(scope=SCOPE)))

    assert (answer.status_code, answer.json()["type"]) == (404, "urn:rat:problem:applicant-not-found")


def test_a_kyc_provider_outage_is_a_503_and_a_retry_with_the_same_id_succeeds(tr_client, issue, records):
    sent = body()
    records.outage = True
    first = tr_client.post(TRANSFERS, json=sent, headers=bearer(issue(scope=SCOPE)))
    records.outage = False

    second = tr_client.post(TRANSFERS, json=sent, headers=bearer(issue(scope=SCOPE)))

    assert (first.status_code, first.headers["retry-after"]) == (503, "30")
    assert (second.status_code, second.json()["status"]) == (200, "approved")


def test_a_counterparty_answering_nonsense_is_a_502_and_the_transfer_stays_unsent(tr_client, issue, beneficiary):
    beneficiary.answer = httpx.Response(200, content=b'{"approved": true}')
    sent = body()

    answer = tr_client.post(TRANSFERS, json=sent, headers=bearer(issue(scope=SCOPE)))
    view = tr_client.get(f"{TRANSFERS}/{sent['transfer_id']}", headers=bearer(issue(scope=SCOPE)))

    assert (answer.status_code, answer.json()["type"]) == (502, "urn:rat:problem:counterparty-malformed-answer")
    assert view.json()["status"] == "unsent"


def test_a_counterparty_refusing_the_inquiry_is_a_422_and_the_transfer_is_refused(tr_client, issue, beneficiary):
    beneficiary.answer = httpx.Response(400, text="unsupported api-version")
    sent = body()

    answer = tr_client.post(TRANSFERS, json=sent, headers=bearer(issue(scope=SCOPE)))
    view = tr_client.get(f"{TRANSFERS}/{sent['transfer_id']}", headers=bearer(issue(scope=SCOPE)))

    assert (answer.status_code, answer.json()["type"]) == (422, "urn:rat:problem:counterparty-refused")
    assert view.json()["status"] == "refused"


def test_an_unknown_key_in_the_body_is_a_422(tr_client, issue):
    answer = tr_client.post(TRANSFERS, json=body(memo="x"), headers=bearer(issue(scope=SCOPE)))

    assert answer.status_code == 422


def test_confirming_an_unknown_transfer_is_a_404(tr_client, issue):
    answer = tr_client.post(f"{TRANSFERS}/{uuid.uuid4()}/confirm", json={"tx_hash": "0x" + "ab" * 32},
                            headers=bearer(issue(scope=SCOPE)))

    assert (answer.status_code, answer.json()["type"]) == (404, "urn:rat:problem:unknown-transfer")


def test_a_travel_address_is_issued_only_for_an_investor_with_valid_kyc(tr_client, store, issue):
    unknown = tr_client.get(f"/v1/operator/travel-rule/addresses/{BEA}", headers=bearer(issue(scope=SCOPE)))
    with store.transaction() as conn:
        conn.execute(schema.kyc_applicants.insert().values(
            provider_ref="0x" + "01" * 32, wallet=BEA, provider_ts=1, level="rat-retail-br", answer="GREEN",
            action="set", tier=1, jurisdiction="BR", expiry=int(time.time()) + 3600, version=1, synced_version=1,
            sync_state="synced", updated_at=time.time()))

    issued = tr_client.get(f"/v1/operator/travel-rule/addresses/{BEA.lower()}", headers=bearer(issue(scope=SCOPE)))

    assert unknown.status_code == 404
    assert issued.json()["wallet"] == BEA
    assert travel_address.decode(issued.json()["travel_address"]) == f"https://trp.vasp-a.test/trp/inquiries/{BEA}?t=i"
