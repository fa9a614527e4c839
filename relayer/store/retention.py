"""Retention of personal data in the relayer's store (docs/data/lifecycle.md#retention-and-purge).

What is personal here is pseudonymous: wallet addresses linked to a KYC jurisdiction (`kyc_applicants`, the
`kyc.*` outbox events), investor addresses in saga payloads and steps, and operators' IP addresses in the audit
log. AML law requires the transaction and due-diligence records for a fixed period after the relationship ends
(FATF Recommendation 11: at least five years; EU Directive 2015/849 art. 40; Brazil Lei 9.613/1998 art. 10;
Liechtenstein SPG art. 20: ten years); data-protection law (GDPR art. 5(1)(e), LGPD art. 15-16) requires them to
be erased once that period is over. `purge` does that, in one transaction per table, and is safe to run at any
time and repeatedly (`rat-relayer purge`, scheduled daily per stack by the Pulumi program, infra/rat_infra/services.py):

* `kyc_applicants`: rows already written to the registry (`sync_state = synced`) whose KYC expired, and whose last
  decision was recorded, more than `aml_record_days` ago; the on-chain record keeps only tier, jurisdiction,
  expiry and the provider-reference hash.
* `outbox`: `kyc.*` events (wallet + jurisdiction) published more than `aml_record_days` ago, and `requests.*`
  events published more than `request_event_days` ago (default 365; at least the WebSocket stream's replay window,
  `outbox.STREAM_REPLAY_DAYS`, so a client resuming from a cursor inside it misses nothing). Unpublished rows are
  never touched, nor the row with the highest id: SQLite hands a deleted highest id out again, which would move
  the stream's cursors backwards. `operator.*` events stay (the audit log keeps the same facts for life). In the
  same transaction as each delete, the highest id deleted is recorded per class (`outbox_trims`, migration 8): the
  stream refuses a resume from a cursor below the `requests` mark (410 `cursor-expired`) instead of skipping.
* `sagas` and `saga_steps`: finished requests (done, rejected, orphaned, closed) last changed more than
  `aml_record_days` ago. The chain keeps the request and its fulfilment; `lot_ledger` (custody lots, no investor
  address) stays, because the proof of reserve needs it while the tokens exist.
* `travel_rule_transfers`: Travel Rule messages (IVMS101 payloads: names, addresses, dates of birth) last changed
  more than `aml_record_days` ago (Regulation (EU) 2023/1113 art. 26: five years; FATF R.16 INR 7 via R.11).
* `audit_log.client_ip`: replaced by `REDACTED` after `client_ip_days`. The log stays append-only for everything
  else: migration 5 narrows its triggers to allow exactly this one update.
"""

from __future__ import annotations

import time

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, Connection, and_, delete, func, select, update

from relayer.events.outbox import REQUESTS_SUBJECT, STREAM_REPLAY_DAYS, note_trimmed
from relayer.store import schema
from relayer.store.store import TERMINAL_STATUSES, Store

DAY = 86_400.0
REDACTED = "redacted"


class RetentionPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    aml_record_days: int = Field(default=5 * 365, ge=5 * 365,
                                 description="AML record-keeping period (FATF R.11 minimum: five years); ten years "
                                             "for a Liechtenstein entity (SPG art. 20)")
    client_ip_days: int = Field(default=365, ge=1, description="how long operators' IP addresses stay in the audit log")
    request_event_days: int = Field(default=365, ge=STREAM_REPLAY_DAYS,
                                    description="how long published requests.* outbox rows stay; at least the "
                                                "WebSocket stream's replay window")


class PurgeReport(BaseModel):
    kyc_applicants: int = 0
    kyc_events: int = 0
    request_events: int = 0
    sagas: int = 0
    saga_steps: int = 0
    travel_rule_transfers: int = 0
    audit_ips: int = 0

    @property
    def total(self) -> int:
        return (self.kyc_applicants + self.kyc_events + self.request_events + self.sagas + self.saga_steps
                + self.travel_rule_transfers + self.audit_ips)


def purge(store: Store, policy: RetentionPolicy, now: float | None = None) -> PurgeReport:
    """Erases or redacts the personal data whose retention period is over; returns what it changed."""
    now = time.time() if now is None else now
    aml_cutoff = now - policy.aml_record_days * DAY
    report = PurgeReport()
    k = schema.kyc_applicants
    with store.transaction() as conn:
        report.kyc_applicants = conn.execute(delete(k).where(and_(
            k.c.sync_state == "synced", k.c.updated_at < aml_cutoff, k.c.expiry < int(aml_cutoff)))).rowcount
    with store.transaction() as conn:
        report.kyc_events = _trim(conn, "kyc", aml_cutoff, now)
    with store.transaction() as conn:
        report.request_events = _trim(conn, REQUESTS_SUBJECT, now - policy.request_event_days * DAY, now)
    s, st = schema.sagas, schema.saga_steps
    with store.transaction() as conn:
        finished = select(s.c.request_id).where(and_(s.c.status.in_(TERMINAL_STATUSES), s.c.updated_at < aml_cutoff))
        report.saga_steps = conn.execute(delete(st).where(st.c.request_id.in_(finished))).rowcount
        report.sagas = conn.execute(delete(s).where(s.c.request_id.in_(finished))).rowcount
    t = schema.travel_rule_transfers
    with store.transaction() as conn:
        report.travel_rule_transfers = conn.execute(delete(t).where(t.c.updated_at < aml_cutoff)).rowcount
    a = schema.audit_log
    with store.transaction() as conn:
        report.audit_ips = conn.execute(update(a).where(and_(
            a.c.at < now - policy.client_ip_days * DAY, a.c.client_ip != REDACTED)).values(client_ip=REDACTED)).rowcount
    return report


def _trim(conn: Connection, subject: str, cutoff: float, now: float) -> int:
    """Deletes `subject`'s published rows older than `cutoff` and raises its trim mark to the highest id deleted,
    in one transaction (the stream refuses a resume from below the mark); returns how many rows went."""
    o = schema.outbox
    trimmable = _published_before(subject + ".%", cutoff)
    through = conn.execute(select(func.max(o.c.id)).where(trimmable)).scalar()
    if through is None:
        return 0
    deleted = conn.execute(delete(o).where(and_(trimmable, o.c.id <= through))).rowcount
    note_trimmed(conn, subject, through, now)
    return deleted


def _published_before(topics: str, cutoff: float) -> ColumnElement[bool]:
    """Outbox rows of the `topics` LIKE pattern published before `cutoff`, except the newest row (its id must stay
    taken: SQLite reuses a deleted highest rowid, and the id is the stream's cursor)."""
    o = schema.outbox
    newest = select(func.max(o.c.id)).scalar_subquery()
    return and_(o.c.topic.like(topics), o.c.published_at.is_not(None), o.c.published_at < cutoff, o.c.id < newest)
