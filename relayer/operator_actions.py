"""Operator actions on a saga, shared by the API (`/v1/operator/requests/{id}/retry|reject`) and the CLI
(`rat-relayer saga retry|reject`): each runs in the caller's transaction, writes its saga step, its outbox event
and its audit row there, and refuses with a typed error what it cannot do."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, and_, select, update

from relayer.api import audit
from relayer.errors import RelayerError
from relayer.events import outbox
from relayer.events.outbox import record_saga_step
from relayer.minter import RejectReason
from relayer.store import schema
from relayer.store.store import TERMINAL_STATUSES

# Steps at which a saga may be rejected by an operator: nothing has been submitted on-chain for it yet.
REJECTABLE_STEPS = ("received", "validated", "order_placed", "filled", "custody_confirmed", "signed")


class ActionRefused(RelayerError):
    """The action does not apply to the saga as it is; `status` and `slug` are the API's problem."""

    def __init__(self, status: int, slug: str, message: str) -> None:
        super().__init__(message)
        self.status, self.slug = status, slug


def announce(conn: Connection, actor: str, action: str, target: str, detail: dict[str, Any], client_ip: str,
             trace_id: str) -> None:
    """The audit row and the `operator.<action>` event of one operator call."""
    audit.record(conn, actor, action, target, detail, client_ip, trace_id)
    outbox.record(conn, f"operator.{action}", {"action": action, "actor": actor, "target": target,
                                               "detail": detail, "at": time.time()}, trace_id)


def _live_saga(conn: Connection, request_id: str):
    saga = conn.execute(select(schema.sagas).where(schema.sagas.c.request_id == request_id)).mappings().first()
    if saga is None:
        raise ActionRefused(404, "unknown-request", f"no saga for request {request_id}")
    if saga["status"] in TERMINAL_STATUSES:
        raise ActionRefused(409, "saga-finished", f"the saga is {saga['status']}; nothing to do")
    return saga


def retry(conn: Connection, request_id: str, actor: str, note: str, client_ip: str) -> tuple[str, str]:
    """Makes a waiting or stuck saga due now with its failure count reset; returns (step, status)."""
    saga = _live_saga(conn, request_id)
    status = "reorged" if saga["status"] == "reorged" else "active"
    conn.execute(update(schema.sagas).where(schema.sagas.c.request_id == request_id)
                 .values(not_before=0.0, attempts=0, status=status, updated_at=time.time()))
    conn.execute(schema.saga_steps.insert().values(request_id=request_id, step="operator_retry",
                                                   detail={"by": actor, "note": note}, at=time.time()))
    record_saga_step(conn, request_id, saga["step"], status, {"retried_by": actor})
    announce(conn, actor, "saga_retried", request_id, {"note": note, "step": saga["step"],
                                                       "was": saga["status"]}, client_ip, saga["trace_id"])
    return saga["step"], status


def reject(conn: Connection, request_id: str, actor: str, reason: str, note: str, client_ip: str) -> None:
    """Sends the saga to `rejecting` (the Minter's reject refunds the escrow); refused once a fulfilment exists."""
    saga = _live_saga(conn, request_id)
    if saga["step"] not in REJECTABLE_STEPS:
        raise ActionRefused(409, "saga-not-rejectable",
                            f"the saga is at {saga['step']}: a transaction for it is already on its way")
    sent = conn.execute(select(schema.tx_intents.c.id).where(and_(
        schema.tx_intents.c.request_id == request_id, schema.tx_intents.c.purpose == "fulfil"))).first()
    if sent is not None:
        raise ActionRefused(409, "saga-not-rejectable", "a fulfilment transaction was already signed for this request")
    payload = dict(saga["payload"])
    payload.update(reject_reason=int(RejectReason[reason]), reject_why=f"operator: {note}")
    moved = conn.execute(update(schema.sagas).where(and_(
        schema.sagas.c.request_id == request_id, schema.sagas.c.step == saga["step"])).values(
        step="rejecting", status="active", payload=payload, not_before=0.0, attempts=0, last_error=None,
        updated_at=time.time()))
    if moved.rowcount != 1:
        raise ActionRefused(409, "saga-moved", "the saga moved meanwhile; look again")
    detail = {"reject_reason": int(RejectReason[reason]), "by": actor, "note": note}
    conn.execute(schema.saga_steps.insert().values(request_id=request_id, step="rejecting", detail=detail,
                                                   at=time.time()))
    record_saga_step(conn, request_id, "rejecting", "active", detail)
    announce(conn, actor, "saga_rejected", request_id, {"reason": reason, "note": note,
                                                        "from_step": saga["step"]}, client_ip, saga["trace_id"])
