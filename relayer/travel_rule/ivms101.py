"""IVMS101 (interVASP Messaging Standard, 2020): the identity payload a Travel Rule message carries.

Field names are the IVMS101 JSON element names, so `model_dump(mode="json", exclude_none=True)` is the wire form and
`IdentityPayload.model_validate(...)` parses a counterparty's payload. Every model refuses unknown keys: a misspelt
element would otherwise vanish silently and the payload would lack what the regulation requires. Constraints of the
standard are cited by number where the number is certain (C1, C2, C5, C6, C8, C9, C10, C11) and by name otherwise."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Literal

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

# IVMS101 text datatypes (Max16Text ... Max100Text) all require at least one character.
Max16Text = Annotated[str, StringConstraints(min_length=1, max_length=16)]
Max35Text = Annotated[str, StringConstraints(min_length=1, max_length=35)]
Max50Text = Annotated[str, StringConstraints(min_length=1, max_length=50)]
Max70Text = Annotated[str, StringConstraints(min_length=1, max_length=70)]
Max100Text = Annotated[str, StringConstraints(min_length=1, max_length=100)]

_LEI = re.compile(r"[0-9A-Z]{18}[0-9]{2}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def lei_is_valid(lei: str) -> bool:
    """ISO 17442: 18 upper-case alphanumerics and 2 check digits; ISO 7064 MOD 97-10 over the whole code, letters
    read as A=10 ... Z=35, leaves 1. The checksum catches the typo a format check lets through."""
    if not _LEI.fullmatch(lei):
        return False
    return int("".join(str(int(c, 36)) for c in lei)) % 97 == 1


def _country(code: str) -> str:
    # pycountry looks codes up case-insensitively; the wire form is upper case, so lower case is refused here.
    if not re.fullmatch(r"[A-Z]{2}", code) or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    return code


CountryCode = Annotated[str, AfterValidator(_country)]


class _Element(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NaturalPersonNameId(_Element):
    primaryIdentifier: Max100Text
    secondaryIdentifier: Max100Text | None = None
    nameIdentifierType: Literal["ALIA", "BIRT", "MAID", "LEGL", "MISC"]


class NaturalPersonName(_Element):
    nameIdentifier: Annotated[list[NaturalPersonNameId], Field(min_length=1)]
    localNameIdentifier: list[NaturalPersonNameId] | None = None
    phoneticNameIdentifier: list[NaturalPersonNameId] | None = None

    @model_validator(mode="after")
    def _legal_name_present(self) -> NaturalPersonName:
        if not any(n.nameIdentifierType == "LEGL" for n in self.nameIdentifier):
            raise ValueError("IVMS101 C6 LegalNamePresent: a natural person needs a nameIdentifier of type LEGL, the "
                             "name the beneficiary VASP screens against sanctions lists")
        return self


class LegalPersonNameId(_Element):
    legalPersonName: Max100Text
    legalPersonNameIdentifierType: Literal["LEGL", "SHRT", "TRAD"]


class LegalPersonName(_Element):
    nameIdentifier: Annotated[list[LegalPersonNameId], Field(min_length=1)]
    localNameIdentifier: list[LegalPersonNameId] | None = None
    phoneticNameIdentifier: list[LegalPersonNameId] | None = None

    @model_validator(mode="after")
    def _legal_name_present(self) -> LegalPersonName:
        if not any(n.legalPersonNameIdentifierType == "LEGL" for n in self.nameIdentifier):
            raise ValueError("IVMS101 C5 LegalNamePresentLegalPerson: a legal person needs a nameIdentifier of type "
                             "LEGL, its registered name, not only a short or trading name")
        return self


class Address(_Element):
    addressType: Literal["HOME", "BIZZ", "GEOG"]
    department: Max70Text | None = None
    subDepartment: Max70Text | None = None
    streetName: Max70Text | None = None
    buildingNumber: Max16Text | None = None
    buildingName: Max70Text | None = None
    floor: Max70Text | None = None
    postBox: Max70Text | None = None
    room: Max70Text | None = None
    postCode: Max16Text | None = None
    townName: Max70Text | None = None
    townLocationName: Max70Text | None = None
    districtName: Max70Text | None = None
    countrySubDivision: Max70Text | None = None
    addressLine: Annotated[list[Max70Text], Field(max_length=7)] | None = None
    country: CountryCode

    @model_validator(mode="after")
    def _valid_address(self) -> Address:
        structured = self.streetName and self.townName and (self.buildingNumber or self.buildingName)
        if not (self.addressLine or structured):
            raise ValueError("IVMS101 C8 ValidAddress: an address needs either addressLine (free-form lines) or a "
                             "structured street address (streetName, buildingNumber or buildingName, and townName); "
                             "a country alone does not locate anyone")
        return self


class NationalIdentification(_Element):
    nationalIdentifier: Max35Text
    nationalIdentifierType: Literal["ARNU", "CCPT", "RAID", "DRLC", "FIIN", "TXID", "SOCS", "IDCD", "LEIX", "MISC"]
    countryOfIssue: CountryCode | None = None
    registrationAuthority: str | None = None

    @field_validator("registrationAuthority")
    @classmethod
    def _registration_authority(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"RA\d{6}", value):
            raise ValueError(f"IVMS101 C10 RegistrationAuthority: {value!r} is not a GLEIF Registration Authorities "
                             "List code (RA followed by six digits)")
        return value

    @model_validator(mode="after")
    def _lei(self) -> NationalIdentification:
        if self.nationalIdentifierType != "LEIX":
            return self
        if not lei_is_valid(self.nationalIdentifier):
            raise ValueError(f"IVMS101 C11 ValidLEI: {self.nationalIdentifier!r} is not an ISO 17442 LEI (20 "
                             "characters, MOD 97-10 check digits)")
        # An LEI is global and GLEIF issues it: a country or a registration authority would contradict it.
        if self.countryOfIssue is not None:
            raise ValueError("IVMS101 C9 CompleteNationalIdentifierLegalPerson: an LEI has no countryOfIssue")
        if self.registrationAuthority is not None:
            raise ValueError("IVMS101 C9 CompleteNationalIdentifierLegalPerson: an LEI has no registrationAuthority")
        return self


# Validation messages never quote a value: they reach counterparties and logs, and a value here is personal data.
class DateAndPlaceOfBirth(_Element):
    dateOfBirth: date
    placeOfBirth: Max70Text

    @field_validator("dateOfBirth", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        # pydantic alone would also take a Unix timestamp or a datetime; IVMS101's ISODate is YYYY-MM-DD only.
        iso_text = isinstance(value, str) and _DATE.fullmatch(value) is not None
        if not (iso_text or isinstance(value, date) and not isinstance(value, datetime)):
            raise ValueError("dateOfBirth must be an ISO 8601 date, YYYY-MM-DD")
        return value

    @field_validator("dateOfBirth")
    @classmethod
    def _date_in_past(cls, value: date) -> date:
        if value >= datetime.now(UTC).date():
            raise ValueError("IVMS101 C2 DateInPast: dateOfBirth must be before today")
        return value


class NaturalPerson(_Element):
    name: NaturalPersonName
    geographicAddress: list[Address] | None = None
    nationalIdentification: NationalIdentification | None = None
    customerIdentification: Max50Text | None = None
    dateAndPlaceOfBirth: DateAndPlaceOfBirth | None = None
    countryOfResidence: CountryCode | None = None


_LEGAL_PERSON_IDENTIFIER_TYPES = ("RAID", "MISC", "LEIX", "TXID")


class LegalPerson(_Element):
    name: LegalPersonName
    geographicAddress: list[Address] | None = None
    customerNumber: Max50Text | None = None
    nationalIdentification: NationalIdentification | None = None
    countryOfRegistration: CountryCode | None = None

    @model_validator(mode="after")
    def _national_identifier(self) -> LegalPerson:
        national = self.nationalIdentification
        if national is None:
            return self
        # Passports, driving licences and the like identify people, not companies.
        if national.nationalIdentifierType not in _LEGAL_PERSON_IDENTIFIER_TYPES:
            raise ValueError(f"IVMS101 ValidNationalIdentifierLegalPerson: a legal person's nationalIdentifierType "
                             f"must be one of {', '.join(_LEGAL_PERSON_IDENTIFIER_TYPES)}, not "
                             f"{national.nationalIdentifierType}")
        # The registration authority, not a country, says who issued a company's identifier.
        if national.countryOfIssue is not None:
            raise ValueError("IVMS101 C9 CompleteNationalIdentifierLegalPerson: a legal person's national "
                             "identification has no countryOfIssue; the registrationAuthority names the issuer")
        if national.nationalIdentifierType != "LEIX" and national.registrationAuthority is None:
            raise ValueError("IVMS101 C9 CompleteNationalIdentifierLegalPerson: a legal person's national identifier "
                             "other than an LEI needs its registrationAuthority")
        return self


class Person(_Element):
    naturalPerson: NaturalPerson | None = None
    legalPerson: LegalPerson | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Person:
        if (self.naturalPerson is None) == (self.legalPerson is None):
            raise ValueError("IVMS101 Person is a choice: exactly one of naturalPerson and legalPerson")
        return self


class Originator(_Element):
    originatorPersons: Annotated[list[Person], Field(min_length=1)]
    accountNumber: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] | None = None

    @model_validator(mode="after")
    def _originator_information(self) -> Originator:
        # Beneficiaries are named only; FATF INR 16 asks more of the originator, whose VASP has verified them.
        for person in self.originatorPersons:
            natural, legal = person.naturalPerson, person.legalPerson
            if natural is not None and not (natural.geographicAddress or natural.nationalIdentification
                                            or natural.customerIdentification or natural.dateAndPlaceOfBirth):
                raise ValueError("IVMS101 C1 OriginatorInformationNaturalPerson: a natural-person originator needs "
                                 "a geographicAddress, nationalIdentification, customerIdentification or "
                                 "dateAndPlaceOfBirth besides the name")
            if legal is not None and not (any(a.addressType == "GEOG" for a in legal.geographicAddress or [])
                                          or legal.customerNumber or legal.nationalIdentification):
                raise ValueError("IVMS101 OriginatorInformationLegalPerson: a legal-person originator needs a "
                                 "geographicAddress of type GEOG, a customerNumber or a nationalIdentification")
        return self


class Beneficiary(_Element):
    beneficiaryPersons: Annotated[list[Person], Field(min_length=1)]
    accountNumber: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] | None = None


def _vasp_is_legal_person(person: Person | None, element: str) -> None:
    # A VASP is a business: a natural person here means the payload was assembled wrongly.
    if person is not None and person.legalPerson is None:
        raise ValueError(f"{element} must be a legalPerson: a VASP is a registered business")


class OriginatingVASP(_Element):
    originatingVASP: Person

    @model_validator(mode="after")
    def _legal_person(self) -> OriginatingVASP:
        _vasp_is_legal_person(self.originatingVASP, "originatingVASP")
        return self


class BeneficiaryVASP(_Element):
    beneficiaryVASP: Person | None = None

    @model_validator(mode="after")
    def _legal_person(self) -> BeneficiaryVASP:
        _vasp_is_legal_person(self.beneficiaryVASP, "beneficiaryVASP")
        return self


class IntermediaryVASP(_Element):
    intermediaryVASP: Person
    sequence: Annotated[int, Field(ge=0, strict=True)]


class TransferPath(_Element):
    """Intermediary VASPs between the two ends; modelled so a counterparty's payload that names them still parses."""

    transferPath: list[IntermediaryVASP]

    @model_validator(mode="after")
    def _sequential_integrity(self) -> TransferPath:
        sequences = [hop.sequence for hop in self.transferPath]
        if len(set(sequences)) != len(sequences):
            raise ValueError("IVMS101 sequentialIntegrity: each intermediary VASP needs its own sequence number")
        return self


class PayloadMetadata(_Element):
    """The scripts names were transliterated from (ISO 15924 codes as IVMS101 lists them)."""

    transliterationMethod: list[Literal["arab", "aran", "armn", "cyrl", "deva", "geor", "grek", "hani", "hebr", "kana",
                                        "kore", "thai", "othr"]] | None = None


class IdentityPayload(_Element):
    originator: Originator
    beneficiary: Beneficiary
    originatingVASP: OriginatingVASP
    beneficiaryVASP: BeneficiaryVASP | None = None
    transferPath: TransferPath | None = None
    payloadMetadata: PayloadMetadata | None = None


def natural_legal_name(np: NaturalPerson) -> tuple[str, str | None]:
    """(primaryIdentifier, secondaryIdentifier) of the first LEGL name: surname and given names, as screened."""
    legl = next(n for n in np.name.nameIdentifier if n.nameIdentifierType == "LEGL")
    return legl.primaryIdentifier, legl.secondaryIdentifier


def legal_name(person: Person) -> str:
    """The LEGL name for sanctions screening: "given names surname" for a natural person, the registered name of a
    legal person. C5 and C6 guarantee it exists."""
    if person.naturalPerson is not None:
        primary, secondary = natural_legal_name(person.naturalPerson)
        return primary if secondary is None else f"{secondary} {primary}"
    assert person.legalPerson is not None  # Person guarantees exactly one
    return next(n.legalPersonName for n in person.legalPerson.name.nameIdentifier
                if n.legalPersonNameIdentifierType == "LEGL")
