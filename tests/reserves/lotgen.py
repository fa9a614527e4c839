"""Random lot leaves for the Merkle specification and cross-implementation tests."""

from __future__ import annotations

import random
from typing import Any

AAPL, MSFT = "US0378331005", "US5949181045"


def random_lot_columns(rng: random.Random, n: int) -> list[list[Any]]:
    """Typed columns of n random lot leaves in LEAF_ENCODING (ids with non-ASCII text and long strings too)."""
    isins = [AAPL, MSFT, "DE0007164600", "GB0002634946"]
    return [
        [f"LOT-{i}-{'é' * rng.randrange(3)}{'x' * rng.randrange(0, 70)}" for i in range(n)],
        [rng.randbytes(32) for _ in range(n)],
        [rng.randbytes(32) for _ in range(n)],
        [rng.choice(isins) for _ in range(n)],
        [rng.randrange(1, 10**30) for _ in range(n)],
        [rng.randrange(0, 10**30) for _ in range(n)],
        [rng.randrange(20200101, 20301231) for _ in range(n)],
        [rng.randbytes(32) for _ in range(n)],
    ]
