"""The relayer's persisted state behind one data-access layer: SQLite (embedded default) or PostgreSQL."""

from relayer.store.store import BlockRecord, IntentRecord, LotRecord, SagaRecord, Store

__all__ = ["BlockRecord", "IntentRecord", "LotRecord", "SagaRecord", "Store"]
