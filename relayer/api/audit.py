"""The operator audit log: one append-only row per operator call, written in the call's own transaction."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, select

from relayer.api.models import AuditEntry
from relayer.store import schema


def record(conn: Connection, actor: str, action: str, target: str, detail: dict[str, Any], client_ip: str,
           trace_id: str) -> None:
    conn.execute(schema.audit_log.insert().values(at=time.time(), actor=actor, action=action, target=target,
                                                  detail=detail, client_ip=client_ip, trace_id=trace_id))


def entries(conn: Connection, after: int = 0, limit: int = 100) -> list[AuditEntry]:
    rows = conn.execute(select(schema.audit_log).where(schema.audit_log.c.id > after)
                        .order_by(schema.audit_log.c.id).limit(limit)).mappings()
    return [AuditEntry(**row) for row in rows]
