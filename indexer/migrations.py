"""Ordered, append-only migrations of the mirror, in the relayer store's style (relayer/store/migrations.py,
ADR 0083): a numbered list, each applied in one transaction and recorded in `indexer_migrations`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, inspect, select
from sqlalchemy.schema import CreateIndex, CreateTable

from indexer import schema


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer indexer; this one refuses to write to it."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


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


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "raw events with lineage, modelled tables, cursor, reorg and reconciliation logs", _initial),
)
LATEST = MIGRATIONS[-1].version


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("indexer_migrations"):
        return 0
    return max(conn.execute(select(schema.indexer_migrations.c.version)).scalars().all(), default=0)


def migrate(conn: Connection) -> list[int]:
    """Applies every pending migration; returns the versions applied (empty when up to date)."""
    if not inspect(conn).has_table("indexer_migrations"):
        conn.execute(CreateTable(schema.indexer_migrations))
    version = current_version(conn)
    if version > LATEST:
        raise SchemaTooNew(f"mirror schema is at version {version}, this indexer knows up to {LATEST}")
    applied = []
    for migration in MIGRATIONS:
        if migration.version <= version:
            continue
        migration.apply(conn)
        conn.execute(schema.indexer_migrations.insert().values(
            version=migration.version, name=migration.name, applied_at=time.time()))
        applied.append(migration.version)
    return applied
