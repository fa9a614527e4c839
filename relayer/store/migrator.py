"""Runs a numbered, append-only list of schema migrations against a ledger table that records each one applied.

Shared by the relayer's state store (relayer/store/migrations.py) and the indexer's mirror (indexer/migrations.py).
The caller's transaction wraps the run, so a crash mid-migration leaves the previous version intact (PostgreSQL DDL
is transactional; SQLite's is too for these statements)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Table, inspect, select
from sqlalchemy.schema import CreateTable


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


def current_version(conn: Connection, ledger: Table) -> int:
    if not inspect(conn).has_table(ledger.name):
        return 0
    return max(conn.execute(select(ledger.c.version)).scalars().all(), default=0)


def migrate(conn: Connection, ledger: Table, migrations: Sequence[Migration],
            too_new: Callable[[int, int], Exception]) -> list[int]:
    """Applies every migration above the recorded version, in order; returns the versions applied (empty when up
    to date). A database recorded at a version this code does not know raises `too_new(version, latest)`."""
    if not inspect(conn).has_table(ledger.name):
        conn.execute(CreateTable(ledger))
    version, latest = current_version(conn, ledger), migrations[-1].version
    if version > latest:
        raise too_new(version, latest)
    applied = []
    for migration in migrations:
        if migration.version <= version:
            continue
        migration.apply(conn)
        conn.execute(ledger.insert().values(version=migration.version, name=migration.name, applied_at=time.time()))
        applied.append(migration.version)
    return applied
