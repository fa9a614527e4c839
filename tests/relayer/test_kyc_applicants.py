"""The Travel Rule identity lookup against Sumsub's REST API, served by an in-process httpx MockTransport: the
request is signed as Sumsub documents, the applicant maps to an IVMS101-ready identity, and every failure is a
typed error that carries no personal data."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Callable
from urllib.parse import quote

import httpx
import pytest
from pydantic import ValidationError

from relayer.kyc.applicants import (
    MAX_RESPONSE_BYTES,
    ApplicantLookupError,
    ApplicantNotFound,
    IncompleteIdentity,
    KycIdentity,
    KycProviderRefused,
    KycProviderUnavailable,
    PostalAddress,
    SumsubApplicants,
)

pytestmark = pytest.mark.anyio

WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TOKEN, SECRET, NOW = "sbx:app-token", "secret-key", 1_700_000_000.7
PII = ("Jördis", "Anna", "Mustermann", "1990-04-01", "Hamburg", "Hauptstraße", "20095", "DE123456789")

APPLICANT = {
    "id": "5b594ade0a975a36c9349e66",
    "externalUserId": WALLET,
    "email": "jm@example.com",
    "phone": "+49 40 123456",
    "levelName": "basic-kyc-level",
    "review": {"reviewStatus": "completed", "levelName": "tokenholder-level"},
    "info": {"firstName": "Jördis", "middleName": "Anna", "lastName": "Mustermann", "dob": "1990-04-01",
             "country": "DEU", "nationality": "DEU",
             "idDocs": [{"idDocType": "PASSPORT", "number": "C01X00T47", "imageIds": [1, 2]}]},
    "fixedInfo": {"firstName": "Joerdis", "lastName": "Mustermann-Typed", "placeOfBirth": "Hamburg",
                  "country": "AUT", "tin": "DE123456789",
                  "addresses": [{"country": "DEU", "postCode": "20095", "town": "Hamburg",
                                 "street": "Hauptstraße", "subStreet": "Hinterhaus", "state": "HH",
                                 "buildingNumber": "5", "flatNumber": "3"}]},
}


def lookup(handler: Callable[[httpx.Request], httpx.Response]) -> SumsubApplicants:
    return SumsubApplicants(TOKEN, SECRET, client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
                            clock=lambda: NOW)


def answering(payload: dict, seen: list[httpx.Request] | None = None) -> SumsubApplicants:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(200, json=payload)
    return lookup(handler)


def status(code: int) -> SumsubApplicants:
    return lookup(lambda request: httpx.Response(code, json={"description": "refused", "code": code}))


async def test_signature_is_the_documented_hmac_of_ts_method_path_and_empty_body():
    seen: list[httpx.Request] = []
    await answering(APPLICANT, seen).identity(WALLET)
    path = f"/resources/applicants/-;externalUserId={WALLET}/one"
    expected = hmac.new(b"secret-key", f"1700000000GET{path}".encode(), hashlib.sha256).hexdigest()
    headers = seen[0].headers
    assert (headers["X-App-Token"], headers["X-App-Access-Ts"]) == (TOKEN, "1700000000")
    assert headers["X-App-Access-Sig"] == expected


async def test_lookup_uses_the_checksummed_wallet_url_encoded_as_external_user_id():
    seen: list[httpx.Request] = []
    await answering(APPLICANT, seen).identity(WALLET.lower())
    url = seen[0].url
    assert (url.scheme, url.host, seen[0].method) == ("https", "api.sumsub.com", "GET")
    assert url.raw_path.decode() == f"/resources/applicants/-;externalUserId={quote(WALLET, safe='')}/one"


async def test_verified_info_wins_over_typed_fixed_info_field_by_field():
    identity = await answering(APPLICANT).identity(WALLET)
    assert identity.surname == "Mustermann"
    assert identity.country_of_residence == "DE"
    assert identity.place_of_birth == "Hamburg"
    assert identity.tax_id == "DE123456789"
    assert identity.date_of_birth == datetime.date(1990, 4, 1)


async def test_alpha_3_countries_become_alpha_2_and_unknown_codes_are_dropped():
    payload = {"info": {"lastName": "Mustermann", "country": "AUT", "nationality": "XXX"}}
    identity = await answering(payload).identity(WALLET)
    assert (identity.country_of_residence, identity.nationality) == ("AT", None)


async def test_middle_name_is_joined_to_the_first_name():
    identity = await answering(APPLICANT).identity(WALLET)
    assert identity.given_names == "Jördis Anna"


async def test_first_address_maps_to_an_ivms101_postal_address():
    identity = await answering(APPLICANT).identity(WALLET)
    assert identity.address == PostalAddress(street_name="Hauptstraße, Hinterhaus", building_number="5",
                                             post_code="20095", town_name="Hamburg",
                                             country_sub_division="HH", country="DE")


async def test_address_without_a_known_country_is_dropped():
    payload = {"info": {"lastName": "Mustermann", "addresses": [{"country": "ZZZ", "town": "Hamburg"}]}}
    assert (await answering(payload).identity(WALLET)).address is None


async def test_review_level_is_preferred_to_the_top_level_level_name():
    assert (await answering(APPLICANT).identity(WALLET)).applicant_level == "tokenholder-level"


async def test_not_found_is_applicant_not_found():
    with pytest.raises(ApplicantNotFound, match=WALLET):
        await status(404).identity(WALLET)


async def test_unauthorized_is_provider_refused():
    with pytest.raises(KycProviderRefused):
        await status(401).identity(WALLET)


async def test_service_unavailable_is_provider_unavailable():
    with pytest.raises(KycProviderUnavailable):
        await status(503).identity(WALLET)


async def test_connection_error_is_provider_unavailable():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)
    with pytest.raises(KycProviderUnavailable):
        await lookup(refuse).identity(WALLET)


async def test_timeout_is_provider_unavailable():
    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)
    with pytest.raises(KycProviderUnavailable):
        await lookup(stall).identity(WALLET)


async def test_applicant_without_last_name_is_incomplete():
    payload = {"info": {"firstName": "Jördis"}, "fixedInfo": {"firstName": "Joerdis"}}
    with pytest.raises(IncompleteIdentity):
        await answering(payload).identity(WALLET)


async def test_answer_declared_larger_than_1_mib_is_refused():
    body = b'{"info": {"lastName": "' + b"x" * MAX_RESPONSE_BYTES + b'"}}'
    with pytest.raises(ApplicantLookupError, match="exceeds"):
        await lookup(lambda request: httpx.Response(200, content=body)).identity(WALLET)


async def test_streamed_answer_is_cut_off_past_1_mib():
    async def chunks():
        yield b'{"info": {"lastName": "'
        for _ in range(MAX_RESPONSE_BYTES // 65536 + 1):
            yield b"x" * 65536
        yield b'"}}'
    with pytest.raises(ApplicantLookupError, match="exceeds"):
        await lookup(lambda request: httpx.Response(200, content=chunks())).identity(WALLET)


@pytest.mark.parametrize("answer", [
    httpx.Response(404), httpx.Response(401), httpx.Response(503), httpx.Response(400, json=APPLICANT),
    httpx.Response(200, json={"info": {"firstName": "Jördis", "dob": "1990-04-01",
                                       "placeOfBirth": "Hamburg"}}),
    httpx.Response(200, json={"info": {"lastName": "Mustermann", "dob": 19900401, "tin": "DE123456789"}}),
])
async def test_error_messages_carry_no_personal_data(answer: httpx.Response):
    with pytest.raises(ApplicantLookupError) as caught:
        await lookup(lambda request: answer).identity(WALLET)
    text = f"{caught.value!s} {caught.value!r} {caught.value.__cause__!r} {caught.value.__context__!r}"
    assert WALLET in text
    assert not [item for item in PII if item in text]


async def test_unknown_response_keys_are_ignored():
    payload = dict(APPLICANT, someFieldSumsubAddsLater={"nested": True})
    payload["info"] = dict(APPLICANT["info"], anotherNewField="x")
    assert (await answering(payload).identity(WALLET)).surname == "Mustermann"


def test_identity_refuses_unknown_keys():
    with pytest.raises(ValidationError):
        KycIdentity(wallet=WALLET, surname="Mustermann", email="jm@example.com")


def test_identity_keeps_no_contact_or_document_fields():
    assert set(KycIdentity.model_fields) == {
        "wallet", "surname", "given_names", "date_of_birth", "place_of_birth", "country_of_residence",
        "nationality", "address", "tax_id", "applicant_level"}
