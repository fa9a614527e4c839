"""The relayer's configuration: one YAML file, validated by pydantic. Secrets never live here: keystore
passphrases, vendor credentials and KMS access come from environment variables named in the file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from eth_utils import is_address, to_checksum_address
from pydantic import BaseModel, Field, ValidationError, field_validator

from relayer.errors import ConfigError
from relayer.sender import SenderPolicy
from relayer.watcher import WatcherPolicy


class KeystoreSignerConfig(BaseModel):
    type: Literal["keystore"] = "keystore"
    path: Path = Field(description="encrypted JSON keystore (ape accounts format)")
    passphrase_env: str = Field(description="environment variable holding the passphrase")


class KmsSignerConfig(BaseModel):
    type: Literal["kms"]
    key_id: str
    region: str = "us-east-1"
    endpoint_url: str | None = None


SignerConfig = Annotated[KeystoreSignerConfig | KmsSignerConfig, Field(discriminator="type")]


class SignersConfig(BaseModel):
    """One key per role: the transaction sender and each attestor role are separate keys."""

    sender: SignerConfig
    brokerage: SignerConfig
    custody: SignerConfig


class AdapterConfig(BaseModel):
    adapter: str
    options: dict[str, Any] = Field(default_factory=dict)


class AssetConfig(BaseModel):
    symbol: str = Field(min_length=1, description="the broker's ticker, e.g. AAPL")
    qty_decimals: int = Field(default=6, ge=0, le=18, description="order quantity precision (fractional shares)")


class SagaPolicy(BaseModel):
    poll_interval: float = Field(default=0.2, gt=0, description="seconds between checks of an open order")
    receipt_poll_interval: float = Field(default=0.5, gt=0, description="seconds between receipt checks")
    attestation_ttl: int = Field(default=900, gt=0, description="seconds an attestation stays valid")
    min_backoff: float = Field(default=0.5, gt=0)
    max_backoff: float = Field(default=30.0, gt=0)
    concurrency: int = Field(default=8, ge=1, description="sagas advanced in parallel (httpcore's pool degrades with long queues)")


class HttpConfig(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)


class RelayerConfig(BaseModel):
    network: str = Field(default="local", description="name used to key the block cursor")
    rpc_url: str
    chain_id: int | None = None
    minter: str
    database_url: str = "sqlite:///relayer.db"
    market_calendar: str = "XNYS"
    assets: dict[str, AssetConfig]
    signers: SignersConfig
    brokerage: AdapterConfig
    custody: AdapterConfig
    watcher: WatcherPolicy = Field(default_factory=WatcherPolicy)
    sender: SenderPolicy = Field(default_factory=SenderPolicy)
    saga: SagaPolicy = Field(default_factory=SagaPolicy)
    http: HttpConfig = Field(default_factory=HttpConfig)
    poll_interval: float = Field(default=0.25, gt=0, description="seconds between chain polls")
    lease_ttl: float = Field(default=10.0, gt=0, description="seconds a leader lease lasts without renewal")

    @field_validator("minter")
    @classmethod
    def _minter(cls, v: str) -> str:
        if not is_address(v):
            raise ValueError(f"{v!r} is not an address")
        return to_checksum_address(v)

    @field_validator("assets")
    @classmethod
    def _assets(cls, v: dict[str, AssetConfig]) -> dict[str, AssetConfig]:
        out = {}
        for address, asset in v.items():
            if not is_address(address):
                raise ValueError(f"asset key {address!r} is not a token address")
            out[to_checksum_address(address)] = asset
        return out

    @classmethod
    def load(cls, path: Path) -> RelayerConfig:
        if not path.is_file():
            raise ConfigError(
                f"config file {path} not found",
                hint="write one with `rat-relayer config-example > relayer.yaml` and edit it, or pass --config",
            )
        try:
            data = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path} is not valid YAML: {exc}") from None
        try:
            config = cls.model_validate(data or {})
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise ConfigError(f"{path}: {problems}") from None
        base = path.parent
        for signer in (config.signers.sender, config.signers.brokerage, config.signers.custody):
            if isinstance(signer, KeystoreSignerConfig) and not signer.path.is_absolute():
                signer.path = base / signer.path
        return config


EXAMPLE = """\
# rat-relayer configuration. Secrets are never written here: each signer names the environment variable that
# holds its passphrase, and vendor adapters read their credentials from the environment.
network: local                      # keys the block cursor; one database can serve several networks
rpc_url: http://127.0.0.1:8545
chain_id: 31337                     # checked against the node at start
minter: "0x0000000000000000000000000000000000000000"
database_url: sqlite:///relayer.db  # or postgresql+psycopg://relayer@db/relayer
market_calendar: XNYS               # exchange_calendars code, or always-open
assets:
  "0x0000000000000000000000000000000000000000": {symbol: AAPL}
signers:                            # one key per role
  sender:    {type: keystore, path: keys/sender.json,    passphrase_env: RAT_SENDER_PASSPHRASE}
  brokerage: {type: keystore, path: keys/brokerage.json, passphrase_env: RAT_BROKERAGE_PASSPHRASE}
  custody:   {type: kms, key_id: alias/rat-custody, region: us-east-1}
brokerage: {adapter: alpaca, options: {base_url: "http://127.0.0.1:8710"}}
custody:   {adapter: sim-custodian, options: {base_url: "http://127.0.0.1:8711"}}
watcher:
  confirmations: 2                  # or finality_tag: finalized (recommended on public networks)
  start_block: 0
sender: {gas_bump_percent: 15, rebroadcast_after: 6, replace_after: 18}
saga: {attestation_ttl: 900}
http: {host: 127.0.0.1, port: 9464} # /healthz /readyz /metrics
"""
