"""rat-indexer: mirrors every RAT contract of a deployment into SQL (SQLite by default, PostgreSQL in production)
with lineage, reorg safety and reconciliation against the chain. Nothing in `rat/` imports this package."""

VERSION = "0.1.0"
