"""An attestor's configuration: one YAML file per role, validated by pydantic, refusing unknown keys. Secrets
never live here: the keystore passphrase and vendor credentials come from environment variables it names."""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, model_validator

from relayer.config import KeystoreSignerConfig as KeystoreKey
from relayer.config import SignerConfig as KeyConfig
from relayer.config import Address, Strict, TokenKey
from relayer.config_source import ConfigSource, from_env_twin

Role = Literal["brokerage", "custody"]


class VendorConfig(Strict):
    adapter: str = Field(description="brokerage: alpaca; custody: sim-custodian (or an installed entry point)")
    options: dict[str, Any] = Field(default_factory=dict)


class AssetLimits(Strict):
    symbol: str = Field(min_length=1, description="the vendor's ticker, e.g. AAPL")
    max_fill_shares: Decimal = Field(gt=0, description="largest single fill this attestor signs, in shares")
    max_daily_shares: Decimal = Field(gt=0, description="shares signed per UTC day, mints and burns together")


class TlsConfig(Strict):
    cert: Path = Field(description="this service's certificate (PEM)")
    key: Path = Field(description="its private key (PEM)")
    client_ca: Path = Field(description="CA that issues the relayer's client certificate")
    allowed_clients: list[str] = Field(min_length=1, description="client certificate common names that may ask")


class ListenConfig(Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8490, ge=0, le=65535)


class AttestorConfig(Strict):
    role: Role
    network: str = "local"
    rpc_url: str = Field(description="this attestor's own node; never the relayer's")
    rpc_url_env: str | None = Field(default=None, description="instead of rpc_url: the environment variable holding "
                                    "it (RAT_RPC_URL in the cloud task: its own stack's chain-rpc-url secret)")
    chain_id: int
    minter: Address
    confirmations: int = Field(default=2, ge=0, description="blocks a request must be buried under before signing")
    key: KeyConfig
    vendor: VendorConfig
    assets: dict[TokenKey, AssetLimits] = Field(min_length=1, description="token address -> symbol and limits")
    database: Path = Field(default=Path("attestor.db"), description="SQLite record of every fill signed")
    max_attestation_ttl: int = Field(default=1800, gt=0, description="longest deadline signed, seconds from now")
    price_tolerance_units: int = Field(
        default=1, ge=0, le=100,
        description="payment units per token the price may differ from this attestor's own computation (the "
                    "multiplier moves with each block's timestamp under a management fee)")
    tls: TlsConfig
    listen: ListenConfig = Field(default_factory=ListenConfig)
    metrics_listen: ListenConfig | None = Field(
        default=None, description="optional plain-HTTP port for /healthz and /metrics only (container probes, "
                                  "Prometheus); the signing API is never served on it")
    log_level: str = "INFO"

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, data: Any, info: ValidationInfo) -> Any:
        return from_env_twin(data, info, "rpc_url")

    @classmethod
    def load(cls, source: Path | ConfigSource, environ: Mapping[str, str] | None = None) -> AttestorConfig:
        """Reads and validates a config file, or the config text in an environment variable (`ConfigSource`);
        `_env` fields are read from `environ` (default: this process's environment)."""
        source = ConfigSource.of(source)
        config = source.validated(cls, os.environ if environ is None else environ, "rat-attestor")
        rooted = source.rooted
        config.database = rooted(config.database, "database")
        config.tls.cert = rooted(config.tls.cert, "tls.cert")
        config.tls.key = rooted(config.tls.key, "tls.key")
        config.tls.client_ca = rooted(config.tls.client_ca, "tls.client_ca")
        if isinstance(config.key, KeystoreKey):
            config.key.path = rooted(config.key.path, "key.path")
        return config


EXAMPLE = """\
# rat-attestor configuration: one file and one process per attestor role, run in that role's trust domain
# (the custody attestor can be operated by the custodian itself). Secrets are never written here.
# Read from this file (--config; relative paths are read from its folder) or, in the cloud, from the YAML text in
# an environment variable (--config-env RAT_CONFIG_YAML; paths must be absolute; see infra/config/).
role: custody                       # brokerage | custody
network: local
rpc_url: http://127.0.0.1:8545      # this attestor's own node, not the relayer's
# rpc_url_env: RAT_RPC_URL          # instead of rpc_url: read from this variable
chain_id: 31337
minter: "0x0000000000000000000000000000000000000000"
confirmations: 2                    # a request must be this many blocks deep before a fill is signed
key: {type: keystore, path: keys/custody.json, passphrase_env: RAT_ATTESTOR_PASSPHRASE}
# key: {type: kms, key_id: alias/rat-custody-attestor, region: us-east-1}   # production
# key: {type: kms, key_id_env: RAT_KMS_KEY_CUSTODY_ATTESTOR, region_env: AWS_REGION}   # the cloud task's variables
vendor: {adapter: sim-custodian, options: {base_url: "http://127.0.0.1:8711"}}
# vendor: {adapter: alpaca, options: {base_url: "https://api.alpaca.markets"}}  # role: brokerage
assets:
  "0x0000000000000000000000000000000000000000": {symbol: AAPL, max_fill_shares: 1000, max_daily_shares: 20000}
database: custody-attestor.db       # what was signed, per request (SQLite, written before a signature leaves);
                                    # in the cloud: /var/lib/rat-attestor/record.db (the task's EFS volume)
max_attestation_ttl: 1800
tls:
  cert: tls/custody-attestor.pem
  key: tls/custody-attestor.key
  client_ca: tls/ca.pem
  allowed_clients: [rat-relayer]
listen: {host: 127.0.0.1, port: 8490}
metrics_listen: {host: 127.0.0.1, port: 9465}   # /healthz and /metrics without TLS (never /v1/fills)
"""
