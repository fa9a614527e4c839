"""The TRP listener: counterparties' inquiries (`POST /trp/inquiries/{wallet}`, the URL inside the Travel Addresses
this relayer issues) and callbacks (`POST /trp/callbacks/{token}`). It is its own ASGI app on its own port because
TRP 3 is mutual TLS: the TLS layer refuses any client without a certificate from `travel_rule.tls_ca`, so nothing
here is reachable by the public API's anonymous callers. Headers are checked as TRP requires (`api-version` 3.x,
`request-identifier` a UUID, echoed back); every failure is an RFC 9457 problem, never a 5xx for a bad message."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi import Path as PathParam
from pydantic import ValidationError

from relayer.api import problems
from relayer.api.problems import ProblemError
from relayer.api.routes_travel_rule import FAILURES, travel_rule_problem
from relayer.config import TravelRuleConfig
from relayer.travel_rule import trp
from relayer.travel_rule.service import TravelRuleService

router = APIRouter(prefix="/trp", tags=["trp"])
_JSON = "application/json"
T = TypeVar("T")


@dataclass(frozen=True)
class Message:
    """A TRP request whose headers, media type, size and JSON were checked."""

    request_id: str
    body: Any


async def trp_message(
    request: Request,
    api_version: Annotated[str | None, Header(alias="api-version", max_length=32)] = None,
    request_identifier: Annotated[str | None, Header(alias="request-identifier", max_length=64)] = None,
) -> Message:
    try:
        rid = trp.check_headers(api_version, request_identifier)
    except ValueError as exc:
        raise ProblemError(400, str(exc), "trp-headers") from None
    content_type = request.headers.get("content-type", _JSON).split(";")[0].strip().lower()
    if content_type != _JSON:
        raise ProblemError(415, "TRP messages are application/json", "unsupported-media-type")
    too_large = ProblemError(413, f"a TRP message is at most {trp.MAX_BODY} bytes", "payload-too-large")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > trp.MAX_BODY:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > trp.MAX_BODY:
            raise too_large
    try:
        return Message(rid, trp.decode_json(bytes(body)))
    except (ValueError, RecursionError):
        raise ProblemError(400, "the body is not valid JSON", "malformed-json") from None


Checked = Annotated[Message, Depends(trp_message)]


async def _answer(call: Awaitable[T]) -> T:
    try:
        return await call
    except FAILURES as exc:
        raise travel_rule_problem(exc) from None


@router.post("/inquiries/{wallet}", summary="A TRP transfer inquiry for one of this VASP's investors")
async def inquiry(request: Request, message: Checked,
                  wallet: Annotated[str, PathParam(pattern=r"^0x[0-9a-fA-F]{40}$")]) -> dict:
    try:
        sent = trp.Inquiry.model_validate(message.body)
    except ValidationError as exc:
        raise ProblemError(422, "the body is not a TRP inquiry", errors=_errors(exc)) from None
    service: TravelRuleService = request.app.state.travel_rule
    resolution = await _answer(service.receive_inquiry(wallet, message.request_id, sent))
    return resolution.model_dump(mode="json", exclude_none=True)


@router.post("/callbacks/{token}", summary="A resolution of this VASP's inquiry, or a confirmation of a transfer "
                                           "it approved")
async def callback(request: Request, message: Checked,
                   token: Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{16,64}$")]) -> dict:
    service: TravelRuleService = request.app.state.travel_rule
    record = await _answer(service.receive_callback(token, message.request_id, message.body))
    return {"status": record.status}


def _errors(exc: ValidationError) -> list[dict]:
    # Field paths and messages only: the input values are a person's identity and must not be echoed or logged.
    return [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]


def create_trp_app(service: TravelRuleService) -> FastAPI:
    app = FastAPI(title="RAT Travel Rule (TRP 3)", version=trp.API_VERSION, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.travel_rule = service
    problems.install(app)
    app.include_router(router)

    @app.middleware("http")
    async def trp_headers(request: Request, call_next):
        # Every answer, a refusal included, names the protocol version and echoes a well-formed request identifier,
        # so the counterparty can match it to the message it sent.
        answer = await call_next(request)
        answer.headers[trp.API_VERSION_HEADER] = trp.API_VERSION
        try:
            answer.headers[trp.REQUEST_ID_HEADER] = trp.check_headers(
                trp.API_VERSION, request.headers.get(trp.REQUEST_ID_HEADER))
        except ValueError:
            pass
        return answer

    return app


def server_tls(config: TravelRuleConfig) -> dict:
    """uvicorn's TLS settings: this VASP's certificate, and a client certificate required from `tls_ca`."""
    return {"ssl_certfile": str(config.tls_cert), "ssl_keyfile": str(config.tls_key),
            "ssl_ca_certs": str(config.tls_ca), "ssl_cert_reqs": ssl.CERT_REQUIRED}
