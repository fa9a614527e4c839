"""The bridge's deployment file, one per chain: `<deployments>/<network>-bridge.json` (`ape run bridge`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class BridgeEntry(BaseModel):
    """One asset's bridge contracts on this chain."""

    model_config = ConfigDict(extra="forbid")

    selector: int | None = None
    token: str
    registry: str
    router: str | None = None
    pool: str | None = None
    ramp: str | None = None


class BridgeFile(BaseModel):
    """<deployments>/<network>-bridge.json."""

    model_config = ConfigDict(extra="forbid")

    chain_id: int
    assets: dict[str, BridgeEntry] = {}
