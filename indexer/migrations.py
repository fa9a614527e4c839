"""Ordered, append-only migrations of the mirror, in the relayer store's style (relayer/store/migrations.py,
ADR 0083): a numbered list, each applied in one transaction and recorded in `indexer_migrations`."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.schema import CreateIndex, CreateTable

from indexer import schema
from relayer.store import migrator
from relayer.store.migrator import Migration


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer indexer; this one refuses to write to it."""


def _initial(conn: Connection) -> None:
    # Named one by one: a table added to schema.py later belongs to a new migration, never to this one.
    for table in (
        schema.raw_events, schema.indexer_cursor, schema.indexed_blocks, schema.followed_contracts, schema.assets,
        schema.multipliers, schema.balances, schema.transfers, schema.requests, schema.request_outcomes,
        schema.reserve_rounds, schema.fee_events, schema.splits, schema.dividends, schema.dividend_claims,
        schema.conversions, schema.kyc_changes, schema.proposals, schema.votes, schema.reorgs,
        schema.reconciliations,
    ):
        conn.execute(CreateTable(table))
        for index in table.indexes:
            conn.execute(CreateIndex(index))


def _balances_room_for_updates(conn: Connection) -> None:
    # Every batch rewrites the balance of each holder it touches, and no indexed column changes: with free room on
    # the page PostgreSQL updates in place (HOT) instead of adding a primary-key entry per update, which made the
    # balance upsert grow with the run (bench/results/indexer.json). Pages written before keep their layout.
    # SQLite has no such setting.
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE balances SET (fillfactor = 50)")


def _bridge(conn: Connection) -> None:
    for table in (schema.bridge_pools, schema.bridge_transfers):
        conn.execute(CreateTable(table))
        for index in table.indexes:
            conn.execute(CreateIndex(index))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "raw events with lineage, modelled tables, cursor, reorg and reconciliation logs", _initial),
    Migration(2, "balances leave half of each page free for in-place updates (PostgreSQL)",
              _balances_room_for_updates),
    Migration(3, "CCIP pools and their transfers: burned, minted, quarantined, released (per-chain supply)", _bridge),
)
LATEST = MIGRATIONS[-1].version


def current_version(conn: Connection) -> int:
    return migrator.current_version(conn, schema.indexer_migrations)


def migrate(conn: Connection) -> list[int]:
    """Applies every pending migration; returns the versions applied (empty when up to date)."""
    return migrator.migrate(conn, schema.indexer_migrations, MIGRATIONS, lambda version, latest: SchemaTooNew(
        f"mirror schema is at version {version}, this indexer knows up to {latest}"))
