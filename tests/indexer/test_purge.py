"""`rat-indexer purge` (indexer/retention.py, docs/data/lifecycle.md): mirror rows past their table's retention are
deleted; everything the documents call permanent stays. On SQLite and PostgreSQL."""

from __future__ import annotations

import time

from click.testing import CliRunner
from sqlalchemy import func, select

from indexer import schema
from indexer.cli import main
from indexer.retention import DAY, MirrorRetention, purge
from indexer.store import MirrorStore

YEAR = 365 * DAY


def reconciliation(store: MirrorStore, at: float, chain_id: int = 1) -> None:
    with store.begin() as conn:
        conn.execute(schema.reconciliations.insert().values(
            chain_id=chain_id, block_number=100, block_hash="0x" + "ab" * 32, at=at, checks=3, differences=[]))


def reconciliation_ages(store: MirrorStore) -> list[tuple[int, float]]:
    with store.begin() as conn:
        return sorted(conn.execute(select(schema.reconciliations.c.chain_id, schema.reconciliations.c.at)).all())


def test_reconciliations_older_than_two_years_are_deleted_and_younger_ones_kept(mirror_url):
    store = MirrorStore(mirror_url)
    now = time.time()
    for age in (3 * YEAR, 2 * YEAR + DAY, YEAR, 0):
        reconciliation(store, now - age)
    assert purge(store, MirrorRetention(), now).reconciliations == 2
    assert reconciliation_ages(store) == [(1, now - YEAR), (1, now)]
    assert purge(store, MirrorRetention(), now).reconciliations == 0  # idempotent
    store.close()


def test_each_chains_newest_reconciliation_stays_whatever_its_age(mirror_url):
    store = MirrorStore(mirror_url)
    now = time.time()
    for chain_id in (1, 2):
        reconciliation(store, now - 4 * YEAR, chain_id)
        reconciliation(store, now - 3 * YEAR, chain_id)
    assert purge(store, MirrorRetention(), now).reconciliations == 2
    assert reconciliation_ages(store) == [(1, now - 3 * YEAR), (2, now - 3 * YEAR)]
    store.close()


def row_counts(store: MirrorStore) -> dict[str, int]:
    with store.begin() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in schema.metadata.sorted_tables}


def test_only_reconciliations_are_purged_and_every_permanent_table_is_left_alone(sqlite_url):
    store = MirrorStore(sqlite_url)
    with store.begin() as conn:
        conn.execute(schema.indexer_cursor.insert().values(chain_id=1, network="local", last_block=5,
                                                           last_hash="0x" + "00" * 32, updated_at=0.0))
    reconciliation(store, 0.0)
    reconciliation(store, 1.0)
    before = row_counts(store)
    purge(store, MirrorRetention(reconciliation_days=1), time.time())
    assert row_counts(store) == {**before, "reconciliations": 1}
    store.close()


def test_the_purge_command_reports_what_it_deleted(sqlite_url):
    store = MirrorStore(sqlite_url)
    reconciliation(store, time.time() - 3 * YEAR)
    reconciliation(store, time.time())
    store.close()
    result = CliRunner().invoke(main, ["purge", "--db", sqlite_url])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "reconciliations=1"


def test_the_purge_command_refuses_a_retention_of_zero_days(sqlite_url):
    result = CliRunner().invoke(main, ["purge", "--db", sqlite_url, "--reconciliation-days", "0"])
    assert result.exit_code == 2
    assert "--reconciliation-days" in result.output and "0 is not in the range x>=1" in result.output
