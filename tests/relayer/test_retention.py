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
from relayer.events.outbox import STREAM_REPLAY_DAYS
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


def outbox_events(store, *events: tuple[str, float | None]) -> list[str]:
    """Records (topic, published_at) events in order; returns their ids."""
    ids = []
    with store.transaction() as conn:
        for topic, published_at in events:
            ids.append(outbox.record(conn, topic, {"request_id": "0x01", "wallet": "0x" + "ab" * 20}, "t"))
            if published_at is not None:
                conn.execute(schema.outbox.update().where(schema.outbox.c.event_id == ids[-1])
                             .values(published_at=published_at))
    return ids


def event_ids(store) -> set[str]:
    with store.transaction() as conn:
        return set(conn.execute(select(schema.outbox.c.event_id)).scalars())


def test_published_kyc_events_are_erased_after_the_aml_period_and_operator_events_kept(store):
    now = time.time()
    old_kyc, unpublished, operator_event, newest = outbox_events(
        store, ("kyc.decision_recorded", now - 6 * YEAR), ("kyc.decision_recorded", None),
        ("operator.asset_paused", now - 6 * YEAR), ("requests.received", None))
    assert purge(store, POLICY, now).kyc_events == 1
    assert event_ids(store) == {unpublished, operator_event, newest}


def test_published_request_events_are_trimmed_after_a_year_and_younger_or_unpublished_ones_kept(store):
    now = time.time()
    old, recent, unpublished, newest = outbox_events(
        store, ("requests.done", now - 366 * DAY), ("requests.received", now - 300 * DAY),
        ("requests.validated", None), ("requests.filled", None))
    assert purge(store, POLICY, now).request_events == 1
    assert event_ids(store) == {recent, unpublished, newest}


def test_the_newest_outbox_row_is_kept_so_its_id_is_never_handed_out_again(store):
    now = time.time()
    old, newest = outbox_events(store, ("requests.received", now - 2 * YEAR), ("requests.done", now - 2 * YEAR))
    assert purge(store, POLICY, now).request_events == 1
    assert event_ids(store) == {newest}
    [later] = outbox_events(store, ("requests.received", None))
    with store.transaction() as conn:
        ids = dict(conn.execute(select(schema.outbox.c.event_id, schema.outbox.c.id)).all())
    assert ids[later] > ids[newest]


def outbox_cursors(store, event_ids: list[str]) -> list[int]:
    with store.transaction() as conn:
        ids = dict(conn.execute(select(schema.outbox.c.event_id, schema.outbox.c.id)).all())
    return [ids[e] for e in event_ids]


def trim_marks(store) -> dict[str, int]:
    with store.transaction() as conn:
        return {s: outbox.trimmed_through(conn, s) for s in outbox.TRIMMED_SUBJECTS}


def test_the_purge_records_the_highest_id_it_trimmed_per_subject_class(store):
    now = time.time()
    ids = outbox_events(store, ("requests.received", now - 2 * YEAR), ("kyc.decision_recorded", now - 6 * YEAR),
                        ("requests.done", now - 2 * YEAR), ("requests.received", now - DAY), ("requests.done", None))
    request_old, kyc_old, request_older_done, _, _ = outbox_cursors(store, ids)
    assert trim_marks(store) == {"requests": 0, "kyc": 0}  # migration 8 starts every class at 0
    purge(store, POLICY, now)
    assert trim_marks(store) == {"requests": request_older_done, "kyc": kyc_old}
    assert request_old < request_older_done


def test_a_later_purge_that_trims_nothing_keeps_the_mark(store):
    now = time.time()
    [trimmed, _] = outbox_cursors(store, outbox_events(
        store, ("requests.received", now - 2 * YEAR), ("requests.done", None)))
    purge(store, POLICY, now)
    purge(store, POLICY, now + DAY)
    assert trim_marks(store)["requests"] == trimmed


def test_the_request_event_age_is_configurable_but_never_inside_the_streams_replay_window():
    assert RetentionPolicy(request_event_days=STREAM_REPLAY_DAYS).request_event_days == 30
    with pytest.raises(ValidationError):
        RetentionPolicy(request_event_days=STREAM_REPLAY_DAYS - 1)


def test_finished_sagas_and_their_steps_are_erased_after_the_aml_period_and_open_ones_kept(store):
    saga(store, "0x" + "01" * 32, "done")
    saga(store, "0x" + "02" * 32, "active")
    report = purge(store, POLICY, time.time() + 6 * YEAR)
    assert (report.sagas, report.saga_steps) == (1, 2)
    assert [s.request_id for s in store.sagas()] == ["0x" + "02" * 32]
    assert store.steps("0x" + "01" * 32) == []


def travel_rule_transfer(store, transfer_id: str, updated_at: float) -> None:
    with store.transaction() as conn:
        conn.execute(schema.travel_rule_transfers.insert().values(
            id=transfer_id, direction="incoming", status="confirmed", asset="0x" + "a1" * 20, amount="1",
            beneficiary="0x" + "ab" * 20, counterparty_url="https://trp.other.test/cb", callback_token=transfer_id,
            payload={"originator": {"originatorPersons": []}}, created_at=updated_at, updated_at=updated_at))


def test_travel_rule_messages_are_erased_five_years_after_their_last_change_and_younger_ones_kept(store):
    now = time.time()
    travel_rule_transfer(store, "old", now - 5 * YEAR - DAY)
    travel_rule_transfer(store, "recent", now - 4 * YEAR)

    assert purge(store, POLICY, now).travel_rule_transfers == 1
    with store.transaction() as conn:
        assert list(conn.execute(select(schema.travel_rule_transfers.c.id)).scalars()) == ["recent"]


def test_nothing_inside_its_retention_period_is_touched(store):
    now = time.time()
    applicant(store, "recent", updated_at=now, expiry=now + YEAR)
    saga(store, "0x" + "03" * 32, "rejected")
    travel_rule_transfer(store, "recent", now)
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


def test_the_purge_command_refuses_a_request_event_age_inside_the_streams_replay_window(tmp_path):
    from click.testing import CliRunner

    from relayer.cli import STREAM_REPLAY_DAYS as CLI_REPLAY_DAYS, main

    assert CLI_REPLAY_DAYS == STREAM_REPLAY_DAYS
    result = CliRunner().invoke(main, ["purge", "--config", str(tmp_path / "none.yaml"), "--request-event-days", "7"])
    assert result.exit_code == 2
    assert "--request-event-days" in result.output and "7 is not in the range x>=30" in result.output
