"""The TRP listener (relayer/travel_rule/listener.py) as a counterparty meets it: TRP headers required and echoed,
every malformed message a 4xx problem that echoes no personal data, nothing stored for a message refused."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from trp_vasps import BEA, inquiry_body

from relayer.travel_rule.listener import create_trp_app
from relayer.travel_rule.trp import MAX_BODY

pytestmark = pytest.mark.anyio
PROBLEM = "application/problem+json"


@pytest.fixture
def client(vasp_b):
    vasp_b.investor(BEA)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_trp_app(vasp_b.service)),
                             base_url="https://trp.vasp-b.test")


def headers(**changes) -> dict[str, str]:
    base = {"api-version": "3.1.0", "request-identifier": str(uuid.uuid4()), "content-type": "application/json"}
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


async def inquire(client, body: bytes | str | None = None, **header_changes) -> httpx.Response:
    return await client.post(f"/trp/inquiries/{BEA}?t=i", content=body if body is not None else inquiry_body(),
                             headers=headers(**header_changes))


async def test_an_inquiry_is_answered_with_the_resolution_and_the_trp_headers_echoed(client):
    rid = str(uuid.uuid4())

    answer = await inquire(client, **{"request-identifier": rid})

    assert answer.status_code == 200
    assert answer.json()["approved"]["address"] == BEA
    assert (answer.headers["api-version"], answer.headers["request-identifier"]) == ("3.1.0", rid)


@pytest.mark.parametrize("version", [None, "2.1.0", "3", "three"])
async def test_an_inquiry_without_a_trp_3_api_version_is_a_400(client, vasp_b, version):
    answer = await inquire(client, **{"api-version": version})

    assert (answer.status_code, answer.headers["content-type"]) == (400, PROBLEM)
    assert answer.json()["type"] == "urn:rat:problem:trp-headers"
    assert answer.headers["api-version"] == "3.1.0"
    assert vasp_b.rows() == []


@pytest.mark.parametrize("rid", [None, "", "not-a-uuid", "1" * 64])
async def test_an_inquiry_without_a_uuid_request_identifier_is_a_400(client, rid):
    answer = await inquire(client, **{"request-identifier": rid})

    assert answer.status_code == 400


async def test_an_inquiry_that_is_not_json_is_a_415(client):
    answer = await inquire(client, **{"content-type": "text/xml"})

    assert (answer.status_code, answer.headers["content-type"]) == (415, PROBLEM)


async def test_an_inquiry_larger_than_a_trp_message_is_a_413(client, vasp_b):
    answer = await inquire(client, body=b" " * (MAX_BODY + 1))

    assert answer.status_code == 413
    assert vasp_b.rows() == []


@pytest.mark.parametrize("body", [b"{", b"\xff\xfe", b'{"amount": NaN}', b'{"amount": -Infinity}'])
async def test_a_body_that_is_not_json_is_a_400(client, body):
    answer = await inquire(client, body=body)

    assert (answer.status_code, answer.json()["type"]) == (400, "urn:rat:problem:malformed-json")


async def test_a_deeply_nested_body_is_a_400_before_the_parser_recurses_into_it(client, vasp_b):
    # CPython's json parser recurses per level: 100,000 levels crashed the process before the depth bound.
    answer = await inquire(client, body=b"[" * 100_000)

    assert (answer.status_code, answer.json()["type"]) == (400, "urn:rat:problem:malformed-json")
    assert vasp_b.rows() == []


async def test_an_inquiry_with_an_unknown_key_is_a_422(client, vasp_b):
    sent = json.loads(inquiry_body()) | {"memo": "hello"}

    answer = await inquire(client, body=json.dumps(sent))

    assert answer.status_code == 422
    assert vasp_b.rows() == []


async def test_a_refused_inquiry_echoes_no_personal_data(client):
    sent = json.loads(inquiry_body())
    sent["IVMS101"]["originator"]["originatorPersons"][0]["naturalPerson"]["dateAndPlaceOfBirth"]["dateOfBirth"] = \
        "2999-01-01"

    answer = await inquire(client, body=json.dumps(sent))

    assert answer.status_code == 422
    assert "Mustermann" not in answer.text and "2999" not in answer.text and "Hamburg" not in answer.text


async def test_an_inquiry_for_a_wallet_this_vasp_did_not_issue_a_travel_address_for_is_a_404(client):
    answer = await client.post("/trp/inquiries/0x" + "12" * 20, content=inquiry_body(), headers=headers())

    assert (answer.status_code, answer.json()["type"]) == (404, "urn:rat:problem:unknown-investor")


async def test_a_callback_with_an_unknown_token_is_a_404(client):
    answer = await client.post("/trp/callbacks/" + "z" * 43, content=b'{"txid": "0x01"}', headers=headers())

    assert (answer.status_code, answer.json()["type"]) == (404, "urn:rat:problem:unknown-callback")


async def test_a_confirmation_at_the_callback_of_an_approved_inquiry_records_the_transaction(client, vasp_b):
    rid = str(uuid.uuid4())
    approval = (await inquire(client, **{"request-identifier": rid})).json()["approved"]

    answer = await client.post(httpx.URL(approval["callback"]).path, content=b'{"txid": "0x' + b"cd" * 32 + b'"}',
                               headers=headers(**{"request-identifier": rid}))

    assert (answer.status_code, answer.json()) == (200, {"status": "confirmed"})
    assert vasp_b.rows()[0]["tx_hash"] == "0x" + "cd" * 32


async def test_a_confirmation_carrying_both_txid_and_canceled_is_a_422(client):
    rid = str(uuid.uuid4())
    approval = (await inquire(client, **{"request-identifier": rid})).json()["approved"]

    answer = await client.post(httpx.URL(approval["callback"]).path, content=b'{"txid": "0x01", "canceled": "x"}',
                               headers=headers(**{"request-identifier": rid}))

    assert (answer.status_code, answer.json()["type"]) == (422, "urn:rat:problem:invalid-message")
