"""Ledger rows for the reserve tests: two ISINs and a row builder with random lot hashes."""

from __future__ import annotations

import random

AAPL, MSFT = "US0378331005", "US5949181045"


def hex32(rng: random.Random) -> str:
    return "0x" + rng.randbytes(32).hex()


def ledger_row(rng: random.Random, lot_id: str, quantity: str = "10", *, kind: str = "mint", isin: str = AAPL,
               day: str = "2026-11-20", account: str = "CUST-ACC-001") -> str:
    return f"{kind},{lot_id},{hex32(rng)},{hex32(rng)},{isin},{quantity},{day},{account}"
