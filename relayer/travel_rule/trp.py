"""TRP 3 (the OpenVASP Travel Rule Protocol) messages and the client that sends them.

Specification: https://gitlab.com/OpenVASP/travel-rule-protocol/-/blob/master/core/specification.md. Every message
of one transfer is an HTTPS POST of JSON carrying the same `request-identifier` (a UUID) and the `api-version`
header; both VASPs authenticate with mutual TLS (TRP 3.0). The originator POSTs an `Inquiry` to the URL in the
beneficiary's Travel Address; the beneficiary answers with a `Resolution` (approved with the address to pay, or
rejected with words), in the response or later at the inquiry's `callback`; the originator then POSTs a
`Confirmation` (the transaction id, or a cancellation) to the approval's `callback`.

Amounts are whole tokens as a JSON number (TRP's `amount`); they are carried as `Decimal` end to end and written
with every digit, never through a float."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from relayer.api import jsonlimits
from relayer.attestor_client import client_context
from relayer.travel_rule.ivms101 import IdentityPayload

API_VERSION = "3.1.0"
API_VERSION_HEADER = "api-version"
REQUEST_ID_HEADER = "request-identifier"
EXTENSIONS_HEADER = "api-extensions"
MAX_BODY = 256 * 1024  # an IVMS101 payload is a few kilobytes; anything far larger is not a TRP message
_SUPPORTED_MAJOR = re.compile(r"^3\.\d+\.\d+$")
_REQUEST_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_AMOUNT_MARK = "__trp_amount__"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _https(url: str) -> str:
    if not url.startswith("https://") or any(c.isspace() for c in url) or len(url) > 512:
        raise ValueError("must be an https:// URL of at most 512 characters")
    return url


class Asset(_Wire):
    """The token moved: its ISO 24165 Digital Token Identifier (TRP 3.2) or a SLIP-0044 coin type."""

    dti: str | None = Field(default=None, pattern=r"^[0-9B-DF-HJ-NP-TV-Z]{9}$")
    slip0044: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _exactly_one(self) -> Asset:
        if (self.dti is None) == (self.slip0044 is None):
            raise ValueError("asset names exactly one of dti and slip0044")
        return self


class Inquiry(_Wire):
    asset: Asset
    amount: Decimal = Field(gt=0, description="whole tokens")
    callback: str = Field(description="where the beneficiary VASP sends its Resolution")
    IVMS101: IdentityPayload
    extensions: dict[str, Any] | None = None

    @field_validator("callback")
    @classmethod
    def _callback(cls, value: str) -> str:
        return _https(value)


class Approval(_Wire):
    address: str = Field(min_length=1, max_length=128, description="the address to pay")
    callback: str = Field(description="where the originator sends its Confirmation")

    @field_validator("callback")
    @classmethod
    def _callback(cls, value: str) -> str:
        return _https(value)


class Resolution(_Wire):
    version: str | None = Field(default=None, max_length=16)
    approved: Approval | None = None
    rejected: str | None = Field(default=None, min_length=1, max_length=512)

    @model_validator(mode="after")
    def _exactly_one(self) -> Resolution:
        if (self.approved is None) == (self.rejected is None):
            raise ValueError("a resolution is either approved or rejected")
        return self


class Confirmation(_Wire):
    txid: str | None = Field(default=None, min_length=1, max_length=128)
    canceled: str | None = Field(default=None, min_length=1, max_length=512)

    @model_validator(mode="after")
    def _exactly_one(self) -> Confirmation:
        if (self.txid is None) == (self.canceled is None):
            raise ValueError("a confirmation carries either txid or canceled")
        return self


def encode(message: _Wire) -> bytes:
    """The message as TRP JSON. An inquiry's `amount` is written as a JSON number with all its digits."""
    body = message.model_dump(mode="json", exclude_none=True, by_alias=True)
    if not isinstance(message, Inquiry):
        return json.dumps(body, separators=(",", ":")).encode()
    body["amount"] = _AMOUNT_MARK
    text = json.dumps(body, separators=(",", ":"))
    return text.replace(f'"{_AMOUNT_MARK}"', format(message.amount.normalize(), "f"), 1).encode()


def decode_json(body: bytes) -> Any:
    """A counterparty's JSON, numbers with a fraction as `Decimal` (an amount must not pass through a float). The
    nesting is bounded before parsing: CPython's parser recurses per level and a deep enough body crashes it."""
    if len(body) > MAX_BODY:
        raise ValueError(f"the body is larger than {MAX_BODY} bytes")
    if jsonlimits.nesting_depth(body) > jsonlimits.MAX_DEPTH:
        raise ValueError(f"JSON nested deeper than {jsonlimits.MAX_DEPTH} levels")
    return json.loads(body, parse_float=Decimal, parse_constant=_not_json)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")  # Python's parser takes NaN and Infinity; RFC 8259 does not


def check_headers(api_version: str | None, request_id: str | None) -> str:
    """The request identifier of a TRP request whose headers are valid; raises ValueError naming the fault."""
    if not api_version or not _SUPPORTED_MAJOR.match(api_version.strip()):
        raise ValueError(f"the {API_VERSION_HEADER} header must name TRP 3.x.y (this VASP speaks {API_VERSION})")
    if not request_id or not _REQUEST_ID.match(request_id.strip()):
        raise ValueError(f"the {REQUEST_ID_HEADER} header must be a UUID")
    return request_id.strip().lower()


class TrpError(Exception):
    """A TRP exchange with a counterparty failed."""


class CounterpartyUnavailable(TrpError):
    """It could not be reached, timed out, or answered 5xx: trying again later may succeed."""


class CounterpartyRefused(TrpError):
    """It answered 4xx: the message as sent will not be accepted."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"the counterparty answered {status}: {detail}")
        self.status = status


class MalformedAnswer(TrpError):
    """It answered 2xx with something that is not a TRP resolution."""


class TrpClient:
    """Sends TRP messages. `client` is injectable (tests pass a transport); otherwise one is made with mutual TLS.
    Redirects are never followed: a payload of personal data goes only to the URL the counterparty published."""

    def __init__(self, client: httpx.AsyncClient, api_version: str = API_VERSION) -> None:
        self._client = client
        self._api_version = api_version

    @classmethod
    def with_mutual_tls(cls, cert: Path, key: Path, ca: Path, timeout: float) -> TrpClient:
        return cls(httpx.AsyncClient(verify=client_context(cert, key, ca), timeout=timeout, follow_redirects=False))

    async def aclose(self) -> None:
        await self._client.aclose()

    async def inquire(self, url: str, request_id: str, inquiry: Inquiry) -> Resolution | None:
        """POSTs the inquiry; returns the resolution when the beneficiary answered at once, None when it will come
        to the inquiry's callback."""
        body = await self._post(url, request_id, inquiry)
        if not body.strip():
            return None
        try:
            return Resolution.model_validate(decode_json(body))
        except ValueError as exc:
            raise MalformedAnswer(f"the answer to the inquiry is not a TRP resolution: {_first_line(exc)}") from exc

    async def resolve(self, url: str, request_id: str, resolution: Resolution) -> None:
        await self._post(url, request_id, resolution)

    async def confirm(self, url: str, request_id: str, confirmation: Confirmation) -> None:
        await self._post(url, request_id, confirmation)

    async def _post(self, url: str, request_id: str, message: _Wire) -> bytes:
        headers = {API_VERSION_HEADER: self._api_version, REQUEST_ID_HEADER: request_id,
                   "content-type": "application/json; charset=utf-8"}
        try:
            async with self._client.stream("POST", _https(url), content=encode(message), headers=headers) as answer:
                body = await _read_capped(answer)
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            raise CounterpartyUnavailable(f"{type(exc).__name__} posting to {url}") from exc
        if answer.status_code >= 500:
            raise CounterpartyUnavailable(f"the counterparty answered {answer.status_code}")
        if answer.status_code >= 300:
            raise CounterpartyRefused(answer.status_code, body[:200].decode("utf-8", "replace").strip() or "no detail")
        return body


async def _read_capped(answer: httpx.Response) -> bytes:
    chunks, size = [], 0
    async for chunk in answer.aiter_bytes():
        size += len(chunk)
        if size > MAX_BODY:
            raise MalformedAnswer(f"the counterparty's answer is larger than {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
