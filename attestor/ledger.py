"""The attestor's durable record of what it signed: one row per request, written and committed before the
signature leaves the process.

A request's row fixes its terms (everything in the Fill but the deadline, plus asset and account): the same terms
are signed again after a crash or a relayer retry (a later deadline is fine, the Minter fulfils a request at
most once), different terms never. A broker order or a custody settlement backs one request only."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS signed_fills (
    request_id       TEXT PRIMARY KEY,
    terms            TEXT NOT NULL,
    asset            TEXT NOT NULL,
    day              TEXT NOT NULL,
    share_units      TEXT NOT NULL,
    broker_order_ref TEXT NOT NULL UNIQUE,
    custody_ref      TEXT NOT NULL UNIQUE,
    deadline         INTEGER NOT NULL,
    signatures       INTEGER NOT NULL,
    first_signed_at  REAL NOT NULL,
    last_signed_at   REAL NOT NULL
);
"""


@dataclass(frozen=True)
class Entry:
    request_id: str
    terms: str
    asset: str
    day: str
    share_units: int
    broker_order_ref: str
    custody_ref: str
    deadline: int


class Conflict(Exception):
    """The request (or the evidence) was already signed for with other terms; `kind` says which."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


class OverDailyLimit(Exception):
    def __init__(self, signed: int, limit: int) -> None:
        super().__init__(f"{signed} share units already signed today, limit {limit}")
        self.signed, self.limit = signed, limit


class Ledger:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One connection serialised by a lock: the service signs one fill at a time, and SQLite's own locking
        # keeps a second process on the same file from interleaving (BEGIN IMMEDIATE).
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a committed row survives power loss, not just a crash
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def check(self) -> int:
        """Rows recorded (the doctor's read of the database)."""
        return self._db.execute("SELECT count(*) FROM signed_fills").fetchone()[0]

    def record(self, entry: Entry, daily_limit: int) -> bool:
        """Commits `entry` before its signature may be returned. True when it is new, False when the same terms
        were recorded before (a re-signature). Raises Conflict for different terms or reused evidence, and
        OverDailyLimit when a new entry would take the asset's UTC day over `daily_limit` share units."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                new = self._record(entry, daily_limit)
                self._db.execute("COMMIT")
                return new
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _record(self, entry: Entry, daily_limit: int) -> bool:
        now = time.time()
        row = self._db.execute("SELECT terms FROM signed_fills WHERE request_id = ?", (entry.request_id,)).fetchone()
        if row is not None:
            if row[0] != entry.terms:
                raise Conflict("conflicting-fill", f"a different fill was already signed for {entry.request_id}")
            self._db.execute(
                "UPDATE signed_fills SET deadline = max(deadline, ?), signatures = signatures + 1, last_signed_at = ?"
                " WHERE request_id = ?", (entry.deadline, now, entry.request_id))
            return False
        for column, value in (("broker_order_ref", entry.broker_order_ref), ("custody_ref", entry.custody_ref)):
            other = self._db.execute(f"SELECT request_id FROM signed_fills WHERE {column} = ?", (value,)).fetchone()
            if other is not None:
                raise Conflict("evidence-reused", f"{column} {value} already backs request {other[0]}")
        signed = sum(int(r[0]) for r in self._db.execute(
            "SELECT share_units FROM signed_fills WHERE asset = ? AND day = ?", (entry.asset, entry.day)))
        if signed + entry.share_units > daily_limit:
            raise OverDailyLimit(signed, daily_limit)
        self._db.execute(
            "INSERT INTO signed_fills VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
            (entry.request_id, entry.terms, entry.asset, entry.day, str(entry.share_units), entry.broker_order_ref,
             entry.custody_ref, entry.deadline, now, now))
        return True

    def signed_count(self) -> int:
        return self.check()
