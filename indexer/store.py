"""The mirror's database: one transaction per batch (raw rows, modelled rows, balances, block identities and the
cursor together), so a crash at any point leaves either the whole batch or none of it, and a restart resumes from
the cursor without loss or duplicates. On PostgreSQL the rows go in with COPY; on SQLite with executemany.

A reorg is unwound by block hash in one transaction: every event row of an orphaned block is deleted, the balance
changes its transfers made are reversed, tokens discovered there are forgotten, the cursor moves to the common
ancestor and one `reorgs` row records it. The cursor then names a block still on the chain, so the same reorg can
never be unwound twice."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Connection, Engine, and_, create_engine, delete, event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from indexer import schema
from indexer.migrations import migrate
from indexer.model import Batch, BridgeFlow, ChainSupply, chain_supply

SCALE = 10**18
_JSON = json.JSONEncoder(separators=(",", ":"))


@dataclass(frozen=True)
class Header:
    number: int
    hash: str
    parent_hash: str


@dataclass(frozen=True)
class Followed:
    address: str
    kind: str
    label: str
    since_block: int


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # a committed batch survives a power cut, not only a kill -9
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def engine_for(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class MirrorStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = engine_for(url)
        self.postgres = self.engine.dialect.name == "postgresql"
        with self.engine.begin() as conn:
            migrate(conn)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # ------------------------------------------------------------------ reads

    def cursor(self, chain_id: int) -> tuple[int, str] | None:
        c = schema.indexer_cursor.c
        with self.engine.connect() as conn:
            row = conn.execute(select(c.last_block, c.last_hash).where(c.chain_id == chain_id)).first()
        return None if row is None else (row[0], row[1])

    def block_hash(self, chain_id: int, number: int) -> str | None:
        b = schema.indexed_blocks.c
        with self.engine.connect() as conn:
            return conn.execute(select(b.hash).where(and_(b.chain_id == chain_id, b.number == number))).scalar()

    def followed(self, chain_id: int) -> list[Followed]:
        f = schema.followed_contracts.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(f.address, f.kind, f.label, f.since_block).where(f.chain_id == chain_id))
            return [Followed(*row) for row in rows]

    def set_symbol(self, conn: Connection, chain_id: int, asset: str, symbol: str) -> None:
        a = schema.assets.c
        conn.execute(update(schema.assets).where(and_(a.chain_id == chain_id, a.address == asset))
                     .values(symbol=symbol))

    def multiplier(self, conn: Connection, chain_id: int, asset: str) -> int | None:
        a = schema.assets.c
        return conn.execute(select(a.multiplier).where(and_(a.chain_id == chain_id, a.address == asset))).scalar()

    def pool_assets(self, chain_id: int) -> dict[str, str]:
        """pool → asset of every RatCcipPool whose token the mirror has read."""
        p = schema.bridge_pools.c
        with self.engine.connect() as conn:
            return dict(conn.execute(select(p.pool, p.asset).where(p.chain_id == chain_id)).all())

    def chain_supply(self, chain_id: int) -> list[ChainSupply]:
        """Per-chain supply of every asset with a followed pool (indexer.model.chain_supply over the mirror)."""
        a, bal, t = schema.assets.c, schema.balances.c, schema.bridge_transfers.c
        with self.engine.connect() as conn:
            pools = dict(conn.execute(select(schema.bridge_pools.c.pool, schema.bridge_pools.c.asset).where(
                schema.bridge_pools.c.chain_id == chain_id)).all())
            assets = {}
            for asset in set(pools.values()):
                row = conn.execute(select(a.symbol, a.multiplier).where(and_(a.chain_id == chain_id,
                                                                            a.address == asset))).first()
                # Exact sums: SQLite keeps uint256 as text, so its SUM would go through floating point.
                supply = sum(v for (v,) in conn.execute(select(bal.tokens).where(and_(
                    bal.chain_id == chain_id, bal.asset == asset))))
                assets[asset] = (row[0] if row else "", row[1] if row else SCALE, supply)
            flows = [(BridgeFlow(pool, event, selector, amount), block) for pool, event, selector, amount, block in
                     conn.execute(select(t.pool, t.event, t.remote_chain_selector, t.amount, t.block_number).where(
                         t.chain_id == chain_id).order_by(t.block_number, t.log_index))]
        return chain_supply(chain_id, assets, pools, flows)

    # ------------------------------------------------------------------ writes

    def record_pools(self, conn: Connection, chain_id: int, tokens: dict[str, str]) -> None:
        """pool → asset, read once from each pool's immutable token (never changes, so no reorg undoes it)."""
        if tokens:
            self._upsert(conn, schema.bridge_pools, [{"chain_id": chain_id, "pool": pool, "asset": asset}
                                                     for pool, asset in tokens.items()], ["chain_id", "pool"], [])

    def follow(self, chain_id: int, contracts: Iterable[Followed], source: str = "deployment",
               lineage: tuple[str, int] | None = None, conn: Connection | None = None) -> None:
        """Adds contracts to follow (idempotent: a contract already followed keeps its first record)."""
        rows = [{"chain_id": chain_id, "address": c.address.lower(), "kind": c.kind, "label": c.label,
                 "since_block": c.since_block, "source": source,
                 "source_block_hash": lineage[0] if lineage else None,
                 "source_log_index": lineage[1] if lineage else None} for c in contracts]
        if not rows:
            return
        if conn is None:
            with self.begin() as own:
                self._upsert(own, schema.followed_contracts, rows, ["chain_id", "address"], [])
        else:
            self._upsert(conn, schema.followed_contracts, rows, ["chain_id", "address"], [])

    def apply(self, conn: Connection, chain_id: int, network: str, batch: Batch, end: Header,
              headers: list[Header], multipliers: dict[str, int], window: int) -> None:
        """Writes one batch and moves the cursor to `end`, inside the caller's transaction."""
        for found in batch.discovered:
            self.follow(chain_id, [Followed(found.address, "RealAssetToken", found.label, found.since_block)],
                        source="listing", lineage=(found.block_hash, found.log_index), conn=conn)
        for name, rows in batch.rows.items():
            if rows:
                self._append(conn, schema.metadata.tables[name], rows)
        for asset, value in multipliers.items():
            self._set_multiplier(conn, chain_id, asset, value, end)
        self._apply_balances(conn, chain_id, batch, multipliers)
        if headers:
            self._upsert(conn, schema.indexed_blocks,
                         [{"chain_id": chain_id, "number": h.number, "hash": h.hash, "parent_hash": h.parent_hash}
                          for h in headers], ["chain_id", "number"], ["hash", "parent_hash"])
        b = schema.indexed_blocks.c
        conn.execute(delete(schema.indexed_blocks).where(and_(b.chain_id == chain_id,
                                                              b.number <= end.number - window)))
        self._upsert(conn, schema.indexer_cursor, [{"chain_id": chain_id, "network": network,
                                                   "last_block": end.number, "last_hash": end.hash,
                                                   "updated_at": time.time()}],
                     ["chain_id"], ["network", "last_block", "last_hash", "updated_at"])

    def _set_multiplier(self, conn: Connection, chain_id: int, asset: str, value: int, end: Header) -> None:
        a = schema.assets.c
        previous = self.multiplier(conn, chain_id, asset)
        if previous == value:
            return
        if previous is None:
            self._upsert(conn, schema.assets, [{"chain_id": chain_id, "address": asset, "symbol": "",
                                               "multiplier": value, "multiplier_block": end.number}],
                         ["chain_id", "address"], [])
        conn.execute(update(schema.assets).where(and_(a.chain_id == chain_id, a.address == asset))
                     .values(multiplier=value, multiplier_block=end.number))
        self._upsert(conn, schema.multipliers, [{"chain_id": chain_id, "asset": asset, "block_hash": end.hash,
                                                "block_number": end.number, "multiplier": value}],
                     ["chain_id", "asset", "block_hash"], ["multiplier"])
        self._reshare(conn, chain_id, asset, value)

    @staticmethod
    def _reshare(conn: Connection, chain_id: int, asset: str, multiplier: int) -> None:
        """Every holder's shares move with the multiplier (a split or the management fee)."""
        bal = schema.balances.c
        rows = conn.execute(select(bal.holder, bal.tokens).where(and_(bal.chain_id == chain_id,
                                                                      bal.asset == asset))).all()
        for holder, tokens in rows:
            conn.execute(update(schema.balances).where(and_(bal.chain_id == chain_id, bal.asset == asset,
                                                            bal.holder == holder))
                         .values(shares=tokens * multiplier // SCALE))

    def _apply_balances(self, conn: Connection, chain_id: int, batch: Batch, multipliers: dict[str, int]) -> None:
        if not batch.deltas:
            return
        scales = {asset: multipliers.get(asset) or self.multiplier(conn, chain_id, asset) or SCALE
                  for asset in {asset for asset, _ in batch.deltas}}
        if self.postgres:
            self._apply_balances_pg(conn, chain_id, batch, scales)
            return
        by_asset: dict[str, list[str]] = {}
        for asset, holder in batch.deltas:
            by_asset.setdefault(asset, []).append(holder)
        upserts, zeroed = [], []
        for asset, holders in by_asset.items():
            multiplier = scales[asset]
            current = self._balances_of(conn, chain_id, asset, holders)
            for holder in holders:
                tokens = current.get(holder, 0) + batch.deltas[(asset, holder)]
                if tokens < 0:
                    raise _negative(asset, holder)
                if tokens == 0:
                    zeroed.append((asset, holder))
                else:
                    upserts.append({"chain_id": chain_id, "asset": asset, "holder": holder, "tokens": tokens,
                                    "shares": tokens * multiplier // SCALE,
                                    "last_block": batch.touched_at[(asset, holder)]})
        if upserts:
            self._upsert(conn, schema.balances, upserts, ["chain_id", "asset", "holder"],
                         ["tokens", "shares", "last_block"])
        bal = schema.balances.c
        for asset, holder in zeroed:
            conn.execute(delete(schema.balances).where(and_(bal.chain_id == chain_id, bal.asset == asset,
                                                            bal.holder == holder)))

    def _apply_balances_pg(self, conn: Connection, chain_id: int, batch: Batch, scales: dict[str, int]) -> None:
        """The batch's net change per (asset, holder) goes in by COPY, sorted by key (neighbouring index pages);
        one `INSERT … ON CONFLICT` adds it to the stored balance in place (no join with `balances`, no round trip
        of current balances through Python; the asset's multiplier comes from a per-statement array), and returns
        only the balances that reached zero (deleted) or went negative (the mirror missed events: the whole batch
        rolls back)."""
        raw = conn.connection.driver_connection
        assets = sorted(scales)
        with raw.cursor() as cur:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS balance_deltas (asset varchar(42), holder varchar(42), "
                        "delta numeric(78,0), shares numeric(78,0), last_block bigint) ON COMMIT DELETE ROWS")
            touched = batch.touched_at
            with cur.copy("COPY balance_deltas (asset, holder, delta, shares, last_block) FROM STDIN") as copy:
                for key in sorted(batch.deltas):
                    delta = batch.deltas[key]
                    # `shares` is the new holder's shares (a holder absent before holds exactly the delta).
                    copy.write_row((key[0], key[1], delta, delta * scales[key[0]] // SCALE if delta > 0 else 0,
                                    touched[key]))
            cur.execute(
                "WITH merged AS ("
                " INSERT INTO balances AS b (chain_id, asset, holder, tokens, shares, last_block)"
                " SELECT %(chain)s, asset, holder, delta, shares, last_block FROM balance_deltas"
                " ON CONFLICT (chain_id, asset, holder) DO UPDATE SET tokens = b.tokens + EXCLUDED.tokens,"
                " shares = div((b.tokens + EXCLUDED.tokens)"
                " * (%(multipliers)s::numeric[])[array_position(%(assets)s::varchar[], b.asset)], %(scale)s),"
                " last_block = EXCLUDED.last_block"
                " RETURNING b.asset, b.holder, b.tokens)"
                " SELECT asset, holder, tokens FROM merged WHERE tokens <= 0",
                {"chain": chain_id, "scale": SCALE, "assets": assets, "multipliers": [scales[a] for a in assets]})
            ended = cur.fetchall()
            for asset, holder, tokens in ended:
                if tokens < 0:
                    raise _negative(asset, holder)
            if ended:
                cur.execute("DELETE FROM balances WHERE chain_id = %s AND (asset, holder) IN "
                            "(SELECT * FROM unnest(%s::varchar[], %s::varchar[]))",
                            (chain_id, [a for a, _, _ in ended], [h for _, h, _ in ended]))

    def _balances_of(self, conn: Connection, chain_id: int, asset: str, holders: list[str]) -> dict[str, int]:
        bal = schema.balances.c
        current: dict[str, int] = {}
        for chunk in _chunks(holders, 500):
            current.update(conn.execute(select(bal.holder, bal.tokens).where(and_(
                bal.chain_id == chain_id, bal.asset == asset, bal.holder.in_(chunk)))).all())
        return current

    def _append(self, conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
        if self.postgres:
            self._copy(conn, table.name, list(rows[0]), rows,
                       frozenset(c.name for c in table.c if isinstance(c.type, JSON)))
        else:
            conn.execute(table.insert(), rows)

    @staticmethod
    def _copy(conn: Connection, table: str, columns: list[str], rows: list[dict[str, Any]],
              json_columns: frozenset[str] = frozenset()) -> None:
        # psycopg's C dumpers format each row (ints of any size, text, NULL); measured ~3x faster than building the
        # COPY text in Python (bench/results/indexer.json).
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                if json_columns:
                    # JSON text straight from the C encoder (the json column keeps the text as given).
                    dumps = _JSON.encode
                    plan = [(c, c in json_columns) for c in columns]
                    for row in rows:
                        copy.write_row([dumps(row[c]) if is_json else row[c] for c, is_json in plan])
                else:
                    for row in rows:
                        copy.write_row([row[c] for c in columns])

    def _upsert(self, conn: Connection, table: Any, rows: list[dict[str, Any]], keys: list[str],
                updates: list[str]) -> None:
        insert = pg_insert if self.postgres else sqlite_insert
        for chunk in _chunks(rows, 2000):
            statement = insert(table)
            if updates:
                statement = statement.on_conflict_do_update(
                    index_elements=keys, set_={c: statement.excluded[c] for c in updates})
            else:
                statement = statement.on_conflict_do_nothing(index_elements=keys)
            conn.execute(statement, chunk)

    # ------------------------------------------------------------------ reorgs

    def unwind(self, chain_id: int, ancestor: Header) -> int:
        """Removes everything the mirror took from blocks above `ancestor`, by their block hashes; returns the
        number of event rows removed. One transaction."""
        b = schema.indexed_blocks.c
        with self.begin() as conn:
            orphaned = conn.execute(select(b.number, b.hash).where(and_(
                b.chain_id == chain_id, b.number > ancestor.number)).order_by(b.number)).all()
            hashes = [h for _, h in orphaned]
            removed = self._unwind_hashes(conn, chain_id, hashes)
            conn.execute(delete(schema.indexed_blocks).where(and_(b.chain_id == chain_id,
                                                                  b.number > ancestor.number)))
            c = schema.indexer_cursor.c
            conn.execute(update(schema.indexer_cursor).where(c.chain_id == chain_id).values(
                last_block=ancestor.number, last_hash=ancestor.hash, updated_at=time.time()))
            conn.execute(schema.reorgs.insert().values(
                chain_id=chain_id, detected_at=time.time(), ancestor_block=ancestor.number,
                orphaned_hashes=hashes, rows_removed=removed))
        return removed

    def _unwind_hashes(self, conn: Connection, chain_id: int, hashes: list[str]) -> int:
        if not hashes:
            return 0
        t = schema.transfers.c
        reverse: dict[tuple[str, str], int] = {}
        for chunk in _chunks(hashes, 500):
            for asset, sender, receiver, amount in conn.execute(select(
                    t.asset, t.from_address, t.to_address, t.amount).where(and_(
                    t.chain_id == chain_id, t.block_hash.in_(chunk)))):
                reverse[(asset, sender)] = reverse.get((asset, sender), 0) + amount
                reverse[(asset, receiver)] = reverse.get((asset, receiver), 0) - amount
        removed = 0
        for table in schema.EVENT_TABLES:
            for chunk in _chunks(hashes, 500):
                result = conn.execute(delete(table).where(and_(table.c.chain_id == chain_id,
                                                               table.c.block_hash.in_(chunk))))
                removed += result.rowcount if table is schema.raw_events else 0
        m, f = schema.multipliers.c, schema.followed_contracts.c
        moved = {a for (a,) in conn.execute(select(m.asset).where(and_(m.chain_id == chain_id,
                                                                         m.block_hash.in_(hashes))))}
        conn.execute(delete(schema.multipliers).where(and_(m.chain_id == chain_id, m.block_hash.in_(hashes))))
        gone = [a for (a,) in conn.execute(select(f.address).where(and_(
            f.chain_id == chain_id, f.source_block_hash.in_(hashes))))]
        conn.execute(delete(schema.followed_contracts).where(and_(f.chain_id == chain_id,
                                                                  f.source_block_hash.in_(hashes))))
        a = schema.assets.c
        if gone:
            conn.execute(delete(schema.assets).where(and_(a.chain_id == chain_id, a.address.in_(gone))))
        # The multiplier goes back to the newest reading that survived.
        for (asset,) in conn.execute(select(a.address).where(a.chain_id == chain_id)).all():
            latest = conn.execute(select(m.multiplier, m.block_number).where(and_(
                m.chain_id == chain_id, m.asset == asset)).order_by(m.block_number.desc()).limit(1)).first()
            if latest is not None and asset in moved:
                conn.execute(update(schema.assets).where(and_(a.chain_id == chain_id, a.address == asset))
                             .values(multiplier=latest[0], multiplier_block=latest[1]))
                self._reshare(conn, chain_id, asset, latest[0])
        bal = schema.balances.c
        for (asset, holder), delta in reverse.items():
            if holder == "0x" + "0" * 40 or delta == 0:
                continue
            tokens = conn.execute(select(bal.tokens).where(and_(bal.chain_id == chain_id, bal.asset == asset,
                                                                bal.holder == holder))).scalar() or 0
            tokens += delta
            multiplier = self.multiplier(conn, chain_id, asset) or SCALE
            conn.execute(delete(schema.balances).where(and_(bal.chain_id == chain_id, bal.asset == asset,
                                                            bal.holder == holder)))
            if tokens:
                last = conn.execute(select(t.block_number).where(and_(
                    t.chain_id == chain_id, t.asset == asset,
                    (t.from_address == holder) | (t.to_address == holder))).order_by(
                    t.block_number.desc()).limit(1)).scalar() or 0
                conn.execute(schema.balances.insert().values(chain_id=chain_id, asset=asset, holder=holder,
                                                             tokens=tokens, shares=tokens * multiplier // SCALE,
                                                             last_block=last))
        return removed


def _negative(asset: str, holder: str) -> ValueError:
    return ValueError(f"balance of {holder} in {asset} would be negative: the mirror missed events")


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i: i + size]
