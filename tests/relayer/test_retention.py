"""Retention of personal data (relayer/store/retention.py, docs/data/lifecycle.md): `purge` erases what the AML
record-keeping period no longer requires and redacts operators' IP addresses, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from relayer.api.audit import record as audit
from relayer.events import outbox
from relayer.store import SagaRecord, schema
from relayer.store.retention import DAY, REDACTED, RetentionPolicy, purge

POLICY = RetentionPolicy()  # five years of AML records, one year of IP addresses
YEAR = 365 * DAY


def applicant(store, ref: str, *, sync_state="synced", updated_at: float, expiry: float) -> None:
    with store.transaction() as conn:
        conn.execute(schema.kyc_applicants.insert().values(
            provider_ref=ref, wallet="0x" + "ab" * 20, provider_ts=1, level="rat-retail-br", answer="GREEN",
            action="approve", tier=1, jurisdiction="BR", expiry=int(expiry), version=1, synced_version=1,
            sync_state=sync_state, updated_at=updated_at))


def refs(store) -> set[str]:
    with store.transaction() as conn:
        return set(conn.execute(select(schema.kyc_applicants.c.provider_ref)).scalars())


def saga(store, request_id: str, status: str) -> None:
    store.insert_saga(SagaRecord(request_id=request_id, kind="mint", trace_id="t" * 32, step="received",
                                 status="active", payload={"account": "0x" + "cd" * 20}, block_number=1,
                                 block_hash="0x" + "00" * 32, log_index=0))
    if status != "active":
        store.set_status(request_id, status, {"why": "test"})


def test_kyc_records_are_erased_five_years_after_the_kyc_expired_and_the_last_decision(store):
    now = time.time()
    applicant(store, "expired-long-ago", updated_at=now - 6 * YEAR, expiry=now - 6 * YEAR)
    applicant(store, "decided-recently", updated_at=now - 1 * YEAR, expiry=now - 6 * YEAR)
    applicant(store, "still-valid", updated_at=now - 6 * YEAR, expiry=now + YEAR)
    applicant(store, "not-yet-on-chain", sync_state="pending", updated_at=now - 6 * YEAR, expiry=now - 6 * YEAR)
    assert purge(store, POLICY, now).kyc_applicants == 1
    assert refs(store) == {"decided-recently", "still-valid", "not-yet-on-chain"}


def test_published_kyc_events_are_erased_after_the_aml_period_and_other_events_kept(store):
    now = time.time()
    with store.transaction() as conn:
        old_kyc = outbox.record(conn, "kyc.decision_recorded", {"wallet": "0x" + "ab" * 20, "jurisdiction": "BR"}, "t")
        unpublished = outbox.record(conn, "kyc.decision_recorded", {"wallet": "0x" + "ef" * 20}, "t")
        request_event = outbox.record(conn, "requests.done", {"request_id": "0x01"}, "t")
        o = schema.outbox
        conn.execute(o.update().where(o.c.event_id.in_([old_kyc, request_event])).values(published_at=now - 6 * YEAR))
    assert purge(store, POLICY, now).kyc_events == 1
    with store.transaction() as conn:
        left = set(conn.execute(select(schema.outbox.c.event_id)).scalars())
    assert left == {unpublished, request_event}


def test_finished_sagas_and_their_steps_are_erased_after_the_aml_period_and_open_ones_kept(store):
    saga(store, "0x" + "01" * 32, "done")
    saga(store, "0x" + "02" * 32, "active")
    report = purge(store, POLICY, time.time() + 6 * YEAR)
    assert (report.sagas, report.saga_steps) == (1, 2)
    assert [s.request_id for s in store.sagas()] == ["0x" + "02" * 32]
    assert store.steps("0x" + "01" * 32) == []


def test_nothing_inside_its_retention_period_is_touched(store):
    now = time.time()
    applicant(store, "recent", updated_at=now, expiry=now + YEAR)
    saga(store, "0x" + "03" * 32, "rejected")
    with store.transaction() as conn:
        audit(conn, "operator", "pause", "asset", {}, "203.0.113.7", "t" * 32)
    assert purge(store, POLICY, now).total == 0


def test_operator_ip_addresses_are_redacted_after_a_year_and_the_rest_of_the_entry_kept(store):
    with store.transaction() as conn:
        audit(conn, "operator@rat", "assets.pause", "0xasset", {"reason": "halt"}, "203.0.113.7", "t" * 32)
    assert purge(store, POLICY, time.time() + 366 * DAY).audit_ips == 1
    with store.transaction() as conn:
        row = conn.execute(select(schema.audit_log)).mappings().one()
    assert row["client_ip"] == REDACTED and row["actor"] == "operator@rat" and row["detail"] == {"reason": "halt"}
    assert purge(store, POLICY, time.time() + 400 * DAY).audit_ips == 0  # idempotent


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor = 'someone else'",
    "UPDATE audit_log SET client_ip = 'redacted', actor = 'someone else'",
    "UPDATE audit_log SET client_ip = '198.51.100.1'",
    "DELETE FROM audit_log",
])
def test_the_audit_log_still_refuses_every_other_change(store, statement):
    with store.transaction() as conn:
        audit(conn, "operator@rat", "assets.pause", "0xasset", {}, "203.0.113.7", "t" * 32)
    with pytest.raises(DatabaseError, match="append-only"), store.transaction() as conn:
        conn.execute(text(statement))
    with store.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(schema.audit_log)).scalar() == 1


def test_the_policy_refuses_an_aml_period_shorter_than_five_years():
    with pytest.raises(ValidationError):
        RetentionPolicy(aml_record_days=365)


def test_the_purge_command_reports_what_it_erased(tmp_path):
    import yaml
    from click.testing import CliRunner

    from relayer.cli import main
    from relayer.config import EXAMPLE
    from relayer.store import Store

    config = yaml.safe_load(EXAMPLE)
    config["database_url"] = f"sqlite:///{tmp_path / 'relayer.db'}"
    (tmp_path / "relayer.yaml").write_text(yaml.safe_dump(config))
    store = Store.open(config["database_url"])
    applicant(store, "expired", updated_at=time.time() - 6 * YEAR, expiry=time.time() - 6 * YEAR)
    store.close()
    result = CliRunner().invoke(main, ["purge", "--config", str(tmp_path / "relayer.yaml")])
    assert result.exit_code == 0, result.output
    assert "kyc_applicants=1" in result.output
