"""Retention of the analytics mirror (docs/data/lifecycle.md, "Analytics mirror"): `rat-indexer purge`.

Every mirror table states its retention. The mirror holds no personal data beyond pseudonymous addresses and can
always be rebuilt from the chain (`rat-indexer follow` into an empty database), so retention only bounds what must
stay online:

* `reconciliations`: two years (operations evidence); `purge` deletes older runs, except each chain's newest one
  (the last known result of `rat-indexer reconcile`, whatever its age).
* `indexed_blocks`: the reorg window, already pruned by every batch of `follow`.
* every other table: permanent (the event history, AML and tax records, current balances); `purge` never touches
  them. `raw_events` may go to cold storage after seven years; that is an operator's export, not a deletion.
"""

from __future__ import annotations

import time

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, func, select

from indexer import schema
from indexer.store import MirrorStore

DAY = 86_400.0
RECONCILIATION_DAYS = 2 * 365


class MirrorRetention(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reconciliation_days: int = Field(default=RECONCILIATION_DAYS, ge=1,
                                     description="how long `rat-indexer reconcile` runs stay in `reconciliations`")


class MirrorPurgeReport(BaseModel):
    reconciliations: int = 0


def purge(store: MirrorStore, policy: MirrorRetention, now: float | None = None) -> MirrorPurgeReport:
    """Deletes the mirror rows past their table's retention, in one transaction; returns how many per table."""
    now = time.time() if now is None else now
    r = schema.reconciliations
    newest_per_chain = select(func.max(r.c.id)).group_by(r.c.chain_id)
    with store.begin() as conn:
        removed = conn.execute(delete(r).where(
            r.c.at < now - policy.reconciliation_days * DAY, r.c.id.not_in(newest_per_chain))).rowcount
    return MirrorPurgeReport(reconciliations=removed)
