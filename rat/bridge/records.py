"""The bridge's deployment file, one per chain: `<deployments>/<network>-bridge.json` (`ape run bridge`)."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict

from rat.scripting import SideRecord


class CcipLaneContracts(BaseModel):
    """Chainlink's CCIP 1.6 contracts of this chain (`ape run bridge deploy --full-lane`), by ChainStack field name."""

    model_config = ConfigDict(extra="forbid")

    rmn: str
    token_admin_registry: str
    registry_module: str
    nonce_manager: str
    fee_quoter: str
    fee_token: str
    on_ramp: str
    off_ramps: dict[int, str] = {}  # by source chain selector
    transmitter: str | None = None  # the local DON's transmitter (the OffRamps' OCR3 configs)

    def addresses(self, router: str) -> dict[str, str]:
        """The addresses `attach_chain_stack` takes."""
        return {"router": router, **self.model_dump(exclude={"off_ramps", "transmitter"})}


class BridgeEntry(BaseModel):
    """One asset's bridge contracts on this chain."""

    model_config = ConfigDict(extra="forbid")

    selector: int | None = None
    token: str
    registry: str
    router: str | None = None
    pool: str | None = None
    ramp: str | None = None  # the ramp harness (deploy without --full-lane)
    ccip: CcipLaneContracts | None = None  # the full CCIP 1.6 lane (deploy --full-lane)


class BridgeFile(SideRecord):
    """<deployments>/<network>-bridge.json."""

    KIND = "bridge"

    chain_id: int
    assets: dict[str, BridgeEntry] = {}

    @classmethod
    def empty(cls) -> Self:
        from ape import networks

        return cls(chain_id=networks.provider.chain_id)
