"""Ordered, append-only schema migrations. A migration never changes once released; a new one is appended.

Each runs inside one transaction (PostgreSQL DDL is transactional; SQLite's is too for these statements),
so a crash mid-migration leaves the previous version intact."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.schema import CreateIndex, CreateTable

from relayer.errors import SchemaTooNew
from relayer.store import migrator, schema
from relayer.store.migrator import Migration


def _initial(conn: Connection) -> None:
    for table in (
        schema.sagas,
        schema.saga_steps,
        schema.tx_intents,
        schema.block_cursor,
        schema.processed_blocks,
        schema.lot_ledger,
        schema.leases,
        schema.breakers,
    ):
        conn.execute(CreateTable(table))
        for index in table.indexes:
            conn.execute(CreateIndex(index))


_APPEND_ONLY = {
    "sqlite": [
        ("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
         "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"),
        ("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
         "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"),
    ],
    "postgresql": [
        ("CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
         "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"),
        ("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
         "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"),
    ],
}


def _service_api(conn: Connection) -> None:
    for table in (
        schema.outbox,
        schema.audit_log,
        schema.asset_controls,
        schema.webhook_secrets,
        schema.kyc_applicants,
        schema.webhook_deliveries,
    ):
        conn.execute(CreateTable(table))
        for index in table.indexes:
            conn.execute(CreateIndex(index))
    for statement in _APPEND_ONLY.get(conn.dialect.name, []):
        conn.exec_driver_sql(statement)


_HOT_PATH_INDEXES = (
    # The sender's look-ups (per nonce, per request, highest nonce, open attempts) and the scheduler's due query
    # scanned whole tables: the daemon's CPU per request grew with its history (docs/decisions/0045).
    "CREATE INDEX IF NOT EXISTS ix_tx_intents_sender_nonce ON tx_intents (sender, nonce)",
    "CREATE INDEX IF NOT EXISTS ix_tx_intents_request_id ON tx_intents (request_id)",
    "CREATE INDEX IF NOT EXISTS ix_tx_intents_sender_status ON tx_intents (sender, status)",
    "CREATE INDEX IF NOT EXISTS ix_sagas_status_not_before ON sagas (status, not_before)",
)


def _hot_path_indexes(conn: Connection) -> None:
    for statement in _HOT_PATH_INDEXES:
        conn.exec_driver_sql(statement)


def _cursor_per_minter(conn: Connection) -> None:
    # The cursor key becomes "<network>:<minter>" (up to 64 + 1 + 42 characters). SQLite does not enforce VARCHAR
    # lengths. Cursors under the old per-network key are left alone: the watcher starts the per-Minter cursor at
    # watcher.start_block and re-reads from there, which is safe (a request id makes one saga, ever).
    if conn.dialect.name == "postgresql":
        for table in ("block_cursor", "processed_blocks"):
            conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN network TYPE VARCHAR(128)")


# Retention (relayer/store/retention.py): the audit log stays append-only except for one update, the redaction of
# an operator's IP address once its retention period is over; every other column must stay as written.
_AUDIT_REDACTION = {
    "sqlite": [
        "DROP TRIGGER audit_log_no_update",
        ("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
         "WHEN NOT (NEW.client_ip = 'redacted' AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor = OLD.actor "
         "AND NEW.action = OLD.action AND NEW.target = OLD.target AND NEW.detail IS OLD.detail "
         "AND NEW.trace_id = OLD.trace_id) "
         "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"),
    ],
    "postgresql": [
        ("CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
         "IF TG_OP = 'UPDATE' AND NEW.client_ip = 'redacted' AND NEW.id = OLD.id AND NEW.at = OLD.at "
         "AND NEW.actor = OLD.actor AND NEW.action = OLD.action AND NEW.target = OLD.target "
         "AND NEW.detail::text = OLD.detail::text AND NEW.trace_id = OLD.trace_id THEN RETURN NEW; END IF; "
         "RAISE EXCEPTION 'audit_log is append-only'; END $$"),
    ],
}


def _audit_redaction(conn: Connection) -> None:
    for statement in _AUDIT_REDACTION.get(conn.dialect.name, []):
        conn.exec_driver_sql(statement)


def _collateral_keeper(conn: Connection) -> None:
    conn.execute(CreateTable(schema.collateral_positions))


def _kyc_fanout(conn: Connection) -> None:
    conn.execute(CreateTable(schema.kyc_chain_sync))
    for index in schema.kyc_chain_sync.indexes:
        conn.execute(CreateIndex(index))


def _outbox_trims(conn: Connection) -> None:
    # One row per subject class the purge trims (relayer/store/retention.py), at 0: nothing trimmed yet. The purge
    # then only ever raises a row's mark, so no upsert is needed and two purges cannot race on an insert.
    conn.execute(CreateTable(schema.outbox_trims))
    conn.execute(schema.outbox_trims.insert(), [
        {"subject": subject, "trimmed_through": 0, "trimmed_at": 0.0} for subject in ("requests", "kyc")])


def _travel_rule(conn: Connection) -> None:
    conn.execute(CreateTable(schema.travel_rule_transfers))
    for index in schema.travel_rule_transfers.indexes:
        conn.execute(CreateIndex(index))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial relayer state", _initial),
    Migration(2, "event outbox, operator audit log, asset controls, KYC sync", _service_api),
    Migration(3, "indexes for the sender's and the scheduler's look-ups", _hot_path_indexes),
    Migration(4, "block cursor keyed per network and Minter", _cursor_per_minter),
    # 5, not 4: another branch of the same release adds 4; migrate() needs versions ascending, not contiguous.
    Migration(5, "retention: audit log allows only the client_ip redaction", _audit_redaction),
    Migration(6, "collateral keeper: unhealthy Morpho Blue positions and the keeper's liquidations",
              _collateral_keeper),
    Migration(7, "KYC fan-out: per-chain registry write progress", _kyc_fanout),
    Migration(8, "outbox trim marks: the highest id the retention purge deleted per subject class", _outbox_trims),
    Migration(9, "Travel Rule transfers: TRP messages and their IVMS101 payloads, kept for the AML period", _travel_rule),
)
LATEST = MIGRATIONS[-1].version


def current_version(conn: Connection) -> int:
    return migrator.current_version(conn, schema.schema_migrations)


def migrate(conn: Connection) -> list[int]:
    """Applies every pending migration; returns the versions applied (empty when up to date)."""
    return migrator.migrate(conn, schema.schema_migrations, MIGRATIONS, lambda version, latest: SchemaTooNew(
        f"database schema is at version {version}, this relayer knows up to {latest}"))
