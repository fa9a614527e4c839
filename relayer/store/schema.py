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

# Keyed by "<network>:<minter address>" (relayer/watcher.py cursor_key): one cursor per Minter per network.
block_cursor = Table(
    "block_cursor",
    metadata,
    Column("network", String(128), primary_key=True),
    Column("last_block", BigInteger, nullable=False),
)

processed_blocks = Table(
    "processed_blocks",
    metadata,
    Column("network", String(128), primary_key=True),
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

# -- service API, event outbox, KYC sync (migration 2) --------------------------------------------------------

# Transactional outbox: written in the same transaction as the state change it describes. `id` is the stream
# cursor (WebSocket resume); `event_id` is what consumers dedupe on (also JetStream's Nats-Msg-Id).
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("topic", String(64), nullable=False),
    Column("trace_id", String(32), nullable=False),
    Column("request_id", String(66), index=True),
    Column("payload", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("published_at", Float, index=True),
)

# The retention purge's high-water mark per outbox subject class (migration 8): `trimmed_through` is the highest id
# `rat-relayer purge` deleted among the class's rows (`requests`: `requests.*` topics); it only grows. A stream
# cursor at or above the `requests` mark misses nothing; one below it is refused (relayer/api/feed.py).
outbox_trims = Table(
    "outbox_trims",
    metadata,
    Column("subject", String(32), primary_key=True),
    Column("trimmed_through", BigInteger, nullable=False),
    Column("trimmed_at", Float, nullable=False),
)

# Who did what, when, through the operator API. Append-only: triggers refuse UPDATE and DELETE.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(200), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("client_ip", String(64), nullable=False),
    Column("trace_id", String(32), nullable=False),
)

# Operator holds on an asset's processing (sagas of a paused asset wait at their current step).
asset_controls = Table(
    "asset_controls",
    metadata,
    Column("asset", String(42), primary_key=True),
    Column("paused", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("changed_by", String(200), nullable=False),
    Column("changed_at", Float, nullable=False),
)

# Webhook shared secrets issued by rotation (the first one comes from the environment). A rotated-out secret keeps
# verifying until `retires_at`, so deliveries signed before the provider switched still pass.
webhook_secrets = Table(
    "webhook_secrets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("provider", String(32), nullable=False, index=True),
    Column("secret", String(128), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("retires_at", Float),
)

# One row per KYC applicant: the latest decision by provider time, and whether the registry reflects it.
# No personal data: the applicant id is kept only as its keccak hash (the on-chain provider reference).
kyc_applicants = Table(
    "kyc_applicants",
    metadata,
    Column("provider_ref", String(66), primary_key=True),
    Column("wallet", String(42), nullable=False, index=True),
    Column("provider_ts", BigInteger, nullable=False),
    Column("level", String(128), nullable=False),
    Column("answer", String(16), nullable=False),
    Column("action", String(8), nullable=False),
    Column("tier", Integer, nullable=False),
    Column("jurisdiction", String(2), nullable=False),
    Column("expiry", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    Column("sync_state", String(16), nullable=False, index=True),
    Column("synced_version", Integer, nullable=False),
    Column("nonce", BigInteger),
    Column("tx_hash", String(66)),
    Column("updated_at", Float, nullable=False),
)

# KYC fan-out (ADR 0106): per extra chain, the newest decision version of each applicant written to that chain's
# ComplianceRegistry. Lives in the chain's own store (its TxSender's intents are keyed by sender and nonce, and the
# KYC key has its own nonces on every chain), so progress and intents of one chain commit together.
kyc_chain_sync = Table(
    "kyc_chain_sync",
    metadata,
    Column("chain_selector", String(20), primary_key=True),  # decimal: a CCIP selector is a uint64 (> int64)
    Column("provider_ref", String(66), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("batch_id", String(66)),  # the intent's request_id: finds a batch signed before a crash
    Column("nonce", BigInteger),
    Column("tx_hash", String(66)),
    Column("updated_at", Float, nullable=False),
)

# Every verified webhook delivery, by the digest of its body: a second delivery of the same body changes nothing.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("digest", String(128), primary_key=True),
    Column("provider", String(32), nullable=False),
    Column("received_at", Float, nullable=False),
    Column("outcome", String(32), nullable=False),
)


# The collateral keeper's view of one Morpho Blue position (decision 0102 "Keeper"): since when it has been unhealthy
# at the price a liquidation would see, whether the alert was raised, and the nonce of the keeper's own liquidation
# in flight (so a restart tends that transaction instead of sending a second one).
collateral_positions = Table(
    "collateral_positions",
    metadata,
    Column("market_id", String(66), primary_key=True),
    Column("borrower", String(42), primary_key=True),
    Column("unhealthy_since", BigInteger, nullable=True),
    Column("alerted", Boolean, nullable=False, default=False),
    Column("liquidation_nonce", BigInteger, nullable=True),
    Column("updated_at", Float, nullable=False),
)

# Travel Rule transfers (relayer/travel_rule/, docs/regulator/travel-rule.md), both directions: the TRP request
# identifier, the parties' addresses, the counterparty's endpoints and the IVMS101 payload as exchanged, kept as the
# AML record and erased by `rat-relayer purge` once `aml_record_days` have passed since the last change. `callback_token`
# is the unguessable path segment of the callback this relayer gave the counterparty: only the holder of the message
# can resolve or confirm it.
travel_rule_transfers = Table(
    "travel_rule_transfers",
    metadata,
    Column("id", String(36), primary_key=True),  # the TRP request-identifier (a UUID)
    Column("direction", String(8), nullable=False),  # outgoing (this VASP originates) | incoming
    Column("status", String(16), nullable=False, index=True),
    Column("asset", String(42), nullable=False),
    Column("amount", String(80), nullable=False),  # token base units, as a decimal string
    Column("originator", String(42), nullable=True),  # sending wallet (outgoing: the investor)
    Column("beneficiary", String(42), nullable=True),  # receiving wallet, once the beneficiary VASP named it
    Column("counterparty_url", String(512), nullable=False),  # outgoing: their inquiry URL; incoming: their callback
    Column("counterparty_callback", String(512), nullable=True),  # where the confirmation goes (outgoing)
    Column("callback_token", String(64), nullable=False, unique=True),
    Column("payload", JSON, nullable=False),  # the IVMS101 payload as sent or received
    Column("reason", String(512), nullable=True),  # a rejection's or cancellation's words
    Column("tx_hash", String(66), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False, index=True),
)
