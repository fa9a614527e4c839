"""Operator calls of the Travel Rule (docs/regulator/travel-rule.md): the withdrawal flow asks for a go before it
signs a transfer to another VASP's customer, confirms the hash once mined, or cancels; and issues the Travel Address
an investor gives a sending VASP. Each needs the `operator:travel-rule` scope and is audited like every operator
call. The TRP side (counterparties' inquiries and callbacks) is a separate, mutual-TLS listener:
`rat-relayer travel-rule serve` (relayer/travel_rule/listener.py)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from eth_utils import to_checksum_address
from fastapi import APIRouter, Request
from fastapi import Path as PathParam

from relayer import operator_actions as actions
from relayer.api.auth import Principal, require_scope
from relayer.api.context import ApiContext
from relayer.api.models import (
    Address,
    TravelAddressView,
    TravelRuleCancelBody,
    TravelRuleTransferBody,
    TravelRuleTransferView,
    TravelRuleTxBody,
)
from relayer.api.problems import ProblemError
from relayer.api.routes_operator import AUTH_RESPONSES, Caller
from relayer.kyc.applicants import ApplicantLookupError, ApplicantNotFound, IncompleteIdentity
from relayer.travel_rule.service import (
    BeneficiaryName,
    OutgoingTransfer,
    TransferRecord,
    TravelRuleError,
    TravelRuleService,
)
from relayer.travel_rule.trp import CounterpartyUnavailable, MalformedAnswer

router = APIRouter(prefix="/v1/operator/travel-rule", tags=["operator"])
SCOPE = "operator:travel-rule"
TransferId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]

_STATUS = {
    "unknown-investor": 404, "unknown-transfer": 404, "unknown-callback": 404, "unknown-asset": 422,
    "invalid-request": 422, "invalid-travel-address": 422, "invalid-message": 422, "originator-incomplete": 422,
    "counterparty-refused": 422, "transfer-id-reused": 409, "wrong-state": 409,
}


def travel_rule_problem(exc: Exception) -> ProblemError:
    """The problem answer for a failure of the Travel Rule service or of what it depends on. The KYC provider's
    and the counterparty's outages are 503 (trying again with the same transfer id is safe); a counterparty that
    answers nonsense is 502."""
    if isinstance(exc, TravelRuleError):
        return ProblemError(_STATUS.get(exc.kind, 422), str(exc), exc.kind)
    if isinstance(exc, ApplicantNotFound):
        return ProblemError(404, str(exc), "applicant-not-found")
    if isinstance(exc, IncompleteIdentity):
        return ProblemError(422, str(exc), "originator-incomplete")
    if isinstance(exc, ApplicantLookupError):
        return ProblemError(503, str(exc), "kyc-provider-unavailable", headers={"Retry-After": "30"})
    if isinstance(exc, CounterpartyUnavailable):
        return ProblemError(503, str(exc), "counterparty-unavailable", headers={"Retry-After": "30"})
    if isinstance(exc, MalformedAnswer):
        return ProblemError(502, str(exc), "counterparty-malformed-answer")
    raise exc


FAILURES = (TravelRuleError, ApplicantLookupError, CounterpartyUnavailable, MalformedAnswer)
RESPONSES: dict[int | str, dict[str, Any]] = {**AUTH_RESPONSES, 404: {}, 409: {}, 422: {}, 502: {}}


def _service(request: Request, who: Principal) -> tuple[ApiContext, TravelRuleService]:
    ctx: ApiContext = request.app.state.ctx
    require_scope(who, SCOPE)
    if ctx.travel_rule is None:
        raise ProblemError(503, "the Travel Rule is not configured (travel_rule)", "travel-rule-not-configured")
    return ctx, ctx.travel_rule


def _view(record: TransferRecord) -> TravelRuleTransferView:
    return TravelRuleTransferView(
        transfer_id=record.id, direction=record.direction, status=record.status, asset=record.asset,
        amount=str(record.amount), originator=record.originator, beneficiary=record.beneficiary,
        reason=record.reason, tx_hash=record.tx_hash, created_at=record.created_at, updated_at=record.updated_at)


def _audit(ctx: ApiContext, request: Request, who: Principal, action: str, record: TransferRecord) -> None:
    with ctx.store.transaction() as conn:
        actions.announce(conn, who.client_id, action, record.id,
                         {"asset": record.asset, "amount": str(record.amount), "status": record.status},
                         request.client.host if request.client else "unknown", uuid.uuid4().hex)


async def _act(request: Request, who: Principal, action: str | None,
               call: Callable[[TravelRuleService], Awaitable[TransferRecord]]) -> TravelRuleTransferView:
    """Runs one Travel Rule call, answers its failure as a problem, audits it when it changed something."""
    ctx, service = _service(request, who)
    try:
        record = await call(service)
    except FAILURES as exc:
        raise travel_rule_problem(exc) from None
    if action is not None:
        _audit(ctx, request, who, action, record)
    return _view(record)


@router.post("/transfers", response_model=TravelRuleTransferView, responses=RESPONSES,
             summary="Ask the beneficiary's VASP (by Travel Address) to accept a transfer; `approved` is the go")
async def originate(request: Request, who: Caller, body: TravelRuleTransferBody) -> TravelRuleTransferView:
    transfer = OutgoingTransfer(
        transfer_id=body.transfer_id, asset=body.asset, originator=body.originator, amount=int(body.amount),
        travel_address=body.travel_address,
        beneficiary=BeneficiaryName(surname=body.beneficiary.surname, given_names=body.beneficiary.given_names))
    return await _act(request, who, "travel_rule_originated", lambda service: service.originate(transfer))


@router.get("/transfers/{transfer_id}", response_model=TravelRuleTransferView, responses=RESPONSES,
            summary="A Travel Rule transfer's state (never its personal data)")
async def transfer(request: Request, who: Caller, transfer_id: TransferId) -> TravelRuleTransferView:
    async def read(service: TravelRuleService) -> TransferRecord:
        return service.record(transfer_id)

    return await _act(request, who, None, read)


@router.post("/transfers/{transfer_id}/confirm", response_model=TravelRuleTransferView, responses=RESPONSES,
             summary="Send the mined transfer's hash to the beneficiary's VASP")
async def confirm(request: Request, who: Caller, transfer_id: TransferId, body: TravelRuleTxBody
                  ) -> TravelRuleTransferView:
    return await _act(request, who, "travel_rule_confirmed",
                      lambda service: service.confirm(transfer_id, body.tx_hash.lower()))


@router.post("/transfers/{transfer_id}/cancel", response_model=TravelRuleTransferView, responses=RESPONSES,
             summary="Withdraw a transfer not yet confirmed (the beneficiary's VASP is told when it had approved)")
async def cancel(request: Request, who: Caller, transfer_id: TransferId, body: TravelRuleCancelBody
                 ) -> TravelRuleTransferView:
    return await _act(request, who, "travel_rule_canceled", lambda service: service.cancel(transfer_id, body.reason))


@router.get("/addresses/{wallet}", response_model=TravelAddressView, responses=RESPONSES,
            summary="The Travel Address an investor with valid KYC gives a sending VASP")
async def travel_address(request: Request, who: Caller,
                         wallet: Annotated[Address, PathParam(pattern=r"^0x[0-9a-fA-F]{40}$")]) -> TravelAddressView:
    _, service = _service(request, who)
    try:
        address = service.travel_address(wallet)
    except FAILURES as exc:
        raise travel_rule_problem(exc) from None
    return TravelAddressView(wallet=to_checksum_address(wallet), travel_address=address)
