"""Data access for sagas, transaction intents, the block cursor, the lot ledger, leases and breakers.

Every public method is one database transaction. Methods that move a saga forward are compare-and-set on the
saga's current step, so two workers (or a worker and a reorg rollback) can never both win the same step."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    Connection, Engine, Select, and_, bindparam, create_engine, delete, event, func, or_, select, text, update,
)
from sqlalchemy.exc import IntegrityError, OperationalError

from relayer.errors import StoreError
from relayer.events.outbox import record_saga_step
from relayer.store import schema
from relayer.store.migrations import LATEST, current_version, migrate

TERMINAL_STATUSES = ("done", "rejected", "orphaned", "closed")
# Parked after a reorg: not worked on until the request reappears on the canonical chain. `stuck`: the saga
# failed at its step so often (or so permanently) that only an operator can move it: retry or reject.
IDLE_STATUSES = (*TERMINAL_STATUSES, "reorged", "stuck")
# Sagas the scheduler looks at. Named positively (not "not idle") so the due query is a range scan of the
# (status, not_before) index: finished sagas pile up for ever, and a NOT IN scanned every one of them ten times
# a second (ADR 0045).
WORKING_STATUSES = ("active", "waiting_market", "blocked", "paused")
SAGA_STATUSES = (*WORKING_STATUSES, *IDLE_STATUSES)


def _known_status(status: str) -> None:
    if status not in SAGA_STATUSES:
        # A status outside both lists would be neither worked on nor finished: a saga lost in plain sight.
        raise ValueError(f"unknown saga status {status!r}; expected one of {', '.join(SAGA_STATUSES)}")


class SagaRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    request_id: str
    kind: str
    trace_id: str
    step: str
    status: str
    payload: dict[str, Any]
    block_number: int
    block_hash: str
    log_index: int
    not_before: float = 0.0
    attempts: int = 0
    last_error: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0


class IntentRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    sender: str
    nonce: int
    request_id: str | None
    purpose: str
    trace_id: str | None
    tx_hash: str
    raw_tx: bytes
    gas_price: int
    status: str
    block_number: int | None
    created_at: float
    broadcast_at: float | None


class BlockRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    hash: str
    parent_hash: str


class CollateralPositionRecord(BaseModel):
    """The collateral keeper's durable view of one Morpho Blue position (migration 6)."""

    model_config = ConfigDict(frozen=True)

    market_id: str
    borrower: str
    unhealthy_since: int | None
    alerted: bool
    liquidation_nonce: int | None
    updated_at: float


class LotRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    request_id: str
    kind: str
    symbol: str
    lot_id: str
    quantity: int
    account: str
    tx_hash: str
    created_at: float


# Statements on the saga hot path, built once with bind parameters: building and cache-keying a fresh statement
# per call cost more CPU than executing it (profile in docs/decisions/0045-relayer-throughput.md).
_S = schema.sagas.c
_AT_STEP = and_(_S.request_id == bindparam("rid"), _S.step == bindparam("expected"))
# A worker's write (move, wait, failure) applies only while the saga is still being worked on: a reorg may have
# parked it, or an operator finished it, after the worker read it, and the worker must not overwrite that. A saga
# parked mid-step and then set back to `active` by its own worker escaped the orphan sweep and could go on to trade
# for a request that is no longer on chain.
_AT_WORKING_STEP = and_(_AT_STEP, _S.status.in_(WORKING_STATUSES))
_GET_SAGA = select(schema.sagas).where(_S.request_id == bindparam("rid"))
_ADVANCE_WRITE = update(schema.sagas).where(_AT_WORKING_STEP).values(
    step=bindparam("new_step"), status=bindparam("new_status"), payload=bindparam("new_payload", type_=_S.payload.type),
    updated_at=bindparam("now"), not_before=bindparam("new_not_before"), attempts=0, last_error=None)
_STEP_INSERT = schema.saga_steps.insert()
_SAGA_INSERT = schema.sagas.insert()
_DEFER_READ = select(_S.status).where(_AT_WORKING_STEP)
_DEFER_WRITE = update(schema.sagas).where(_AT_WORKING_STEP).values(
    not_before=bindparam("until"), status=bindparam("new_status"), last_error=bindparam("why"),
    updated_at=bindparam("now"))
_I = schema.tx_intents.c
_INTENT_INSERT = schema.tx_intents.insert()
_INTENT_BY_ID = select(schema.tx_intents).where(_I.id == bindparam("iid"))
_INTENTS_OF_NONCE = select(schema.tx_intents).where(and_(_I.sender == bindparam("who"), _I.nonce == bindparam("n"))) \
    .order_by(_I.id)
_INTENTS_OF_REQUEST = select(schema.tx_intents).where(_I.request_id == bindparam("rid")).order_by(_I.id)
_HIGHEST_NONCE = select(func.max(_I.nonce)).where(_I.sender == bindparam("who"))
_BREAKER = select(schema.breakers).where(schema.breakers.c.name == bindparam("name"))
_ASSET_HOLD = select(schema.asset_controls.c.paused, schema.asset_controls.c.reason).where(
    schema.asset_controls.c.asset == bindparam("asset"))


def _due(now: float) -> Any:
    return and_(_S.status.in_(WORKING_STATUSES), _S.not_before <= now)


def _hold_reason(row: Any) -> str | None:
    """An `_ASSET_HOLD` row as the operator's reason while the asset is paused, else None."""
    return row.reason if row is not None and row.paused else None


def due_ids_query(now: float, limit: int) -> Select:
    """The scheduler's query (public so a test can check its plan)."""
    finishing = _S.step.in_(("submitted", "reject_submitted"))
    return (select(_S.request_id)
            .where(_due(now))
            .order_by(finishing.desc(), _S.block_number, _S.log_index)
            .limit(limit))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the status CLI read while the daemon writes; busy_timeout turns lock contention into waiting.
    # synchronous=NORMAL in WAL mode: a commit survives a killed process (the failure we design for); an OS crash
    # may lose the last commits, which the design tolerates (intents are re-derived from the chain, the broker and
    # custodian are idempotent, and the Minter refuses a second fulfilment). PostgreSQL keeps full durability.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _login_password(password: Callable[[], str], _dialect: Any, _record: Any, _cargs: Any,
                    cparams: dict[str, Any]) -> None:
    cparams["password"] = password()


class Store:
    """Open with `Store.open(url)`; URLs are SQLAlchemy's (`sqlite:///relayer.db`,
    `postgresql+psycopg://user@host/db`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, migrate_schema: bool = True, password: Callable[[], str] | None = None) -> Store:
        """`password`, when given, is called for every new connection and its answer is the login password (an
        RDS IAM token, `relayer.rds_iam`): a token expires, so one fixed in the URL would stop working."""
        try:
            # A pre-ping is one more statement per transaction; an embedded SQLite file never drops a connection.
            engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
        except Exception as exc:  # SQLAlchemy raises several types for bad URLs and missing drivers
            raise StoreError(f"cannot use database URL scheme {url.split(':', 1)[0]!r}: {exc}") from None
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        if password is not None:
            if engine.dialect.name == "sqlite":
                raise StoreError("a SQLite database takes no login password", hint="use a postgresql URL")
            event.listen(engine, "do_connect", partial(_login_password, password))
        store = cls(engine)
        if migrate_schema:
            store.migrate()
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except OperationalError as exc:
            raise StoreError(f"database unavailable ({self.dialect}): {exc.orig}") from None

    def transaction(self) -> Any:
        """One database transaction (a context manager yielding the connection), for the relayer's other modules
        (event outbox, operator API, KYC sync) that keep their own tables in this store."""
        return self._tx()

    def migrate(self) -> list[int]:
        with self._tx() as conn:
            if self.dialect == "postgresql":
                # Two daemons starting together must not both run the DDL.
                conn.execute(text("SELECT pg_advisory_xact_lock(724207)"))
            return migrate(conn)

    def schema_version(self) -> tuple[int, int]:
        """(current, latest known to this code)."""
        with self._tx() as conn:
            return current_version(conn), LATEST

    # -- sagas -----------------------------------------------------------------------------------------------

    def insert_saga(self, saga: SagaRecord, detail: dict[str, Any] | None = None) -> bool:
        """Inserts a new saga; False when the request id is already known (events are delivered at least once)."""
        now = time.time()
        values = saga.model_dump()
        values.update(created_at=now, updated_at=now)
        try:
            with self._tx() as conn:
                conn.execute(_SAGA_INSERT, values)
                conn.execute(_STEP_INSERT, {"request_id": saga.request_id, "step": saga.step, "detail": detail or {},
                                            "at": now})
                record_saga_step(conn, saga.request_id, saga.step, saga.status, detail, now,
                                 saga_row=(saga.kind, saga.trace_id, saga.payload))
        except IntegrityError:
            return False
        return True

    def get_saga(self, request_id: str) -> SagaRecord | None:
        with self._tx() as conn:
            row = conn.execute(_GET_SAGA, {"rid": request_id}).mappings().first()
        return SagaRecord(**row) if row else None

    def advance(self, request_id: str, expected_step: str, step: str, **changes: Any) -> bool:
        """Moves a saga from `expected_step` to `step` (`changes`: `advance_to`'s status, payload merged into the
        saga's, detail, not_before); False if it was not at `expected_step` or is no longer being worked on (parked by a
        reorg, stuck, finished)."""
        return self.advance_to(request_id, expected_step, step, **changes) is not None

    def advance_to(
        self,
        request_id: str,
        expected_step: str,
        step: str,
        status: str = "active",
        payload: dict[str, Any] | None = None,
        detail: dict[str, Any] | None = None,
        not_before: float = 0.0,
    ) -> tuple[SagaRecord, str | None] | None:
        """`advance`, returning the moved saga and its asset's operator hold (as `saga_and_hold`) read in the same
        transaction, or None if the saga was not at `expected_step`. The saga loop's step: one transaction per
        move instead of a move and a re-read."""
        _known_status(status)
        now = time.time()
        with self._tx() as conn:
            current = conn.execute(_GET_SAGA, {"rid": request_id}).mappings().first()
            if current is None or current["step"] != expected_step or current["status"] not in WORKING_STATUSES:
                return None
            merged = dict(current["payload"])
            merged.update(payload or {})
            result = conn.execute(_ADVANCE_WRITE, {
                "rid": request_id, "expected": expected_step, "new_step": step, "new_status": status,
                "new_payload": merged, "now": now, "new_not_before": not_before,
            })
            if result.rowcount != 1:
                return None
            conn.execute(_STEP_INSERT, {"request_id": request_id, "step": step, "detail": detail or {}, "at": now})
            record_saga_step(conn, request_id, step, status, detail, now,
                             saga_row=(current["kind"], current["trace_id"], merged))
            hold = conn.execute(_ASSET_HOLD, {"asset": merged.get("asset", "")}).first()
        saga = SagaRecord(**{**current, "step": step, "status": status, "payload": merged, "updated_at": now,
                             "not_before": not_before, "attempts": 0, "last_error": None})
        return saga, _hold_reason(hold)

    def note_failure(self, request_id: str, step: str, error: str, retry_at: float) -> None:
        """Records a retryable failure without moving the saga (nor touching one parked or finished meanwhile)."""
        with self._tx() as conn:
            conn.execute(
                update(schema.sagas)
                .where(and_(schema.sagas.c.request_id == request_id, schema.sagas.c.step == step,
                            schema.sagas.c.status.in_(WORKING_STATUSES)))
                .values(
                    attempts=schema.sagas.c.attempts + 1,
                    last_error=error[:2000],
                    not_before=retry_at,
                    updated_at=time.time(),
                )
            )

    def defer(self, request_id: str, step: str, until: float, status: str, why: str = "") -> None:
        """Parks a saga at its step until `until`; `why` is what `rat-relayer status` shows. A no-op for a saga no
        longer being worked on (a reorg parked it, an operator finished it) since its worker read it."""
        _known_status(status)
        with self._tx() as conn:
            before = conn.execute(_DEFER_READ, {"rid": request_id, "expected": step}).scalar()
            if before is not None and before != status:
                record_saga_step(conn, request_id, step, status, {"why": why} if why else {})
            conn.execute(_DEFER_WRITE, {"rid": request_id, "expected": step, "until": until, "new_status": status,
                                        "why": why or None, "now": time.time()})

    def wake(self, request_ids: list[str], now: float, step: str | None = None) -> None:
        """Makes waiting sagas due now (e.g. the block follower found their transaction mined)."""
        if not request_ids:
            return
        with self._tx() as conn:
            where = and_(schema.sagas.c.request_id.in_(request_ids), schema.sagas.c.status.in_(WORKING_STATUSES),
                         schema.sagas.c.not_before > now)
            if step is not None:
                where = and_(where, schema.sagas.c.step == step)
            conn.execute(update(schema.sagas).where(where).values(not_before=now))

    def due_saga_ids(self, now: float, limit: int = 500) -> list[str]:
        """Request ids of due sagas, cheapest to finish first: those following a transaction already sent, then
        the rest in chain order. Ids only, so a scheduler polling a long backlog does not decode every row."""
        with self._tx() as conn:
            return list(conn.execute(due_ids_query(now, limit)).scalars())

    def due_sagas(self, now: float, limit: int = 100) -> list[SagaRecord]:
        with self._tx() as conn:
            rows = conn.execute(
                select(schema.sagas)
                .where(_due(now))
                .order_by(schema.sagas.c.block_number, schema.sagas.c.log_index)
                .limit(limit)
            ).mappings()
            return [SagaRecord(**row) for row in rows]

    def sagas(self, status: str | None = None) -> list[SagaRecord]:
        query = select(schema.sagas).order_by(schema.sagas.c.block_number, schema.sagas.c.log_index)
        if status is not None:
            query = query.where(schema.sagas.c.status == status)
        with self._tx() as conn:
            return [SagaRecord(**row) for row in conn.execute(query).mappings()]

    def sagas_from_block(self, number: int) -> list[SagaRecord]:
        with self._tx() as conn:
            rows = conn.execute(select(schema.sagas).where(schema.sagas.c.block_number >= number)).mappings()
            return [SagaRecord(**row) for row in rows]

    def park_from_block(self, number: int, statuses: tuple[str, ...] = (*WORKING_STATUSES, "done")) -> list[str]:
        """Parks every saga whose request was seen above block `number` (a reorg removed that block)."""
        with self._tx() as conn:
            ids = conn.execute(
                select(schema.sagas.c.request_id).where(
                    and_(schema.sagas.c.block_number > number, schema.sagas.c.status.in_(statuses))
                )
            ).scalars().all()
            if ids:
                conn.execute(
                    update(schema.sagas)
                    .where(schema.sagas.c.request_id.in_(ids))
                    .values(status="reorged", updated_at=time.time())
                )
                for request_id in ids:
                    conn.execute(schema.saga_steps.insert().values(
                        request_id=request_id, step="reorged", detail={"ancestor": number}, at=time.time()))
                    record_saga_step(conn, request_id, "reorged", "reorged", {"ancestor": number})
        return list(ids)

    def revive(self, request_id: str, block_number: int, block_hash: str, log_index: int, step: str | None) -> bool:
        """Re-activates a parked or orphaned saga whose request reappeared on the canonical chain."""
        values: dict[str, Any] = dict(status="active", block_number=block_number, block_hash=block_hash,
                                      log_index=log_index, not_before=0.0, updated_at=time.time())
        if step is not None:
            values["step"] = step
        with self._tx() as conn:
            result = conn.execute(
                update(schema.sagas)
                .where(and_(schema.sagas.c.request_id == request_id,
                            schema.sagas.c.status.in_(("reorged", "orphaned"))))
                .values(**values)
            )
            if result.rowcount == 1:
                conn.execute(schema.saga_steps.insert().values(
                    request_id=request_id, step="revived", detail={"block": block_number}, at=time.time()))
                record_saga_step(conn, request_id, "revived", "active", {"block": block_number})
            return result.rowcount == 1

    def set_status(self, request_id: str, status: str, detail: dict[str, Any] | None = None) -> None:
        _known_status(status)
        with self._tx() as conn:
            conn.execute(update(schema.sagas).where(schema.sagas.c.request_id == request_id)
                         .values(status=status, updated_at=time.time()))
            conn.execute(schema.saga_steps.insert().values(
                request_id=request_id, step=status, detail=detail or {}, at=time.time()))
            record_saga_step(conn, request_id, status, status, detail)

    def saga_counts(self) -> dict[str, int]:
        with self._tx() as conn:
            rows = conn.execute(
                select(schema.sagas.c.status, func.count()).group_by(schema.sagas.c.status)
            ).all()
        return {status: count for status, count in rows}

    def steps(self, request_id: str) -> list[tuple[str, dict[str, Any], float]]:
        with self._tx() as conn:
            rows = conn.execute(
                select(schema.saga_steps.c.step, schema.saga_steps.c.detail, schema.saga_steps.c.at)
                .where(schema.saga_steps.c.request_id == request_id)
                .order_by(schema.saga_steps.c.id)
            ).all()
        return [(r.step, r.detail, r.at) for r in rows]

    # -- transaction intents ---------------------------------------------------------------------------------

    def record_intent(
        self,
        sender: str,
        nonce: int,
        tx_hash: str,
        raw_tx: bytes,
        gas_price: int,
        purpose: str,
        request_id: str | None = None,
        trace_id: str | None = None,
    ) -> IntentRecord:
        with self._tx() as conn:
            result = conn.execute(_INTENT_INSERT, {
                "sender": sender, "nonce": nonce, "tx_hash": tx_hash, "raw_tx": raw_tx, "gas_price": gas_price,
                "purpose": purpose, "request_id": request_id, "trace_id": trace_id, "status": "signed",
                "created_at": time.time(),
            })
            row = conn.execute(_INTENT_BY_ID, {"iid": result.inserted_primary_key[0]}).mappings().one()
        return IntentRecord(**row)

    def mark_intent(self, tx_hash: str, status: str, block_number: int | None = None) -> None:
        values: dict[str, Any] = {"status": status}
        if status == "broadcast":
            values["broadcast_at"] = time.time()
        if block_number is not None:
            values["block_number"] = block_number
        with self._tx() as conn:
            conn.execute(update(schema.tx_intents).where(schema.tx_intents.c.tx_hash == tx_hash).values(**values))

    def settle_nonce(self, sender: str, nonce: int, mined_hash: str | None, block_number: int | None) -> None:
        """The nonce is consumed: the mined hash becomes `mined`, every other attempt `replaced`."""
        with self._tx() as conn:
            base = and_(schema.tx_intents.c.sender == sender, schema.tx_intents.c.nonce == nonce)
            conn.execute(
                update(schema.tx_intents)
                .where(and_(base, schema.tx_intents.c.tx_hash != (mined_hash or "")))
                .values(status="replaced")
            )
            if mined_hash:
                conn.execute(
                    update(schema.tx_intents)
                    .where(and_(base, schema.tx_intents.c.tx_hash == mined_hash))
                    .values(status="mined", block_number=block_number)
                )

    def intents(self, sender: str | None = None, nonce: int | None = None) -> list[IntentRecord]:
        if sender is not None and nonce is not None:  # the sender's per-nonce look-up, on the hot path
            with self._tx() as conn:
                rows = conn.execute(_INTENTS_OF_NONCE, {"who": sender, "n": nonce}).mappings()
                return [IntentRecord(**row) for row in rows]
        query = select(schema.tx_intents).order_by(schema.tx_intents.c.id)
        if sender is not None:
            query = query.where(schema.tx_intents.c.sender == sender)
        if nonce is not None:
            query = query.where(schema.tx_intents.c.nonce == nonce)
        with self._tx() as conn:
            return [IntentRecord(**row) for row in conn.execute(query).mappings()]

    def open_intents(self, sender: str) -> list[IntentRecord]:
        """Attempts whose nonce is not yet known to be consumed, oldest first."""
        with self._tx() as conn:
            rows = conn.execute(
                select(schema.tx_intents)
                .where(
                    and_(
                        schema.tx_intents.c.sender == sender,
                        schema.tx_intents.c.status.in_(("signed", "broadcast")),
                    )
                )
                .order_by(schema.tx_intents.c.nonce, schema.tx_intents.c.id)
            ).mappings()
            return [IntentRecord(**row) for row in rows]

    def intents_for_request(self, request_id: str) -> list[IntentRecord]:
        with self._tx() as conn:
            rows = conn.execute(_INTENTS_OF_REQUEST, {"rid": request_id}).mappings()
            return [IntentRecord(**row) for row in rows]

    def highest_nonce(self, sender: str) -> int | None:
        with self._tx() as conn:
            return conn.execute(_HIGHEST_NONCE, {"who": sender}).scalar()

    # -- block cursor and processed blocks -------------------------------------------------------------------

    def cursor(self, network: str) -> int | None:
        with self._tx() as conn:
            return conn.execute(
                select(schema.block_cursor.c.last_block).where(schema.block_cursor.c.network == network)
            ).scalar()

    def set_cursor(self, network: str, last_block: int, blocks: list[BlockRecord] | None = None) -> None:
        """Moves the cursor and records the processed blocks' identity in one transaction."""
        with self._tx() as conn:
            updated = conn.execute(
                update(schema.block_cursor)
                .where(schema.block_cursor.c.network == network)
                .values(last_block=last_block)
            )
            if updated.rowcount == 0:
                conn.execute(schema.block_cursor.insert().values(network=network, last_block=last_block))
            for block in blocks or []:
                conn.execute(
                    delete(schema.processed_blocks).where(
                        and_(
                            schema.processed_blocks.c.network == network,
                            schema.processed_blocks.c.number == block.number,
                        )
                    )
                )
                conn.execute(schema.processed_blocks.insert().values(network=network, **block.model_dump()))

    def block(self, network: str, number: int) -> BlockRecord | None:
        with self._tx() as conn:
            row = conn.execute(
                select(schema.processed_blocks).where(
                    and_(schema.processed_blocks.c.network == network, schema.processed_blocks.c.number == number)
                )
            ).mappings().first()
        return BlockRecord(number=row["number"], hash=row["hash"], parent_hash=row["parent_hash"]) if row else None

    def forget_blocks_from(self, network: str, number: int) -> None:
        with self._tx() as conn:
            conn.execute(
                delete(schema.processed_blocks).where(
                    and_(schema.processed_blocks.c.network == network, schema.processed_blocks.c.number >= number)
                )
            )

    def prune_blocks_below(self, network: str, number: int) -> None:
        with self._tx() as conn:
            conn.execute(
                delete(schema.processed_blocks).where(
                    and_(schema.processed_blocks.c.network == network, schema.processed_blocks.c.number < number)
                )
            )

    # -- lot ledger --------------------------------------------------------------------------------------

    def append_lot(self, lot: LotRecord) -> bool:
        """Appends a lot; False when the request already has one (the ledger is append-only, one lot a request)."""
        values = lot.model_dump()
        values["quantity"] = str(lot.quantity)
        try:
            with self._tx() as conn:
                conn.execute(schema.lot_ledger.insert().values(**values))
        except IntegrityError:
            return False
        return True

    def lots(self) -> list[LotRecord]:
        with self._tx() as conn:
            rows = conn.execute(select(schema.lot_ledger).order_by(schema.lot_ledger.c.created_at)).mappings()
            return [LotRecord(**{**row, "quantity": int(row["quantity"])}) for row in rows]

    # -- leases and breakers ---------------------------------------------------------------------------------

    def acquire_lease(self, name: str, owner: str, ttl: float) -> bool:
        """Takes or renews the named lease; True while `owner` holds it. Expired leases are taken over."""
        now = time.time()
        with self._tx() as conn:
            result = conn.execute(
                update(schema.leases)
                .where(
                    and_(
                        schema.leases.c.name == name,
                        or_(schema.leases.c.owner == owner, schema.leases.c.expires_at < now),
                    )
                )
                .values(owner=owner, expires_at=now + ttl)
            )
            if result.rowcount == 1:
                return True
        try:
            with self._tx() as conn:
                conn.execute(schema.leases.insert().values(name=name, owner=owner, expires_at=now + ttl))
            return True
        except IntegrityError:
            return False

    def release_lease(self, name: str, owner: str) -> None:
        with self._tx() as conn:
            conn.execute(
                delete(schema.leases).where(and_(schema.leases.c.name == name, schema.leases.c.owner == owner))
            )

    def lease_owner(self, name: str) -> tuple[str, float] | None:
        with self._tx() as conn:
            row = conn.execute(select(schema.leases).where(schema.leases.c.name == name)).first()
        return (row.owner, row.expires_at) if row else None

    def set_breaker(self, name: str, open_: bool, reason: str) -> None:
        with self._tx() as conn:
            updated = conn.execute(
                update(schema.breakers)
                .where(schema.breakers.c.name == name)
                .values(open=open_, reason=reason, changed_at=time.time())
            )
            if updated.rowcount == 0:
                conn.execute(
                    schema.breakers.insert().values(name=name, open=open_, reason=reason, changed_at=time.time())
                )

    def breaker(self, name: str) -> tuple[bool, str]:
        with self._tx() as conn:
            row = conn.execute(_BREAKER, {"name": name}).first()
        return (bool(row.open), row.reason) if row else (False, "")

    # -- operator holds on an asset --------------------------------------------------------------------------

    def saga_and_hold(self, request_id: str) -> tuple[SagaRecord | None, str | None]:
        """A saga and its asset's operator hold (as `asset_hold`), read in one transaction: the saga loop's read
        before every step."""
        with self._tx() as conn:
            row = conn.execute(_GET_SAGA, {"rid": request_id}).mappings().first()
            if row is None:
                return None, None
            saga = SagaRecord(**row)
            hold = conn.execute(_ASSET_HOLD, {"asset": saga.payload.get("asset", "")}).first()
        return saga, _hold_reason(hold)

    def asset_hold(self, asset: str) -> str | None:
        """The operator's reason while `asset`'s processing is paused, else None."""
        with self._tx() as conn:
            row = conn.execute(_ASSET_HOLD, {"asset": asset}).first()
        return _hold_reason(row)

    def hold_asset(self, conn: Connection, asset: str, paused: bool, reason: str, by: str) -> list[str]:
        """Pauses or resumes `asset` inside the caller's transaction; on resume, its paused sagas become due now.
        Returns the request ids re-activated."""
        values = {"paused": paused, "reason": reason, "changed_by": by, "changed_at": time.time()}
        if conn.execute(update(schema.asset_controls).where(schema.asset_controls.c.asset == asset)
                        .values(**values)).rowcount == 0:
            conn.execute(schema.asset_controls.insert().values(asset=asset, **values))
        if paused:
            return []
        ids = conn.execute(select(schema.sagas.c.request_id).where(and_(
            schema.sagas.c.status == "paused", schema.sagas.c.payload["asset"].as_string() == asset))).scalars().all()
        for request_id in ids:
            conn.execute(update(schema.sagas).where(schema.sagas.c.request_id == request_id)
                         .values(status="active", not_before=0.0, last_error=None, updated_at=time.time()))
            step = conn.execute(select(schema.sagas.c.step).where(schema.sagas.c.request_id == request_id)).scalar()
            record_saga_step(conn, request_id, step, "active", {"resumed_by": by})
        return list(ids)

    # -- collateral keeper (decision 0102) -------------------------------------------------------------------

    def collateral_positions(self, market_id: str) -> dict[str, CollateralPositionRecord]:
        """The keeper's rows of one market, by borrower."""
        table = schema.collateral_positions
        with self._tx() as conn:
            rows = conn.execute(select(table).where(table.c.market_id == market_id)).mappings()
            return {row["borrower"]: CollateralPositionRecord(**row) for row in rows}

    def save_collateral_position(self, market_id: str, borrower: str, unhealthy_since: int | None, alerted: bool,
                                 liquidation_nonce: int | None) -> None:
        """Writes the keeper's row of a position (insert or replace)."""
        table = schema.collateral_positions
        values = {"unhealthy_since": unhealthy_since, "alerted": alerted, "liquidation_nonce": liquidation_nonce,
                  "updated_at": time.time()}
        with self._tx() as conn:
            if conn.execute(update(table).where(and_(table.c.market_id == market_id, table.c.borrower == borrower))
                            .values(**values)).rowcount == 0:
                conn.execute(table.insert().values(market_id=market_id, borrower=borrower, **values))
