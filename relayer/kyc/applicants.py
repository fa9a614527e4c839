"""The originator's identity for FATF Travel Rule (IVMS101) messages, read from Sumsub at send time.

RAT keeps no personal data (see `relayer.kyc`): the legal name, birth data, address and tax id stay at the KYC
provider and are fetched only when an investor sends tokens to another VASP. Only the fields the Travel Rule
needs are parsed; everything else in Sumsub's answer (documents, e-mail, phone, ...) is dropped unread.

As Sumsub documents them:

* authentication (https://docs.sumsub.com/reference/authentication): every request carries `X-App-Token`,
  `X-App-Access-Ts` (unix seconds) and `X-App-Access-Sig`, the lower-case hex HMAC-SHA256, keyed with the
  secret key, of `ts + METHOD + path_with_query + body`;
* lookup (https://docs.sumsub.com/reference/get-applicant-data-via-externaluserid):
  `GET /resources/applicants/-;externalUserId={externalUserId}/one`. RAT registers applicants with the
  checksummed wallet address as `externalUserId` (as `relayer.kyc.ledger` reads it back), so the lookup uses
  the same form;
* `info` holds the data extracted from verified documents and `fixedInfo` the data the applicant typed: `info`
  wins, field by field. Countries are ISO 3166-1 alpha-3 there and alpha-2 in IVMS101.

Error messages name the wallet only, never a name, date or address: they end up in logs and alerts."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import time
from collections.abc import Callable
from urllib.parse import quote

import httpx
import pycountry
from eth_utils import is_address, to_checksum_address
from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_RESPONSE_BYTES = 1024 * 1024
_ALPHA_2 = r"^[A-Z]{2}$"


class ApplicantLookupError(Exception):
    """The identity could not be read; the message names the wallet, never personal data."""


class ApplicantNotFound(ApplicantLookupError):
    """Sumsub has no applicant for the wallet (404)."""


class KycProviderUnavailable(ApplicantLookupError):
    """Sumsub did not answer usefully (5xx, 429, timeout, connection error): retrying later may succeed."""


class KycProviderRefused(ApplicantLookupError):
    """Sumsub refused the credentials (401/403): wrong app token, secret or clock, or missing permission."""


class IncompleteIdentity(ApplicantLookupError):
    """The applicant has no legal name (no `lastName`), so no Travel Rule message can be built."""


class PostalAddress(BaseModel):
    """A geographic address in IVMS101 terms."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    street_name: str | None = None
    building_number: str | None = None
    post_code: str | None = None
    town_name: str | None = None
    country_sub_division: str | None = None
    country: str = Field(pattern=_ALPHA_2)


class KycIdentity(BaseModel):
    """What an IVMS101 originator needs: the legal name and the data that tells the person apart."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    wallet: str
    surname: str = Field(min_length=1)
    given_names: str | None = None
    date_of_birth: datetime.date | None = None
    place_of_birth: str | None = None
    country_of_residence: str | None = Field(default=None, pattern=_ALPHA_2)
    nationality: str | None = Field(default=None, pattern=_ALPHA_2)
    address: PostalAddress | None = None
    tax_id: str | None = None
    applicant_level: str | None = None


class _SumsubAddress(BaseModel):
    model_config = ConfigDict(extra="ignore")

    country: str | None = None
    postCode: str | None = None
    town: str | None = None
    street: str | None = None
    subStreet: str | None = None
    state: str | None = None
    buildingNumber: str | None = None


class _SumsubInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    firstName: str | None = None
    middleName: str | None = None
    lastName: str | None = None
    dob: str | None = None
    placeOfBirth: str | None = None
    country: str | None = None
    nationality: str | None = None
    tin: str | None = None
    addresses: list[_SumsubAddress] | None = None


class _SumsubReview(BaseModel):
    model_config = ConfigDict(extra="ignore")

    levelName: str | None = None


class _SumsubApplicant(BaseModel):
    """The parts of Sumsub's applicant that the Travel Rule uses; Sumsub adds fields over time, so others are
    ignored."""

    model_config = ConfigDict(extra="ignore")

    levelName: str | None = None
    review: _SumsubReview | None = None
    info: _SumsubInfo | None = None
    fixedInfo: _SumsubInfo | None = None


class SumsubApplicants:
    """Reads an applicant's identity from Sumsub's REST API. Without an injected client, each lookup opens its
    own (lookups are rare: one per cross-VASP transfer), so there is nothing to close."""

    def __init__(self, app_token: str, secret_key: str, *, base_url: str = "https://api.sumsub.com",
                 client: httpx.AsyncClient | None = None, clock: Callable[[], float] = time.time,
                 timeout: float = 10.0) -> None:
        self._app_token = app_token
        self._secret_key = secret_key.encode()
        self._base_url = base_url.rstrip("/")
        self._client = client
        self._clock = clock
        self._timeout = timeout

    async def identity(self, wallet: str) -> KycIdentity:
        if not is_address(wallet):
            raise ApplicantLookupError("the wallet is not an address; Sumsub applicants are keyed by wallet "
                                       "address")
        wallet = to_checksum_address(wallet)
        url = f"{self._base_url}/resources/applicants/-;externalUserId={quote(wallet, safe='')}/one"
        if self._client is not None:
            body = await self._fetch(self._client, url, wallet)
        else:
            async with httpx.AsyncClient() as client:
                body = await self._fetch(client, url, wallet)
        return _identity(wallet, _parse(body, wallet))

    async def _fetch(self, client: httpx.AsyncClient, url: str, wallet: str) -> bytes:
        request = client.build_request("GET", url, headers={"Accept": "application/json"},
                                       timeout=self._timeout)
        # Signed over the path exactly as it goes on the wire, so any encoding httpx applies is covered.
        ts = str(int(self._clock()))
        signed = ts.encode() + request.method.encode() + request.url.raw_path + request.content
        request.headers["X-App-Token"] = self._app_token
        request.headers["X-App-Access-Ts"] = ts
        request.headers["X-App-Access-Sig"] = hmac.new(self._secret_key, signed, hashlib.sha256).hexdigest()
        try:
            response = await client.send(request, stream=True)
            try:
                _check_status(response.status_code, wallet)
                return await _read_limited(response, wallet)
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            raise KycProviderUnavailable(f"Sumsub timed out looking up the applicant of {wallet}") from None
        except httpx.TransportError as exc:
            raise KycProviderUnavailable(f"Sumsub unreachable looking up the applicant of {wallet}: "
                                         f"{exc.__class__.__name__}") from None


def _check_status(status: int, wallet: str) -> None:
    if status == 200:
        return
    if status == 404:
        raise ApplicantNotFound(f"Sumsub has no applicant with externalUserId {wallet}")
    if status in (401, 403):
        raise KycProviderRefused(f"Sumsub refused the lookup of {wallet} (HTTP {status}): check the app "
                                 "token, secret key, clock and the token's View applicants permission")
    if status == 429 or status >= 500:
        raise KycProviderUnavailable(f"Sumsub answered HTTP {status} looking up the applicant of {wallet}")
    raise ApplicantLookupError(f"Sumsub answered HTTP {status} looking up the applicant of {wallet}")


async def _read_limited(response: httpx.Response, wallet: str) -> bytes:
    """The body, refused past MAX_RESPONSE_BYTES before it is all in memory: an applicant is a few kB."""
    too_large = ApplicantLookupError(f"Sumsub's answer for {wallet} exceeds {MAX_RESPONSE_BYTES} bytes; "
                                     "refused")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        raise too_large
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > MAX_RESPONSE_BYTES:
            raise too_large
    return bytes(body)


def _parse(body: bytes, wallet: str) -> _SumsubApplicant:
    # The validation error quotes the offending values (personal data): it is dropped, not chained.
    try:
        return _SumsubApplicant.model_validate_json(body)
    except ValidationError:
        pass
    raise ApplicantLookupError(f"Sumsub's answer for {wallet} is not an applicant")


def _identity(wallet: str, applicant: _SumsubApplicant) -> KycIdentity:
    verified, typed = applicant.info or _SumsubInfo(), applicant.fixedInfo or _SumsubInfo()

    def pick(name: str) -> str | None:
        return _text(getattr(verified, name)) or _text(getattr(typed, name))

    surname = pick("lastName")
    if surname is None:
        raise IncompleteIdentity(f"the Sumsub applicant of {wallet} has no last name")
    given = " ".join(part for part in (pick("firstName"), pick("middleName")) if part) or None
    level = (applicant.review.levelName if applicant.review else None) or applicant.levelName
    return KycIdentity(
        wallet=wallet, surname=surname, given_names=given, date_of_birth=_date(pick("dob")),
        place_of_birth=pick("placeOfBirth"), country_of_residence=_alpha_2(pick("country")),
        nationality=_alpha_2(pick("nationality")), address=_address(verified.addresses or typed.addresses),
        tax_id=pick("tin"), applicant_level=_text(level))


def _address(addresses: list[_SumsubAddress] | None) -> PostalAddress | None:
    """The first address, whole (mixing lines of two addresses would describe neither); without a known
    country it is no IVMS101 geographic address and is dropped."""
    if not addresses:
        return None
    first = addresses[0]
    country = _alpha_2(first.country)
    if country is None:
        return None
    street = ", ".join(part for part in (_text(first.street), _text(first.subStreet)) if part) or None
    return PostalAddress(street_name=street, building_number=_text(first.buildingNumber),
                         post_code=_text(first.postCode), town_name=_text(first.town),
                         country_sub_division=_text(first.state), country=country)


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _alpha_2(alpha_3: str | None) -> str | None:
    """An unknown code is dropped rather than refused: the other fields may still identify the person."""
    if not alpha_3 or len(alpha_3) != 3:
        return None
    country = pycountry.countries.get(alpha_3=alpha_3.upper())
    return country.alpha_2 if country is not None else None


def _date(value: str | None) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None
