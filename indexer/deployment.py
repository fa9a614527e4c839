"""What to follow: the contracts and assets of a deployment record (deployments/<network>.json, schema in
deployments/schema/), plus any given on the command line. Read as JSON: the indexer needs neither Ape nor `rat`."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from indexer.events import FOLLOWED_TYPES
from indexer.model import POOL, TOKEN
from indexer.store import Followed


class _Contract(BaseModel):
    # The record's schema is owned by deployments/schema/ (validated there); only the fields read here are
    # declared, so a field the deploy script adds later does not stop the indexer.
    model_config = ConfigDict(extra="ignore")
    contract: str
    address: str
    block_number: int | None = None


class _Asset(BaseModel):
    model_config = ConfigDict(extra="ignore")
    symbol: str
    address: str
    block_number: int


class DeploymentFile(BaseModel):
    model_config = ConfigDict(extra="ignore")
    network: str
    chain_id: int
    first_block: int
    contracts: dict[str, _Contract]
    assets: dict[str, _Asset] = {}

    @classmethod
    def read(cls, path: Path) -> DeploymentFile:
        return cls.model_validate_json(path.read_text())

    def followed(self) -> list[Followed]:
        out = [Followed(c.address.lower(), name, name, c.block_number or self.first_block)
               for name, c in self.contracts.items() if name in FOLLOWED_TYPES]
        out += [Followed(a.address.lower(), TOKEN, a.symbol, a.block_number) for a in self.assets.values()]
        return out


class _BridgeEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")
    token: str
    pool: str | None = None


class BridgeRecord(BaseModel):
    """`<network>-bridge.json` as `ape run bridge` writes it (rat/bridge/records.py owns the schema): the asset's
    RatCcipPool on this chain, followed for the per-chain supply (ADR 0106)."""

    model_config = ConfigDict(extra="ignore")
    chain_id: int
    assets: dict[str, _BridgeEntry] = {}

    @classmethod
    def read(cls, path: Path) -> BridgeRecord:
        return cls.model_validate_json(path.read_text())

    def followed(self, since_block: int = 0) -> list[Followed]:
        return [Followed(e.pool.lower(), POOL, f"{symbol} pool", since_block)
                for symbol, e in self.assets.items() if e.pool]


def parse_contract_option(value: str, since_block: int = 0) -> Followed:
    """`KIND=0xADDRESS` or `KIND:LABEL=0xADDRESS` from the command line."""
    kind, sep, address = value.partition("=")
    kind, _, label = kind.partition(":")
    if not sep or kind not in FOLLOWED_TYPES or not (address.startswith("0x") and len(address) == 42):
        raise ValueError(f"{value!r}: expected KIND[:LABEL]=0xADDRESS with KIND one of {', '.join(FOLLOWED_TYPES)}")
    return Followed(address.lower(), kind, label or kind, since_block)
