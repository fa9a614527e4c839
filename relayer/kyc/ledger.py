"""Applying a verified Sumsub delivery to the applicant table, in one transaction with its outbox event.

Idempotent: a delivery is known by its digest, and a second one changes nothing. Out of order: a delivery older
(by the provider's `createdAtMs`) than the applicant's recorded decision is acknowledged and dropped."""

from __future__ import annotations

import time
from dataclasses import dataclass

from eth_utils import is_address, to_checksum_address
from sqlalchemy import Connection, select, update

from relayer.config import KycConfig
from relayer.events import outbox
from relayer.kyc.sumsub import ApplicantEvent, event_time_ms, provider_ref
from relayer.store import schema

REVOKING_TYPES = {"applicantReset", "applicantDeactivated", "applicantDeleted"}


class DeliveryRefused(Exception):
    """A verified delivery the sync cannot act on (stale, unmapped level, wallet not an address)."""

    def __init__(self, slug: str, detail: str) -> None:
        super().__init__(detail)
        self.slug, self.detail = slug, detail


@dataclass(frozen=True)
class Applied:
    outcome: str  # applied | duplicate | superseded | ignored
    detail: str


def apply_delivery(conn: Connection, event: ApplicantEvent, digest: str, policy: KycConfig,
                   now: float | None = None) -> Applied:
    now = time.time() if now is None else now
    deliveries = schema.webhook_deliveries
    if conn.execute(select(deliveries.c.outcome).where(deliveries.c.digest == digest)).first() is not None:
        return Applied("duplicate", "this delivery was already processed")
    try:
        at_ms = event_time_ms(event.createdAtMs)
    except ValueError as exc:
        raise DeliveryRefused("invalid-timestamp", str(exc)) from None
    if at_ms / 1000 < now - policy.max_delivery_age:
        raise DeliveryRefused("stale-delivery", f"the event is older than {policy.max_delivery_age} s; "
                                                "refused as a possible replay")
    if at_ms / 1000 > now + policy.max_clock_skew:
        # A future stamp would make every later review of the applicant look older ("superseded"), and set an
        # expiry centuries away: only the provider's clock skew is tolerated.
        raise DeliveryRefused("future-delivery", f"the event is stamped more than {policy.max_clock_skew} s in "
                                                 "the future")
    ref = "0x" + provider_ref(event.applicantId).hex()
    t = schema.kyc_applicants
    current = conn.execute(select(t).where(t.c.provider_ref == ref)).mappings().first()
    outcome = _decide(event, policy, current, at_ms)
    if isinstance(outcome, Applied):
        conn.execute(deliveries.insert().values(digest=digest, provider="sumsub", received_at=now,
                                                outcome=outcome.outcome))
        return outcome
    action, tier, jurisdiction, expiry, wallet = outcome
    values = {"wallet": wallet, "provider_ts": at_ms, "level": event.levelName or "", "action": action, "tier": tier,
                  "jurisdiction": jurisdiction, "expiry": expiry, "sync_state": "pending", "updated_at": now,
                  "answer": event.reviewResult.reviewAnswer if event.reviewResult else event.type[:16]}
    if current is None:
        conn.execute(t.insert().values(provider_ref=ref, version=1, synced_version=0, **values))
    else:
        conn.execute(update(t).where(t.c.provider_ref == ref).values(version=current["version"] + 1, **values))
    conn.execute(deliveries.insert().values(digest=digest, provider="sumsub", received_at=now, outcome="applied"))
    outbox.record(conn, "kyc.decision_recorded", {
        "provider_ref": ref, "wallet": wallet, "action": action, "tier": tier, "jurisdiction": jurisdiction,
        "expiry": expiry, "level": event.levelName, "provider_time_ms": at_ms, "event_type": event.type,
    }, digest[:32])
    return Applied("applied", f"{action} {wallet} queued for the registry")


def _decide(event: ApplicantEvent, policy: KycConfig, current, at_ms: int):
    if current is not None and current["provider_ts"] >= at_ms:
        return Applied("superseded", "a newer decision for this applicant is already recorded")
    approve = event.type == "applicantReviewed" and event.reviewResult is not None \
        and event.reviewResult.reviewAnswer == "GREEN"
    revoke = event.type in REVOKING_TYPES or (
        event.type == "applicantReviewed" and event.reviewResult is not None
        and event.reviewResult.reviewAnswer == "RED")
    if not approve and not revoke:
        return Applied("ignored", f"{event.type} does not change the registry")
    wallet = event.externalUserId or ""
    if not is_address(wallet):
        if revoke and current is not None:
            wallet = current["wallet"]
        else:
            raise DeliveryRefused("invalid-wallet", "externalUserId must be the applicant's wallet address")
    wallet = to_checksum_address(wallet)
    if revoke:
        if current is None or current["action"] == "revoke":
            return Applied("ignored", "the applicant holds no approval to revoke")
        return "revoke", 0, current["jurisdiction"], 0, wallet
    level = policy.levels.get(event.levelName or "")
    if level is None:
        raise DeliveryRefused("unmapped-level", f"level {event.levelName!r} has no tier in kyc.levels")
    expiry = at_ms // 1000 + level.valid_days * 86400
    return "set", level.tier, level.jurisdiction, expiry, wallet
