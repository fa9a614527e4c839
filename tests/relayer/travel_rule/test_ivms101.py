"""IVMS101 payload models: the wire form round-trips, unknown keys are refused, and each constraint of the standard
refuses what it forbids with a message that names it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from relayer.travel_rule.ivms101 import (
    Address,
    Beneficiary,
    BeneficiaryVASP,
    DateAndPlaceOfBirth,
    IdentityPayload,
    LegalPerson,
    NationalIdentification,
    OriginatingVASP,
    Originator,
    Person,
    legal_name,
    lei_is_valid,
    natural_legal_name,
)

BLOOMBERG_LEI = "5493001KJTIIGC8Y1R12"
DEUTSCHE_BANK_LEI = "7LTWFZYICNSX8D621K86"


def _natural(surname: str = "Muster", given: str | None = "Erika", **extra: Any) -> dict[str, Any]:
    name: dict[str, Any] = {"primaryIdentifier": surname, "nameIdentifierType": "LEGL"}
    if given is not None:
        name["secondaryIdentifier"] = given
    return {"naturalPerson": {"name": {"nameIdentifier": [name]}, **extra}}


def _legal(name: str = "Agora Markets GmbH", **extra: Any) -> dict[str, Any]:
    return {"legalPerson": {"name": {"nameIdentifier": [{"legalPersonName": name,
                                                         "legalPersonNameIdentifierType": "LEGL"}]}, **extra}}


HOME = {"addressType": "HOME", "streetName": "Hauptstraße", "buildingNumber": "12", "postCode": "10115",
        "townName": "Berlin", "country": "DE"}


def _payload() -> dict[str, Any]:
    """A payload using most elements, as a counterparty could send it."""
    return {
        "originator": {
            "originatorPersons": [_natural(
                geographicAddress=[HOME],
                nationalIdentification={"nationalIdentifier": "12345678901", "nationalIdentifierType": "TXID",
                                        "countryOfIssue": "DE"},
                customerIdentification="cust-42",
                dateAndPlaceOfBirth={"dateOfBirth": "1980-02-29", "placeOfBirth": "Hamburg"},
                countryOfResidence="DE")],
            "accountNumber": ["0x00000000000000000000000000000000000000A1"],
        },
        "beneficiary": {"beneficiaryPersons": [_natural("Mustermann", "Max")],
                        "accountNumber": ["0x00000000000000000000000000000000000000B2"]},
        "originatingVASP": {"originatingVASP": _legal(
            nationalIdentification={"nationalIdentifier": BLOOMBERG_LEI, "nationalIdentifierType": "LEIX"},
            countryOfRegistration="DE")},
        "beneficiaryVASP": {"beneficiaryVASP": _legal(
            "Deutsche Bank AG", geographicAddress=[{"addressType": "GEOG", "addressLine": ["Taunusanlage 12",
                                                                                           "60325 Frankfurt"],
                                                    "country": "DE"}],
            nationalIdentification={"nationalIdentifier": "HRB 30000", "nationalIdentifierType": "RAID",
                                    "registrationAuthority": "RA000242"})},
        "transferPath": {"transferPath": [{"intermediaryVASP": _legal("Hop Ltd", customerNumber="7"), "sequence": 0}]},
        "payloadMetadata": {"transliterationMethod": ["othr"]},
    }


def _refused(model: type, data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        model.model_validate(data)


# --- wire form ---------------------------------------------------------------------------------------------------

def test_a_full_payload_round_trips_unchanged_through_the_wire_form():
    wire = _payload()
    parsed = IdentityPayload.model_validate(wire)
    assert parsed.model_dump(mode="json", exclude_none=True) == wire
    assert IdentityPayload.model_validate(parsed.model_dump(mode="json", exclude_none=True)) == parsed


def test_an_unknown_key_is_refused_at_any_depth():
    top = _payload() | {"note": "x"}
    _refused(IdentityPayload, top, "note")
    deep = _payload()
    deep["originator"]["originatorPersons"][0]["naturalPerson"]["nationalIdentification"]["issuer"] = "x"
    _refused(IdentityPayload, deep, "issuer")


def test_a_misspelt_element_name_is_refused_rather_than_dropped():
    address = HOME | {"postalCode": "10115"}
    _refused(Address, address, "postalCode")


def test_models_are_frozen():
    person = Person.model_validate(_natural())
    with pytest.raises(ValidationError):
        person.naturalPerson = None


def test_a_payload_without_beneficiary_vasp_is_accepted():
    wire = _payload()
    del wire["beneficiaryVASP"]
    assert IdentityPayload.model_validate(wire).beneficiaryVASP is None


# --- names -------------------------------------------------------------------------------------------------------

def test_a_natural_person_without_a_legl_name_is_refused():
    person = _natural()
    person["naturalPerson"]["name"]["nameIdentifier"][0]["nameIdentifierType"] = "ALIA"
    _refused(Person, person, "C6 LegalNamePresent")


def test_a_legal_person_without_a_legl_name_is_refused():
    person = _legal()
    person["legalPerson"]["name"]["nameIdentifier"][0]["legalPersonNameIdentifierType"] = "TRAD"
    _refused(Person, person, "C5 LegalNamePresentLegalPerson")


def test_a_person_needs_at_least_one_name_identifier():
    person = _natural()
    person["naturalPerson"]["name"]["nameIdentifier"] = []
    _refused(Person, person, "at least 1 item")


def test_a_name_longer_than_100_characters_is_refused():
    _refused(Person, _natural("x" * 101), "at most 100 characters")


def test_an_unknown_name_type_is_refused():
    person = _natural()
    person["naturalPerson"]["name"]["nameIdentifier"][0]["nameIdentifierType"] = "NICK"
    _refused(Person, person, "nameIdentifierType")


def test_legal_name_of_a_natural_person_is_given_names_then_surname():
    person = Person.model_validate(_natural())
    assert legal_name(person) == "Erika Muster"
    assert natural_legal_name(person.naturalPerson) == ("Muster", "Erika")


def test_legal_name_of_a_natural_person_without_given_names_is_the_surname():
    assert legal_name(Person.model_validate(_natural("Madonna", None))) == "Madonna"


def test_legal_name_skips_aliases_and_reads_the_legl_name():
    person = _natural()
    person["naturalPerson"]["name"]["nameIdentifier"].insert(
        0, {"primaryIdentifier": "Mouse", "secondaryIdentifier": "Mickey", "nameIdentifierType": "ALIA"})
    assert legal_name(Person.model_validate(person)) == "Erika Muster"


def test_legal_name_of_a_legal_person_is_its_registered_name():
    person = _legal()
    person["legalPerson"]["name"]["nameIdentifier"].insert(
        0, {"legalPersonName": "Agora", "legalPersonNameIdentifierType": "SHRT"})
    assert legal_name(Person.model_validate(person)) == "Agora Markets GmbH"


# --- person ------------------------------------------------------------------------------------------------------

def test_a_person_that_is_both_natural_and_legal_is_refused():
    _refused(Person, _natural() | _legal(), "exactly one of naturalPerson and legalPerson")


def test_a_person_that_is_neither_natural_nor_legal_is_refused():
    _refused(Person, {}, "exactly one of naturalPerson and legalPerson")


# --- addresses ---------------------------------------------------------------------------------------------------

def test_an_address_of_address_lines_only_is_valid():
    Address.model_validate({"addressType": "HOME", "addressLine": ["1 Main St", "Springfield"], "country": "US"})


def test_a_structured_address_with_building_name_instead_of_number_is_valid():
    Address.model_validate({"addressType": "BIZZ", "streetName": "Quai", "buildingName": "Tour A",
                            "townName": "Paris", "country": "FR"})


def test_an_address_with_only_a_country_is_refused():
    _refused(Address, {"addressType": "HOME", "country": "DE"}, "C8 ValidAddress")


def test_a_structured_address_without_a_building_is_refused():
    _refused(Address, {k: v for k, v in HOME.items() if k != "buildingNumber"}, "C8 ValidAddress")


def test_a_structured_address_without_a_town_is_refused():
    _refused(Address, {k: v for k, v in HOME.items() if k != "townName"}, "C8 ValidAddress")


def test_an_address_with_more_than_seven_lines_is_refused():
    _refused(Address, {"addressType": "HOME", "addressLine": ["l"] * 8, "country": "DE"}, "at most 7 items")


def test_an_address_field_over_its_length_is_refused():
    _refused(Address, HOME | {"postCode": "1" * 17}, "at most 16 characters")
    _refused(Address, HOME | {"streetName": "s" * 71}, "at most 70 characters")


def test_an_address_needs_a_country():
    _refused(Address, {k: v for k, v in HOME.items() if k != "country"}, "country")


@pytest.mark.parametrize("code", ["XX", "de", "DEU", "D"])
def test_a_country_that_is_not_an_upper_case_iso_alpha_2_code_is_refused(code):
    _refused(Address, HOME | {"country": code}, "ISO 3166-1 alpha-2")


# --- national identification -------------------------------------------------------------------------------------

def test_a_valid_lei_is_accepted_as_leix():
    NationalIdentification.model_validate({"nationalIdentifier": DEUTSCHE_BANK_LEI, "nationalIdentifierType": "LEIX"})


def test_an_leix_identifier_that_fails_the_lei_checksum_is_refused():
    _refused(NationalIdentification, {"nationalIdentifier": "7LTWFZYICNSX8D621K87", "nationalIdentifierType": "LEIX"},
             "C11 ValidLEI")


def test_an_lei_with_a_country_of_issue_is_refused():
    _refused(NationalIdentification, {"nationalIdentifier": BLOOMBERG_LEI, "nationalIdentifierType": "LEIX",
                                      "countryOfIssue": "US"}, "an LEI has no countryOfIssue")


def test_an_lei_with_a_registration_authority_is_refused():
    _refused(NationalIdentification, {"nationalIdentifier": BLOOMBERG_LEI, "nationalIdentifierType": "LEIX",
                                      "registrationAuthority": "RA000001"}, "an LEI has no registrationAuthority")


@pytest.mark.parametrize("code", ["RA12345", "RB123456", "ra123456", "RA1234567"])
def test_a_registration_authority_that_is_not_ra_and_six_digits_is_refused(code):
    _refused(NationalIdentification, {"nationalIdentifier": "HRB 1", "nationalIdentifierType": "RAID",
                                      "registrationAuthority": code}, "C10 RegistrationAuthority")


def test_a_national_identifier_longer_than_35_characters_is_refused():
    _refused(NationalIdentification, {"nationalIdentifier": "1" * 36, "nationalIdentifierType": "CCPT"},
             "at most 35 characters")


@pytest.mark.parametrize("kind", ["CCPT", "DRLC", "SOCS", "IDCD", "ARNU", "FIIN"])
def test_a_legal_person_identified_by_a_personal_document_type_is_refused(kind):
    _refused(LegalPerson, _legal(nationalIdentification={"nationalIdentifier": "X1", "nationalIdentifierType": kind,
                                                         "registrationAuthority": "RA000001"})["legalPerson"],
             "ValidNationalIdentifierLegalPerson")


def test_a_legal_person_national_identifier_with_a_country_of_issue_is_refused():
    identification = {"nationalIdentifier": "HRB 1", "nationalIdentifierType": "RAID", "countryOfIssue": "DE",
                      "registrationAuthority": "RA000242"}
    _refused(LegalPerson, _legal(nationalIdentification=identification)["legalPerson"],
             "C9 CompleteNationalIdentifierLegalPerson.*countryOfIssue")


def test_a_legal_person_identifier_other_than_an_lei_needs_a_registration_authority():
    identification = {"nationalIdentifier": "DE123456789", "nationalIdentifierType": "TXID"}
    _refused(LegalPerson, _legal(nationalIdentification=identification)["legalPerson"],
             "C9 CompleteNationalIdentifierLegalPerson.*registrationAuthority")


def test_lei_checksum_accepts_real_leis():
    assert lei_is_valid(BLOOMBERG_LEI)
    assert lei_is_valid(DEUTSCHE_BANK_LEI)


@pytest.mark.parametrize("lei", ["5493001KJTIIGC8Y1R13", "5493001KJTIIGC8Y1S12", "6493001KJTIIGC8Y1R12"])
def test_lei_checksum_refuses_a_one_character_change(lei):
    assert not lei_is_valid(lei)


@pytest.mark.parametrize("lei", ["5493001kjtiigc8y1r12", "5493001KJTIIGC8Y1R1", "5493001KJTIIGC8Y1R120",
                                 "5493001KJTIIGC8Y1RA2", ""])
def test_lei_checksum_refuses_a_malformed_code(lei):
    assert not lei_is_valid(lei)


# --- date and place of birth -------------------------------------------------------------------------------------

def test_a_date_of_birth_today_is_refused():
    today = datetime.now(UTC).date().isoformat()
    _refused(DateAndPlaceOfBirth, {"dateOfBirth": today, "placeOfBirth": "Bonn"}, "C2 DateInPast")


def test_a_date_of_birth_in_the_future_is_refused():
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    _refused(DateAndPlaceOfBirth, {"dateOfBirth": tomorrow, "placeOfBirth": "Bonn"}, "C2 DateInPast")


@pytest.mark.parametrize("value", [315532800, "1980-1-1", "01.01.1980", "1980-01-01T00:00:00", "1980-02-30"])
def test_a_date_of_birth_not_in_iso_yyyy_mm_dd_form_is_refused(value):
    _refused(DateAndPlaceOfBirth, {"dateOfBirth": value, "placeOfBirth": "Bonn"}, "dateOfBirth")


def test_a_place_of_birth_is_required():
    _refused(DateAndPlaceOfBirth, {"dateOfBirth": "1980-01-01"}, "placeOfBirth")


# --- originator and beneficiary ----------------------------------------------------------------------------------

def test_a_natural_person_originator_without_address_id_or_birth_is_refused():
    _refused(Originator, {"originatorPersons": [_natural(countryOfResidence="DE")]},
             "C1 OriginatorInformationNaturalPerson")


@pytest.mark.parametrize("element", [
    {"geographicAddress": [HOME]},
    {"nationalIdentification": {"nationalIdentifier": "C01X00T47", "nationalIdentifierType": "CCPT"}},
    {"customerIdentification": "cust-42"},
    {"dateAndPlaceOfBirth": {"dateOfBirth": "1980-01-01", "placeOfBirth": "Bonn"}},
])
def test_a_natural_person_originator_with_any_one_identifying_element_is_accepted(element):
    Originator.model_validate({"originatorPersons": [_natural(**element)]})


def test_a_named_natural_person_is_enough_for_a_beneficiary():
    Beneficiary.model_validate({"beneficiaryPersons": [_natural()]})


def test_a_legal_person_originator_without_geographic_address_customer_number_or_identifier_is_refused():
    _refused(Originator, {"originatorPersons": [_legal(geographicAddress=[HOME])]},
             "OriginatorInformationLegalPerson")


def test_a_legal_person_originator_with_a_customer_number_is_accepted():
    Originator.model_validate({"originatorPersons": [_legal(customerNumber="C-1")]})


def test_an_originator_needs_at_least_one_person():
    _refused(Originator, {"originatorPersons": []}, "at least 1 item")


def test_an_account_number_longer_than_100_characters_is_refused():
    _refused(Originator, {"originatorPersons": [_legal(customerNumber="C-1")], "accountNumber": ["a" * 101]},
             "at most 100 characters")


# --- VASPs and transfer path -------------------------------------------------------------------------------------

def test_an_originating_vasp_that_is_a_natural_person_is_refused():
    _refused(OriginatingVASP, {"originatingVASP": _natural()}, "originatingVASP must be a legalPerson")


def test_a_beneficiary_vasp_that_is_a_natural_person_is_refused():
    _refused(BeneficiaryVASP, {"beneficiaryVASP": _natural()}, "beneficiaryVASP must be a legalPerson")


def test_a_transfer_path_with_a_repeated_sequence_number_is_refused():
    wire = _payload()
    hops = wire["transferPath"]["transferPath"]
    hops.append(copy.deepcopy(hops[0]))
    _refused(IdentityPayload, wire, "sequentialIntegrity")
