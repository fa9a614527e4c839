"""`POST /v1/webhooks/sumsub`: verified before parsing, applied in one transaction, answered with what happened."""

from __future__ import annotations

import json
import time
from typing import Annotated

from fastapi import APIRouter, Header, Request
from pydantic import ValidationError
from sqlalchemy import or_, select

from relayer.api.context import ApiContext
from relayer.api.models import WebhookOutcome
from relayer.api.problems import ProblemError
from relayer.kyc import sumsub
from relayer.kyc.ledger import DeliveryRefused, apply_delivery
from relayer.store import schema

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


def webhook_secrets(ctx: ApiContext) -> list[str]:
    """The environment's secret plus every rotated one not yet retired."""
    assert ctx.kyc is not None
    out = [s for s in [ctx.environ.get(ctx.kyc.webhook_secret_env)] if s]
    t = schema.webhook_secrets
    with ctx.store.transaction() as conn:
        rows = conn.execute(select(t.c.secret).where(t.c.provider == "sumsub").where(
            or_(t.c.retires_at.is_(None), t.c.retires_at > time.time())).order_by(t.c.id.desc())).scalars().all()
    return [*rows, *out]


@router.post(
    "/sumsub", response_model=WebhookOutcome,
    responses={400: {}, 401: {}, 413: {}, 415: {}, 422: {}, 429: {}, 503: {}},
    summary="Sumsub applicant webhooks (signed with X-Payload-Digest); KYC decisions queued for the registry",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ApplicantEvent"}}}}},
)
async def sumsub_webhook(
    request: Request,
    x_payload_digest: Annotated[str | None, Header(max_length=256)] = None,
    x_payload_digest_alg: Annotated[str | None, Header(max_length=32)] = None,
) -> WebhookOutcome:
    ctx: ApiContext = request.app.state.ctx
    if ctx.kyc is None:
        raise ProblemError(503, "KYC sync is not configured on this relayer", "kyc-not-configured")
    body = await request.body()
    try:
        digest = sumsub.verify(body, x_payload_digest, x_payload_digest_alg, webhook_secrets(ctx))
    except sumsub.SignatureError as exc:
        raise ProblemError(401, str(exc), "bad-signature", "Webhook signature rejected") from None
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ProblemError(400, "the body is not valid JSON", "malformed-json", "Malformed JSON") from None
    try:
        event = sumsub.ApplicantEvent.model_validate(document)
    except ValidationError as exc:
        errors = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        raise ProblemError(422, "not a Sumsub applicant event", errors=errors) from None
    try:
        with ctx.store.transaction() as conn:
            applied = apply_delivery(conn, event, digest, ctx.kyc)
    except DeliveryRefused as exc:
        raise ProblemError(422, exc.detail, exc.slug) from None
    return WebhookOutcome(outcome=applied.outcome, detail=applied.detail)
