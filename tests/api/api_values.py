"""Values shared by the API tests and their fixtures (tests/api/conftest.py): the listed asset, Alice, the Sumsub
webhook secret of this run, the operator scopes, and the bearer header."""

from __future__ import annotations

import uuid

ASSET = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
WEBHOOK_SECRET = "whsec-" + uuid.uuid4().hex  # generated per run, never a fixed dev secret
ALL_SCOPES = "operator:assets operator:sagas operator:secrets audit:read"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
