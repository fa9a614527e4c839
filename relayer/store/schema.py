"""Tables of the relayer's state. Every column type is portable between SQLite and PostgreSQL; the same
definitions back the migrations (`migrations.py`) and the queries (`store.py`)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("applied_at", Float, nullable=False),
)

# One row per Minter request. `step` is the last step whose side effect is durable; the engine resumes from it.
sagas = Table(
    "sagas",
    metadata,
    Column("request_id", String(66), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("trace_id", String(32), nullable=False),
    Column("step", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("block_hash", String(66), nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("not_before", Float, nullable=False, default=0.0),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

saga_steps = Table(
    "saga_steps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(66), nullable=False, index=True),
    Column("step", String(32), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("at", Float, nullable=False),
)

# Every signed transaction ever produced, written before it is broadcast. Replacements share the nonce and
# keep their own rows, so every hash that might be mined is remembered.
tx_intents = Table(
    "tx_intents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sender", String(42), nullable=False),
    Column("nonce", BigInteger, nullable=False),
    Column("request_id", String(66)),
    Column("purpose", String(32), nullable=False),
    Column("trace_id", String(32)),
    Column("tx_hash", String(66), nullable=False, unique=True),
    Column("raw_tx", LargeBinary, nullable=False),
    Column("gas_price", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("block_number", BigInteger),
    Column("created_at", Float, nullable=False),
    Column("broadcast_at", Float),
)

block_cursor = Table(
    "block_cursor",
    metadata,
    Column("network", String(64), primary_key=True),
    Column("last_block", BigInteger, nullable=False),
)

processed_blocks = Table(
    "processed_blocks",
    metadata,
    Column("network", String(64), primary_key=True),
    Column("number", BigInteger, primary_key=True),
    Column("hash", String(66), nullable=False),
    Column("parent_hash", String(66), nullable=False),
)

# Request id → custody lot: the input of the proof-of-reserve tree.
lot_ledger = Table(
    "lot_ledger",
    metadata,
    Column("request_id", String(66), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("symbol", String(16), nullable=False),
    Column("lot_id", String(64), nullable=False),
    Column("quantity", String(78), nullable=False),
    Column("account", String(64), nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Column("created_at", Float, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("expires_at", Float, nullable=False),
)

breakers = Table(
    "breakers",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("open", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("changed_at", Float, nullable=False),
    UniqueConstraint("name"),
)
