"""`POST /v1/webhooks/sumsub`: verified before parsing, applied in one transaction, answered with what happened."""

from __future__ import annotations

import hashlib
import time
from typing import Annotated

from fastapi import APIRouter, Header, Request
from pydantic import ValidationError
from sqlalchemy import and_, or_, select

from relayer.api import jsonlimits
from relayer.api.context import ApiContext
from relayer.api.models import WebhookOutcome
from relayer.api.problems import ProblemError
from relayer.kyc import sumsub
from relayer.kyc.ledger import DeliveryRefused, apply_delivery
from relayer.store import schema

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


ENV_MARKER = "env-sha256:"


def env_marker(secret: str) -> str:
    """The row that retires the environment's secret: its hash, never the secret itself."""
    return ENV_MARKER + hashlib.sha256(secret.encode()).hexdigest()


def webhook_secrets(ctx: ApiContext) -> list[str]:
    """Every rotated secret not yet retired, newest first, then the environment's secret unless a rotation has
    retired it (a marker row holding its hash, whose `retires_at` has passed)."""
    assert ctx.kyc is not None
    env = ctx.environ.get(ctx.kyc.webhook_secret_env) or None
    t = schema.webhook_secrets
    with ctx.store.transaction() as conn:
        rows = conn.execute(select(t.c.secret).where(t.c.provider == "sumsub").where(
            or_(t.c.retires_at.is_(None), t.c.retires_at > time.time())).order_by(t.c.id.desc())).scalars().all()
        env_retired = env is not None and conn.execute(select(t.c.id).where(and_(
            t.c.provider == "sumsub", t.c.secret == env_marker(env), t.c.retires_at <= time.time()))).first()
    live = [s for s in rows if not s.startswith(ENV_MARKER)]
    return [*live, env] if env is not None and not env_retired else live


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
        document = jsonlimits.loads(body)
    except jsonlimits.JsonRefused as exc:
        raise ProblemError(400, str(exc), "malformed-json", "Malformed JSON") from None
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
