"""A Travel Rule transfer between two VASPs running RAT (relayer/travel_rule/service.py): the originator's inquiry,
the beneficiary's screening and answer, the go, the confirmation; and every way it must stop instead."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import httpx
import pytest

from rat.errors import TransferStatus
from relayer.kyc.applicants import KycIdentity
from relayer.travel_rule import address as travel_address
from relayer.travel_rule.service import BeneficiaryName, OutgoingTransfer, TravelRuleError
from relayer.travel_rule.trp import API_VERSION_HEADER, REQUEST_ID_HEADER, CounterpartyUnavailable

from trp_vasps import ALICE, BEA, DTI, SHARE, TOKEN, inquiry_body

pytestmark = pytest.mark.anyio
TX = "0x" + "ab" * 32


def transfer(vasp_b, **changes) -> OutgoingTransfer:
    terms = dict(transfer_id=str(uuid.uuid4()), asset=TOKEN, originator=ALICE, amount=5 * SHARE,
                 travel_address=vasp_b.service.travel_address(BEA),
                 beneficiary=BeneficiaryName(surname="Da Silva", given_names="Beatriz"))
    return OutgoingTransfer(**{**terms, **changes})


@pytest.fixture
def bea_at_b(vasp_b):
    vasp_b.investor(BEA)
    return vasp_b


async def test_a_travel_address_leads_to_the_beneficiary_vasps_inquiry_endpoint_for_that_wallet(bea_at_b):
    url = travel_address.decode(bea_at_b.service.travel_address(BEA.lower()))

    assert url == f"https://trp.vasp-b.test/trp/inquiries/{BEA}?t=i"


async def test_no_travel_address_is_issued_for_a_wallet_without_valid_kyc(vasp_b):
    vasp_b.investor(BEA, expiry=1)

    with pytest.raises(TravelRuleError) as refused:
        vasp_b.service.travel_address(BEA)
    assert refused.value.kind == "unknown-investor"


async def test_an_approved_inquiry_is_the_go_to_pay_the_address_the_beneficiary_vasp_named(vasp_a, bea_at_b):
    record = await vasp_a.service.originate(transfer(bea_at_b))

    assert (record.status, record.beneficiary, record.amount) == ("approved", BEA, 5 * SHARE)
    assert [r["status"] for r in bea_at_b.rows()] == ["approved"]


async def test_the_inquiry_carries_the_originator_from_the_kyc_record_and_the_vasp_with_its_lei(vasp_a, bea_at_b):
    await vasp_a.service.originate(transfer(bea_at_b))

    sent = json.loads(bea_at_b.received[0].content)
    person = sent["IVMS101"]["originator"]["originatorPersons"][0]["naturalPerson"]
    assert person["name"]["nameIdentifier"] == [{"primaryIdentifier": "Mustermann",
                                                 "secondaryIdentifier": "Jördis Anna", "nameIdentifierType": "LEGL"}]
    assert person["dateAndPlaceOfBirth"] == {"dateOfBirth": "1990-04-01", "placeOfBirth": "Hamburg"}
    assert sent["IVMS101"]["originator"]["accountNumber"] == [ALICE]
    vasp = sent["IVMS101"]["originatingVASP"]["originatingVASP"]["legalPerson"]
    assert vasp["nationalIdentification"] == {"nationalIdentifier": "5493001KJTIIGC8Y1R12",
                                              "nationalIdentifierType": "LEIX"}
    assert (sent["asset"], sent["amount"]) == ({"dti": DTI}, 5)


async def test_the_inquiry_carries_the_trp_headers_and_the_transfer_id(vasp_a, bea_at_b):
    request = transfer(bea_at_b)
    await vasp_a.service.originate(request)

    headers = bea_at_b.received[0].headers
    assert (headers[API_VERSION_HEADER], headers[REQUEST_ID_HEADER]) == ("3.1.0", request.transfer_id)


async def test_an_amount_is_sent_with_every_digit_never_through_a_float(vasp_a, bea_at_b):
    await vasp_a.service.originate(transfer(bea_at_b, amount=1_234_567_890_123_456_789_123))

    assert b'"amount":1234.567890123456789123' in bea_at_b.received[0].content
    assert bea_at_b.rows()[0]["amount"] == "1234567890123456789123"


async def test_confirming_sends_the_transaction_hash_to_the_beneficiary_vasp(vasp_a, bea_at_b):
    record = await vasp_a.service.originate(transfer(bea_at_b))

    confirmed = await vasp_a.service.confirm(record.id, TX)

    assert (confirmed.status, confirmed.tx_hash) == ("confirmed", TX)
    assert [(r["status"], r["tx_hash"]) for r in bea_at_b.rows()] == [("confirmed", TX)]


async def test_cancelling_an_approved_transfer_tells_the_beneficiary_vasp(vasp_a, bea_at_b):
    record = await vasp_a.service.originate(transfer(bea_at_b))

    canceled = await vasp_a.service.cancel(record.id, "the investor withdrew the order")

    assert canceled.status == "canceled"
    assert [(r["status"], r["reason"]) for r in bea_at_b.rows()] == [("canceled", "the investor withdrew the order")]


async def test_a_transfer_not_approved_cannot_be_confirmed(vasp_a, bea_at_b):
    record = await vasp_a.service.originate(transfer(bea_at_b, beneficiary=BeneficiaryName(surname="Souza")))

    with pytest.raises(TravelRuleError) as refused:
        await vasp_a.service.confirm(record.id, TX)
    assert refused.value.kind == "wrong-state"


async def test_a_beneficiary_name_that_is_not_the_account_holder_is_rejected_with_the_reason(vasp_a, bea_at_b):
    record = await vasp_a.service.originate(transfer(bea_at_b, beneficiary=BeneficiaryName(surname="Souza",
                                                                                             given_names="Beatriz")))

    assert (record.status, record.reason) == ("rejected", "the beneficiary's name does not match the holder of "
                                                          "the account")
    assert [r["status"] for r in bea_at_b.rows()] == ["rejected"]


async def test_accents_case_and_punctuation_do_not_count_in_the_name_screening(vasp_a, bea_at_b):
    record = await vasp_a.service.originate(transfer(bea_at_b, beneficiary=BeneficiaryName(
        surname="DA  SILVA", given_names="Beatríz")))

    assert record.status == "approved"


async def test_the_beneficiary_vasp_rejects_when_its_registry_would_refuse_the_recipient(vasp_a, bea_at_b):
    bea_at_b.verdicts[BEA] = TransferStatus.RECIPIENT_KYC_EXPIRED

    record = await vasp_a.service.originate(transfer(bea_at_b))

    assert record.status == "rejected"
    assert record.reason == "the beneficiary cannot receive this asset: the recipient's KYC has expired"
    assert bea_at_b.prechecks == [(TOKEN, "0x" + "00" * 20, BEA, 5 * SHARE)]


async def test_an_approval_the_originators_registry_refuses_is_blocked_and_cancelled_towards_the_beneficiary(
        vasp_a, bea_at_b):
    vasp_a.verdicts[BEA] = TransferStatus.SENDER_FROZEN

    record = await vasp_a.service.originate(transfer(bea_at_b))

    assert (record.status, record.reason) == ("blocked", "the registry refuses this transfer: the sender is frozen "
                                                         "(sanctions or court order)")
    assert vasp_a.prechecks == [(TOKEN, ALICE, BEA, 5 * SHARE)]
    assert [r["status"] for r in bea_at_b.rows()] == ["canceled"]


async def test_repeating_a_transfer_id_never_sends_a_second_inquiry(vasp_a, bea_at_b):
    request = transfer(bea_at_b)
    first = await vasp_a.service.originate(request)

    again = await vasp_a.service.originate(request)

    assert again == first
    assert len(bea_at_b.received) == 1


async def test_a_transfer_id_reused_for_other_terms_is_refused(vasp_a, bea_at_b):
    request = transfer(bea_at_b)
    await vasp_a.service.originate(request)

    with pytest.raises(TravelRuleError) as refused:
        await vasp_a.service.originate(request.model_copy(update={"amount": 6 * SHARE}))
    assert refused.value.kind == "transfer-id-reused"


async def test_an_unreachable_beneficiary_vasp_leaves_the_transfer_unsent_and_a_retry_sends_it(
        vasp_a, bea_at_b, network):
    request = transfer(bea_at_b)
    network.down.add("trp.vasp-b.test")
    with pytest.raises(CounterpartyUnavailable):
        await vasp_a.service.originate(request)
    assert [r["status"] for r in vasp_a.rows()] == ["unsent"]

    network.down.clear()
    record = await vasp_a.service.originate(request)

    assert record.status == "approved"
    assert len(bea_at_b.rows()) == 1


async def test_a_redirect_from_the_beneficiary_vasp_is_not_followed_and_refuses_the_transfer(
        vasp_a, bea_at_b, network):
    network.answers["trp.vasp-b.test"] = httpx.Response(
        307, headers={"location": "https://collector.example/trp/inquiries/x"})

    with pytest.raises(TravelRuleError) as refused:
        await vasp_a.service.originate(transfer(bea_at_b))

    assert refused.value.kind == "counterparty-refused"
    assert [r["status"] for r in vasp_a.rows()] == ["refused"]
    assert len(bea_at_b.received) == 1


async def test_an_originator_the_kyc_record_cannot_identify_is_refused_before_anything_is_sent(vasp_a, bea_at_b):
    vasp_a.records.identities[ALICE] = KycIdentity(wallet=ALICE, surname="Mustermann", country_of_residence="DE")

    with pytest.raises(TravelRuleError) as refused:
        await vasp_a.service.originate(transfer(bea_at_b))

    assert refused.value.kind == "originator-incomplete"
    assert (vasp_a.rows(), bea_at_b.received) == ([], [])


async def test_a_malformed_travel_address_is_refused_before_anything_is_sent(vasp_a, bea_at_b):
    with pytest.raises(TravelRuleError) as refused:
        await vasp_a.service.originate(transfer(bea_at_b, travel_address="taNOTBASE58CHECK0OIl"))

    assert refused.value.kind == "invalid-travel-address"
    assert vasp_a.rows() == []


async def test_an_asset_not_carried_is_refused_before_anything_is_sent(vasp_a, bea_at_b):
    with pytest.raises(TravelRuleError) as refused:
        await vasp_a.service.originate(transfer(bea_at_b, asset="0x00000000000000000000000000000000000000C3"))

    assert refused.value.kind == "unknown-asset"


async def test_a_resolution_arriving_later_at_the_callback_decides_an_inquiry_answered_empty(
        vasp_a, bea_at_b, network):
    network.answers["trp.vasp-b.test"] = httpx.Response(200, content=b"")
    request = transfer(bea_at_b)
    assert (await vasp_a.service.originate(request)).status == "inquired"
    callback = json.loads(bea_at_b.received[0].content)["callback"]
    token = callback.rsplit("/", 1)[1]

    record = await vasp_a.service.receive_callback(token, request.transfer_id, {"approved": {
        "address": BEA, "callback": "https://trp.vasp-b.test/trp/callbacks/" + "x" * 43}})

    assert (record.status, record.beneficiary) == ("approved", BEA)


async def test_a_callback_naming_another_transfer_is_refused(vasp_a, bea_at_b, network):
    network.answers["trp.vasp-b.test"] = httpx.Response(200, content=b"")
    await vasp_a.service.originate(transfer(bea_at_b))
    token = json.loads(bea_at_b.received[0].content)["callback"].rsplit("/", 1)[1]

    with pytest.raises(TravelRuleError) as refused:
        await vasp_a.service.receive_callback(token, str(uuid.uuid4()), {"rejected": "no"})
    assert refused.value.kind == "invalid-message"


async def test_a_second_resolution_does_not_change_a_decided_transfer(vasp_a, bea_at_b):
    request = transfer(bea_at_b)
    await vasp_a.service.originate(request)
    token = vasp_a.rows()[0]["callback_token"]

    record = await vasp_a.service.receive_callback(token, request.transfer_id, {"rejected": "changed our mind"})

    assert record.status == "approved"


async def test_the_same_inquiry_twice_gets_the_same_answer_and_one_record(vasp_a, bea_at_b):
    request = transfer(bea_at_b)
    await vasp_a.service.originate(request)
    inquiry = bea_at_b.received[0]

    again = await httpx.AsyncClient(transport=httpx.ASGITransport(
        app=bea_at_b_app(bea_at_b))).post(str(inquiry.url), content=inquiry.content, headers=dict(inquiry.headers))

    assert again.json()["approved"]["address"] == BEA
    assert len(bea_at_b.rows()) == 1


async def test_an_amount_finer_than_the_tokens_decimals_is_rejected_and_not_kept(bea_at_b):
    from relayer.travel_rule.trp import Inquiry

    sent = json.loads(inquiry_body(), parse_float=Decimal)
    sent["amount"] = Decimal("1.0000000000000000001")

    resolution = await bea_at_b.service.receive_inquiry(BEA, str(uuid.uuid4()), Inquiry.model_validate(sent))

    assert resolution.rejected == "the amount has more decimals than the token's 18"
    assert bea_at_b.rows() == []


async def test_an_inquiry_for_an_asset_this_vasp_does_not_carry_is_rejected_and_not_kept(bea_at_b):
    from relayer.travel_rule.trp import Inquiry

    sent = json.loads(inquiry_body())
    sent["asset"] = {"dti": "X9J9K872S"}

    resolution = await bea_at_b.service.receive_inquiry(BEA, str(uuid.uuid4()), Inquiry.model_validate(sent))

    assert resolution.rejected == "this VASP does not carry that asset"
    assert bea_at_b.rows() == []


def bea_at_b_app(vasp):
    from relayer.travel_rule.listener import create_trp_app

    return create_trp_app(vasp.service)
