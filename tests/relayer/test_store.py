"""The state store behaves identically on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from relayer.errors import SchemaTooNew, StoreError
from relayer.store import BlockRecord, LotRecord, SagaRecord, Store
from relayer.store.migrations import LATEST
from relayer.store import schema


def saga(request_id: str = "0x" + "01" * 32, block: int = 10, step: str = "received") -> SagaRecord:
    return SagaRecord(
        request_id=request_id,
        kind="mint",
        trace_id="t" * 32,
        step=step,
        status="active",
        payload={"amount": "5"},
        block_number=block,
        block_hash="0x" + "aa" * 32,
        log_index=0,
    )


def test_opening_a_fresh_database_applies_every_migration(store):
    assert store.schema_version() == (LATEST, LATEST)


def test_migrating_twice_applies_nothing_the_second_time(store):
    assert store.migrate() == []


def test_a_database_from_a_newer_relayer_is_refused(store, store_url):
    with store.engine.begin() as conn:
        conn.execute(schema.schema_migrations.insert().values(version=LATEST + 1, name="future", applied_at=0))
    with pytest.raises(SchemaTooNew):
        Store.open(store_url)


def test_an_unknown_database_scheme_is_a_store_error():
    with pytest.raises(StoreError, match="nosuchdb"):
        Store.open("nosuchdb://x")


def test_a_request_id_is_inserted_once_however_often_its_event_arrives(store):
    assert store.insert_saga(saga()) is True
    assert store.insert_saga(saga()) is False
    assert len(store.sagas()) == 1


def test_advance_moves_only_from_the_expected_step_and_merges_the_payload(store):
    store.insert_saga(saga())
    assert store.advance(saga().request_id, "received", "validated", payload={"price": "10"})
    assert not store.advance(saga().request_id, "received", "order_placed")
    record = store.get_saga(saga().request_id)
    assert record.step == "validated"
    assert record.payload == {"amount": "5", "price": "10"}
    assert [s for s, _, _ in store.steps(saga().request_id)] == ["received", "validated"]


def test_advance_to_returns_the_moved_saga_and_its_assets_hold_from_the_same_transaction(store):
    asset = "0x" + "ab" * 20
    store.insert_saga(saga().model_copy(update={"payload": {"amount": "5", "asset": asset}}))
    with store.transaction() as conn:
        store.hold_asset(conn, asset, True, "custodian migration", "ops")
    moved, hold = store.advance_to(saga().request_id, "received", "validated", payload={"qty": "2"})
    assert moved == store.get_saga(saga().request_id)
    assert moved.step == "validated" and moved.payload == {"amount": "5", "asset": asset, "qty": "2"}
    assert hold == "custodian migration"


def test_advance_to_from_a_stale_step_moves_nothing_and_returns_none(store):
    store.insert_saga(saga())
    assert store.advance_to(saga().request_id, "validated", "order_placed") is None
    assert store.get_saga(saga().request_id).step == "received"


def test_a_saga_status_outside_the_known_statuses_is_refused(store):
    store.insert_saga(saga())
    with pytest.raises(ValueError, match="unknown saga status 'sleeping'"):
        store.defer(saga().request_id, "received", 0.0, "sleeping")
    with pytest.raises(ValueError, match="unknown saga status"):
        store.advance(saga().request_id, "received", "validated", status="finished")
    assert store.get_saga(saga().request_id).status == "active"


def test_the_due_query_reads_only_working_sagas_through_the_status_index(sqlite_store):
    # Finished sagas accumulate for ever; the scheduler polls ten times a second, so its query must not scan them.
    from sqlalchemy import text

    from relayer.store.store import due_ids_query

    sql = due_ids_query(now=1.0, limit=10).compile(sqlite_store.engine, compile_kwargs={"literal_binds": True})
    with sqlite_store.engine.connect() as conn:
        plan = " | ".join(row[-1] for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "ix_sagas_status_not_before" in plan and "SCAN sagas" not in plan


def test_concurrent_advances_of_the_same_step_have_exactly_one_winner(store):
    store.insert_saga(saga())
    wins = []
    barrier = threading.Barrier(4)

    def worker(i: int) -> None:
        barrier.wait()
        wins.append(store.advance(saga().request_id, "received", f"step{i}"))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False, False, False, True]


def test_failures_delay_a_saga_until_its_retry_time(store):
    store.insert_saga(saga())
    store.note_failure(saga().request_id, "received", "broker 503", retry_at=1000.0)
    assert store.due_sagas(now=999.0) == []
    [due] = store.due_sagas(now=1000.0)
    assert due.attempts == 1 and due.last_error == "broker 503"


def test_terminal_sagas_are_never_due(store):
    store.insert_saga(saga())
    store.advance(saga().request_id, "received", "done", status="done")
    assert store.due_sagas(now=1e12) == []


def test_every_attempt_at_a_nonce_keeps_its_hash_and_settling_marks_the_rest_replaced(store):
    sender = "0x" + "11" * 20
    store.record_intent(sender, 7, "0x" + "a1" * 32, b"\x01", 10, "fulfil")
    store.record_intent(sender, 7, "0x" + "a2" * 32, b"\x02", 11, "fulfil")
    assert [i.tx_hash for i in store.open_intents(sender)] == ["0x" + "a1" * 32, "0x" + "a2" * 32]
    store.settle_nonce(sender, 7, "0x" + "a1" * 32, 99)
    statuses = {i.tx_hash: (i.status, i.block_number) for i in store.intents(sender)}
    assert statuses == {"0x" + "a1" * 32: ("mined", 99), "0x" + "a2" * 32: ("replaced", None)}
    assert store.open_intents(sender) == []
    assert store.highest_nonce(sender) == 7


def test_the_raw_transaction_bytes_are_stored_exactly(store):
    raw = bytes(range(256))
    store.record_intent("0x" + "11" * 20, 0, "0x" + "b1" * 32, raw, 1, "fulfil")
    assert store.intents()[0].raw_tx == raw


def test_the_cursor_and_block_identities_move_together(store):
    assert store.cursor("anvil") is None
    blocks = [BlockRecord(number=n, hash=f"0x{n:064x}", parent_hash=f"0x{n - 1:064x}") for n in (5, 6)]
    store.set_cursor("anvil", 6, blocks)
    assert store.cursor("anvil") == 6
    assert store.block("anvil", 6) == blocks[1]
    store.forget_blocks_from("anvil", 6)
    assert store.block("anvil", 6) is None and store.block("anvil", 5) == blocks[0]


def test_the_lot_ledger_holds_one_lot_per_request(store):
    lot = LotRecord(
        request_id="0x" + "01" * 32, kind="mint", symbol="rAAPL", lot_id="LOT-1", quantity=10**18 * 3,
        account="SPV-1", tx_hash="0x" + "cc" * 32, created_at=1.0,
    )
    assert store.append_lot(lot)
    assert not store.append_lot(lot.model_copy(update={"lot_id": "LOT-2"}))
    assert store.lots() == [lot]


def test_a_lease_is_exclusive_until_it_expires(store):
    assert store.acquire_lease("sagas", "a", ttl=60)
    assert not store.acquire_lease("sagas", "b", ttl=60)
    assert store.acquire_lease("sagas", "a", ttl=60)
    store.release_lease("sagas", "a")
    assert store.acquire_lease("sagas", "b", ttl=-1)
    assert store.acquire_lease("sagas", "a", ttl=60)


def test_a_breaker_stays_open_until_reset(store):
    assert store.breaker("custody") == (False, "")
    store.set_breaker("custody", True, "custody short by 3")
    assert store.breaker("custody") == (True, "custody short by 3")
    store.set_breaker("custody", False, "reconciled")
    assert store.breaker("custody")[0] is False


def test_a_saga_parked_by_a_reorg_is_not_set_back_to_work_by_the_wait_its_worker_read_before(store):
    store.insert_saga(saga(block=10))
    assert store.park_from_block(9) == [saga().request_id]  # the worker is mid-step when the reorg is seen
    store.defer(saga().request_id, "received", 0.0, "active", "request not on the canonical chain")
    record = store.get_saga(saga().request_id)
    assert record.status == "reorged"
    assert record.last_error is None


def test_a_saga_parked_by_a_reorg_is_not_moved_by_the_step_its_worker_finished_after(store):
    store.insert_saga(saga(block=10))
    store.park_from_block(9)
    assert store.advance_to(saga().request_id, "received", "validated") is None
    record = store.get_saga(saga().request_id)
    assert (record.step, record.status) == ("received", "reorged")


def test_a_saga_parked_by_a_reorg_keeps_its_status_when_its_worker_records_a_failure(store):
    store.insert_saga(saga(block=10))
    store.park_from_block(9)
    store.note_failure(saga().request_id, "received", "RpcUnavailable: down", retry_at=0.0)
    record = store.get_saga(saga().request_id)
    assert (record.status, record.attempts, record.last_error) == ("reorged", 0, None)


def test_a_finished_saga_is_not_reopened_by_a_late_wait(store):
    store.insert_saga(saga())
    store.set_status(saga().request_id, "orphaned", {"reason": "request no longer on chain"})
    store.defer(saga().request_id, "received", 0.0, "active", "late")
    assert store.get_saga(saga().request_id).status == "orphaned"
