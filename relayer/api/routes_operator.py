"""Operator calls: pause/resume an asset, retry or reject a stuck saga, rotate the KYC webhook secret, read the
audit log. Each needs a bearer token with the right scope; each is audited (who, what, when) in the same
transaction as its effect, and announced on the event bus as `operator.<action>`."""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Annotated, Any

from eth_utils import to_checksum_address
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from sqlalchemy import and_, or_, select, update

from relayer import operator_actions as actions
from relayer.api import audit
from relayer.api.auth import Principal, require_scope
from relayer.api.context import ApiContext
from relayer.api.models import (
    Address,
    AssetControlView,
    AuditPage,
    PauseBody,
    RejectBody,
    RequestId,
    RetryBody,
    RotateBody,
    RotatedSecret,
    SagaActionView,
)
from relayer.api.problems import ProblemError
from relayer.kyc.webhook import env_marker
from relayer.store import schema

router = APIRouter(prefix="/v1/operator", tags=["operator"])



async def principal(request: Request, response: Response) -> Principal:
    ctx: ApiContext = request.app.state.ctx
    if ctx.verifier is None:
        raise ProblemError(503, "operator calls are disabled: api.auth is not configured", "auth-not-configured")
    who = await ctx.verifier.verify(request.headers.get("authorization"))
    decision = ctx.client_limiter.hit(f"client:{who.client_id}")
    if not decision.allowed:
        raise ProblemError(429, f"client {who.client_id} exceeded {decision.quota} requests in {decision.window} s",
                           headers=decision.headers())
    return who


Caller = Annotated[Principal, Depends(principal)]
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {401: {}, 403: {}, 429: {}, 503: {}}


def _ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _announce(conn, action: str, who: Principal, target: str, detail: dict[str, Any], request: Request,
              trace_id: str) -> None:
    actions.announce(conn, who.client_id, action, target, detail, _ip(request), trace_id)


async def _hold(request: Request, who: Principal, asset: str, paused: bool, reason: str) -> AssetControlView:
    ctx: ApiContext = request.app.state.ctx
    require_scope(who, "operator:assets")
    address = to_checksum_address(asset)
    if address not in ctx.assets:
        raise ProblemError(404, f"asset {address} is not served by this relayer", "unknown-asset")
    action = "asset_paused" if paused else "asset_resumed"
    with ctx.store.transaction() as conn:
        resumed = ctx.store.hold_asset(conn, address, paused, reason, who.client_id)
        _announce(conn, action, who, address, {"reason": reason, "resumed_requests": resumed}, request,
                  uuid.uuid4().hex)
    return AssetControlView(asset=address, paused=paused, reason=reason, resumed_requests=resumed)


@router.post("/assets/{asset}/pause", response_model=AssetControlView, responses={**AUTH_RESPONSES, 404: {}},
             summary="Pause an asset's processing (sagas wait at their step; in-flight transactions are followed)")
async def pause_asset(request: Request, who: Caller, body: PauseBody,
                      asset: Annotated[Address, PathParam(pattern=r"^0x[0-9a-fA-F]{40}$")]) -> AssetControlView:
    return await _hold(request, who, asset, True, body.reason)


@router.post("/assets/{asset}/resume", response_model=AssetControlView, responses={**AUTH_RESPONSES, 404: {}},
             summary="Resume an asset's processing; its paused sagas become due at once")
async def resume_asset(request: Request, who: Caller, body: PauseBody,
                       asset: Annotated[Address, PathParam(pattern=r"^0x[0-9a-fA-F]{40}$")]) -> AssetControlView:
    return await _hold(request, who, asset, False, body.reason)


@router.post("/requests/{request_id}/retry", response_model=SagaActionView,
             responses={**AUTH_RESPONSES, 404: {}, 409: {}},
             summary="Make a waiting or stuck saga due now (resets its failure count); it resumes from its last "
                     "durable step")
async def retry_saga(request: Request, who: Caller, body: RetryBody,
                     request_id: Annotated[RequestId, PathParam(pattern=r"^0x[0-9a-fA-F]{64}$")]) -> SagaActionView:
    ctx: ApiContext = request.app.state.ctx
    require_scope(who, "operator:sagas")
    rid = request_id.lower()
    try:
        with ctx.store.transaction() as conn:
            step, status = actions.retry(conn, rid, who.client_id, body.note, _ip(request))
    except actions.ActionRefused as exc:
        raise ProblemError(exc.status, str(exc), exc.slug) from None
    return SagaActionView(request_id=rid, step=step, status=status)


@router.post("/requests/{request_id}/reject", response_model=SagaActionView,
             responses={**AUTH_RESPONSES, 404: {}, 409: {}},
             summary="Reject a stuck request on-chain (refunds the escrow); refused once a fulfilment was sent")
async def reject_saga(request: Request, who: Caller, body: RejectBody,
                      request_id: Annotated[RequestId, PathParam(pattern=r"^0x[0-9a-fA-F]{64}$")]) -> SagaActionView:
    ctx: ApiContext = request.app.state.ctx
    require_scope(who, "operator:sagas")
    rid = request_id.lower()
    try:
        with ctx.store.transaction() as conn:
            actions.reject(conn, rid, who.client_id, body.reason, body.note, _ip(request))
    except actions.ActionRefused as exc:
        raise ProblemError(exc.status, str(exc), exc.slug) from None
    return SagaActionView(request_id=rid, step="rejecting", status="active")


@router.post("/webhooks/sumsub/rotate-secret", response_model=RotatedSecret, responses=AUTH_RESPONSES,
             summary="Issue a new Sumsub webhook secret; the previous ones (the environment's included) keep "
                     "verifying for the grace period, then never again")
async def rotate_sumsub_secret(request: Request, who: Caller, body: RotateBody | None = None) -> RotatedSecret:
    ctx: ApiContext = request.app.state.ctx
    require_scope(who, "operator:secrets")
    if ctx.kyc is None:
        raise ProblemError(503, "KYC sync is not configured", "kyc-not-configured")
    grace = ctx.kyc.rotation_grace if body is None or body.grace_seconds is None else body.grace_seconds
    now = time.time()
    retires = now + grace
    secret = secrets.token_urlsafe(32)
    t = schema.webhook_secrets
    env = ctx.environ.get(ctx.kyc.webhook_secret_env)
    with ctx.store.transaction() as conn:
        conn.execute(update(t).where(and_(t.c.provider == "sumsub", or_(t.c.retires_at.is_(None),
                                                                         t.c.retires_at > retires)))
                     .values(retires_at=retires))
        if env and conn.execute(select(t.c.id).where(t.c.secret == env_marker(env))).first() is None:
            conn.execute(t.insert().values(provider="sumsub", secret=env_marker(env), created_at=now,
                                           retires_at=retires))
        version = conn.execute(t.insert().values(provider="sumsub", secret=secret, created_at=now)).inserted_primary_key[0]
        _announce(conn, "webhook_secret_rotated", who, "sumsub", {"version": version, "grace_seconds": grace,
                                                                  "previous_valid_until": retires},
                  request, uuid.uuid4().hex)
    return RotatedSecret(provider="sumsub", version=version, secret=secret, previous_valid_until=retires)


@router.get("/audit", response_model=AuditPage, responses=AUTH_RESPONSES, summary="The operator audit log")
async def read_audit(request: Request, who: Caller, after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100) -> AuditPage:
    ctx: ApiContext = request.app.state.ctx
    require_scope(who, "audit:read")
    with ctx.store.transaction() as conn:
        items = audit.entries(conn, after, limit)
    return AuditPage(items=items, next_cursor=items[-1].id if len(items) == limit else None)
