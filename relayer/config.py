"""The relayer's configuration: one YAML file, validated by pydantic. Secrets never live here: keystore
passphrases, vendor credentials and KMS access come from environment variables named in the file."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import quote

from eth_utils import is_address, to_checksum_address
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from rat.bridge.supply import ChainToken
from relayer.config_source import ConfigSource, environment_of, from_env_twin, required_env
from relayer.errors import ConfigError
from relayer.residency import ResidencyConfig
from relayer.sender import SenderPolicy
from relayer.travel_rule.ivms101 import lei_is_valid
from relayer.watcher import WatcherPolicy

if TYPE_CHECKING:
    from relayer.store import Store


def checksum_address(v: str) -> str:
    """A config address, refused unless it is one, in its checksummed form."""
    if not is_address(v):
        raise ValueError(f"{v!r} is not an address")
    return to_checksum_address(v)


def checksum_token_key(v: str) -> str:
    """A key of a mapping keyed by token addresses, checked and checksummed."""
    if not is_address(v):
        raise ValueError(f"asset key {v!r} is not a token address")
    return to_checksum_address(v)


# Config fields that hold an address, or are mappings keyed by token addresses: validated and checksummed on load.
Address = Annotated[str, AfterValidator(checksum_address)]
TokenKey = Annotated[str, AfterValidator(checksum_token_key)]


class Strict(BaseModel):
    """Every config section refuses keys it does not know: a typo (`watcher.confirmation`, `api.auht`) is an error
    naming the key, never a silently ignored setting."""

    model_config = ConfigDict(extra="forbid")


class KeystoreSignerConfig(Strict):
    type: Literal["keystore"] = "keystore"
    path: Path = Field(description="encrypted JSON keystore (ape accounts format)")
    passphrase_env: str = Field(description="environment variable holding the passphrase")


class KmsSignerConfig(Strict):
    """A KMS key (secp256k1). Its id and region may be named by environment variables; those are read when the
    signer is made, like a keystore's passphrase, so a command that signs nothing (`purge`, `status`) loads the
    same config without them."""

    type: Literal["kms"]
    key_id: str | None = Field(default=None, description="KMS key id, ARN or alias")
    key_id_env: str | None = Field(default=None, description="instead of key_id: the environment variable holding "
                                   "it (the cloud stack sets RAT_KMS_KEY_<ROLE> to the role's key ARN)")
    region: str = "us-east-1"
    region_env: str | None = Field(default=None, description="instead of region: the environment variable holding "
                                   "it (AWS_REGION in the cloud tasks)")
    endpoint_url: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_source_each(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if (data.get("key_id") is None) == (data.get("key_id_env") is None):
                raise ValueError("give key_id or key_id_env, exactly one")
            if data.get("region_env") is not None and "region" in data:
                raise ValueError("give region or region_env, not both")
        return data

    def key(self, environ: Mapping[str, str], label: str) -> tuple[str, str]:
        """(key id, region), read from the environment where the config names variables."""
        def read(name: str, field: str) -> str:
            value = environ.get(name)
            if not value:
                raise ConfigError(f"{label} signer: {field}: environment variable {name} is not set (or empty)",
                                  hint=f"set {name} (the cloud task definition sets it), or write the value itself "
                                       f"instead of {field}")
            return value

        key_id = read(self.key_id_env, "key_id_env") if self.key_id_env is not None else self.key_id
        region = read(self.region_env, "region_env") if self.region_env is not None else self.region
        assert key_id is not None  # one of the two, by validation
        return key_id, region


SignerConfig = Annotated[KeystoreSignerConfig | KmsSignerConfig, Field(discriminator="type")]


class SignersConfig(Strict):
    """The relayer's only key: the transaction sender's. Attestor keys live in the attestor services."""

    sender: SignerConfig

    @model_validator(mode="before")
    @classmethod
    def _no_attestor_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and {"brokerage", "custody"} & set(data):
            raise ValueError("the relayer holds no attestor key: run each role as `rat-attestor` and list its URL "
                             "under `attestors` (docs/decisions/0048-attestors-as-separate-services.md)")
        return data


class AttestorEndpoint(Strict):
    """One attestor service: its URL and, optionally, the signer its answers must recover to."""

    url: str = Field(pattern=r"^https://", description="the attestor service, https:// (mutual TLS)")
    address: Address | None = Field(default=None,
                                    description="its signer; answers that recover to another are refused")


class AttestorsConfig(Strict):
    """Where the brokerage and custody attestors listen, and the relayer's client certificate for them."""

    brokerage: AttestorEndpoint
    custody: AttestorEndpoint
    client_cert: Path = Field(description="the relayer's TLS client certificate (PEM)")
    client_key: Path = Field(description="its private key (PEM)")
    server_ca: Path = Field(description="CA that issued the attestors' server certificates")
    timeout: float = Field(default=15.0, gt=0, description="seconds for one attestor's answer")


class AdapterConfig(Strict):
    adapter: str
    options: dict[str, Any] = Field(default_factory=dict)


class AssetConfig(Strict):
    symbol: str = Field(min_length=1, description="the broker's ticker, e.g. AAPL")
    qty_decimals: int = Field(default=6, ge=0, le=18, description="order quantity precision (fractional shares)")


class SagaPolicy(Strict):
    poll_interval: float = Field(default=0.2, gt=0, description="seconds between checks of an open order")
    receipt_poll_interval: float = Field(default=0.5, gt=0, description="seconds between receipt checks")
    attestation_ttl: int = Field(default=900, gt=0, description="seconds an attestation stays valid")
    min_backoff: float = Field(default=0.5, gt=0)
    max_backoff: float = Field(default=30.0, gt=0)
    concurrency: int = Field(default=8, ge=1, description="sagas advanced in parallel (httpcore's pool degrades with long queues)")
    stuck_after_attempts: int = Field(default=30, ge=1, description="failures in a row at one step after which a "
                                      "saga is set `stuck` for an operator to retry or reject")
    stuck_after_permanent: int = Field(default=3, ge=1, description="as stuck_after_attempts, for failures the "
                                       "vendor calls permanent (e.g. the broker no longer knows the order)")


class HttpConfig(Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)


class JwtConfig(Strict):
    """Operator bearer tokens (OAuth 2.1 client credentials) issued by an authorization server; only asymmetric
    signatures are accepted, with keys from a JWKS file or URL (never a shared secret)."""

    issuer: str = Field(min_length=1, description="expected `iss`")
    audience: str = Field(min_length=1, description="expected `aud` (this API's identifier)")
    jwks_file: Path | None = None
    jwks_url: str | None = None
    algorithms: list[Literal["RS256", "PS256", "ES256", "EdDSA"]] = Field(default=["RS256", "ES256", "EdDSA"])
    max_lifetime: int = Field(default=900, gt=0, description="tokens whose exp - iat exceeds this are refused")
    leeway: int = Field(default=30, ge=0, le=300, description="clock skew allowed on exp/nbf/iat, seconds")

    @model_validator(mode="after")
    def _one_source(self) -> JwtConfig:
        if (self.jwks_file is None) == (self.jwks_url is None):
            raise ValueError("give exactly one of jwks_file or jwks_url")
        return self


class RateLimitConfig(Strict):
    per_ip: int = Field(default=300, ge=1, description="requests per window per client IP")
    per_client: int = Field(default=600, ge=1, description="requests per window per authenticated client")
    window: int = Field(default=60, ge=1, description="seconds")


class ApiConfig(Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8480, ge=0, le=65535)
    auth: JwtConfig | None = Field(default=None, description="operator endpoints answer 503 until this is set")
    rate_limit: RateLimitConfig = Field(default_factory=RateLimitConfig)
    trusted_proxies: list[str] = Field(
        default_factory=list, description="addresses or CIDR ranges of the reverse proxies whose X-Forwarded-For is "
                                          "believed; empty: the TCP peer is the client (rate limits key on it)")
    max_body_bytes: int = Field(default=65536, ge=1024)
    stream_poll_interval: float = Field(default=0.2, gt=0, le=2.0, description="WebSocket outbox poll, seconds")
    reserve_statements: dict[str, Path] = Field(
        default_factory=dict, description="asset address -> latest published statement (rat-reserves build output)")
    dividend_distributor: Address | None = Field(
        default=None, description="DividendDistributor whose open distributions the corporate-actions view lists")
    conversion_vault: Address | None = Field(
        default=None, description="ConversionVault of the served assets: the corporate-actions view shows its "
                                  "conversions and the daemon converts every holder of an effective mandatory one")
    conversion_holders_from_block: int = Field(
        default=0, ge=0, description="first block scanned for holders to convert (the tokens' deployment block)")
    bridged_assets: dict[TokenKey, list[ChainToken]] = Field(
        default_factory=dict, description="asset address (home chain) -> its copy on every chain it is bridged to, "
                                          "the home chain included: name, rpc_url, token and pool, the same record "
                                          "as `rat-reserves verify --chain` (ADR 0106); GET /v1/assets/{asset}/supply "
                                          "reads each chain's RPC")
    chain_max_age: int = Field(default=300, ge=1, le=86_400,
                               description="seconds: a chain whose latest block is older is shown `stale`")

    @model_validator(mode="before")
    @classmethod
    def _no_collateral_oracles(cls, data: Any) -> Any:
        if isinstance(data, dict) and "collateral_oracles" in data:
            raise ValueError("api.collateral_oracles is no longer a setting: remove it. GET /v1/assets/{asset}/oracle "
                             "now shows the oracle of the asset's Morpho Blue market, read from the chain for each id "
                             "in collateral.markets (idToMarketParams), so the two can no longer disagree")
        return data

    @model_validator(mode="after")
    def _chains_named_once(self) -> ApiConfig:
        for asset, chains in self.bridged_assets.items():
            names = [c.name for c in chains]
            if not chains or len(set(names)) != len(names):
                raise ValueError(f"api.bridged_assets[{asset}]: at least one chain, each name once (got {names})")
        return self


class EventsConfig(Strict):
    nats_url: str | None = Field(default=None, description="NATS with JetStream; unset: events stay in the outbox")
    nats_url_env: str | None = Field(default=None, description="instead of nats_url: the environment variable "
                                     "holding it (RAT_NATS_URL in the cloud tasks)")
    nats_token_env: str | None = Field(default=None, description="environment variable holding the token NATS "
                                       "requires (RAT_NATS_TOKEN in the cloud tasks); unset: no token is sent")
    nats_tls_ca: Path | None = Field(default=None, description="PEM file of the CA the bus servers' certificate "
                                     "is verified against (the only CA trusted; host names checked); set: the bus "
                                     "connection is TLS. A tls:// URL without it uses the system trust store")
    stream: str | None = Field(default=None, description="JetStream stream name (default RAT_<NETWORK>)")
    drain_interval: float = Field(default=0.2, gt=0)
    duplicate_window: int = Field(default=120, ge=1, description="JetStream Nats-Msg-Id dedupe window, seconds")
    max_age_days: int = Field(default=5 * 365, ge=1, le=3650,
                              description="JetStream stream max_age: days a message stays on the bus; at most the "
                                          "AML period `rat-relayer purge` keeps published kyc.* outbox rows")
    # Read from nats_token_env at load, never from the file: a secret is not a config value.
    _nats_token: str | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _url_from_environment(cls, data: Any, info: ValidationInfo) -> Any:
        return from_env_twin(data, info, "nats_url")

    @model_validator(mode="after")
    def _token_from_environment(self, info: ValidationInfo) -> EventsConfig:
        if self.nats_tls_ca is not None and self.nats_url is None:
            raise ValueError("nats_tls_ca is set but no bus is (nats_url or nats_url_env)")
        if self.nats_token_env is not None:
            if self.nats_url is None:
                raise ValueError("nats_token_env is set but no bus is (nats_url or nats_url_env)")
            self._nats_token = required_env(environment_of(info), self.nats_token_env, "nats_token_env")
        return self

    @property
    def nats_token(self) -> str | None:
        """The token the bus connection presents (from `nats_token_env`), or None."""
        return self._nats_token


class KycLevel(Strict):
    tier: int = Field(ge=1, le=3, description="1 retail, 2 professional, 3 institutional")
    jurisdiction: str = Field(pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    valid_days: int = Field(default=365, ge=1, le=3650)


class KycChain(Strict):
    """One more chain whose ComplianceRegistry gets every KYC decision (ADR 0106 fan-out)."""

    name: str = Field(pattern="^[a-z0-9][a-z0-9-]{0,31}$", description="label in logs, metrics and the doctor")
    rpc_url: str
    registry: Address
    chain_selector: int = Field(gt=0, lt=2**64, description="the chain's CCIP chain selector")
    database_url: str = Field(description="this chain's store: its KYC-key intents and fan-out progress "
                                          "(the key has its own nonces per chain), e.g. sqlite:///relayer-kyc-b.db")


class KycConfig(Strict):
    """Sumsub applicant reviews become ComplianceRegistry writes with the KYC operator key."""

    registry: Address
    signer: SignerConfig
    chains: list[KycChain] = Field(default_factory=list, description="other chains whose registries get the same "
                                   "records, exactly once per chain; the drift check compares them all")
    drift_interval: float = Field(default=60.0, gt=0, description="seconds between reconcile and drift passes "
                                  "over every chain's registry (with `chains` set)")
    webhook_secret_env: str = Field(default="RAT_SUMSUB_WEBHOOK_SECRET",
                                    description="environment variable holding the Sumsub webhook secret")
    levels: dict[str, KycLevel] = Field(description="Sumsub level name -> tier and jurisdiction")
    max_delivery_age: int = Field(default=2 * 86400, gt=0,
                                  description="older deliveries (createdAtMs) are refused as replays, seconds")
    max_clock_skew: int = Field(default=300, ge=0, le=3600,
                                description="deliveries stamped (createdAtMs) later than now plus this are refused, "
                                            "seconds")
    rotation_grace: int = Field(default=86400, ge=0, le=30 * 86400,
                                description="default time a rotated-out secret (the environment's included) still "
                                            "verifies, seconds; a rotation may name its own")
    batch_size: int = Field(default=50, ge=1, le=200)
    interval: float = Field(default=1.0, gt=0, description="seconds between registry sync passes")


class TravelRuleAsset(Strict):
    dti: str = Field(pattern=r"^[0-9B-DF-HJ-NP-TV-Z]{9}$",
                     description="the token's ISO 24165 Digital Token Identifier, the `asset.dti` of its TRP messages")
    decimals: int = Field(default=18, ge=0, le=36, description="the token's decimals: TRP amounts are whole tokens")


class TravelRuleConfig(Strict):
    """FATF Travel Rule over TRP 3 (relayer/travel_rule/, docs/regulator/travel-rule.md): this operator as a VASP,
    the tokens it sends and receives, and the KYC provider it reads originators' identities from."""

    legal_name: str = Field(min_length=1, max_length=100, description="the operator's registered legal name")
    lei: str = Field(pattern=r"^[0-9A-Z]{18}[0-9]{2}$", description="the operator's Legal Entity Identifier")
    country: str = Field(pattern=r"^[A-Z]{2}$", description="country of registration, ISO 3166-1 alpha-2")
    public_url: str = Field(pattern=r"^https://[^\s/?#]+(/[^\s?#]*)?$",
                            description="where counterparties reach this relayer's TRP listener (`rat-relayer "
                                        "travel-rule serve`): the base of Travel Addresses and callbacks")
    registry: Address = Field(description="the ComplianceRegistry: an approved transfer is pre-checked with "
                              "`canTransfer` before it is a go")
    assets: dict[TokenKey, TravelRuleAsset] = Field(min_length=1, description="tokens carried over TRP")
    tls_cert: Path = Field(description="this VASP's client and server certificate (PEM): TRP 3 is mutual TLS")
    tls_key: Path = Field(description="its private key (PEM)")
    tls_ca: Path = Field(description="the CA bundle counterparties' certificates must chain to")
    host: str = "0.0.0.0"
    port: int = Field(default=8443, ge=0, le=65535, description="the TRP listener's port (0: a free one)")
    sumsub_app_token_env: str = Field(default="RAT_SUMSUB_APP_TOKEN",
                                      description="environment variable holding the Sumsub app token")
    sumsub_secret_key_env: str = Field(default="RAT_SUMSUB_SECRET_KEY",
                                       description="environment variable holding the Sumsub secret key")
    sumsub_url: str = Field(default="https://api.sumsub.com", pattern=r"^https?://")
    timeout: float = Field(default=10.0, gt=0, le=60, description="seconds a counterparty call may take")

    @field_validator("lei")
    @classmethod
    def _lei_checksum(cls, value: str) -> str:
        if not lei_is_valid(value):
            raise ValueError(f"{value} fails the ISO 17442 check digits")
        return value

    def asset_by_dti(self, dti: str) -> str | None:
        """The token carried under `dti`, if any."""
        return next((token for token, asset in self.assets.items() if asset.dti == dti), None)


class RdsIamConfig(Strict):
    """PostgreSQL on Amazon RDS with IAM database authentication: no password is stored anywhere. Each new
    connection logs in with a fresh token (valid 15 minutes for logging in) signed with the task role's
    credentials, which must allow `rds-db:connect` for the user; TLS is always required (RDS refuses an IAM login
    without it, and `rds.force_ssl` refuses any plaintext connection)."""

    host_env: str = Field(description="environment variable holding the database host (RAT_DB_HOST in the cloud)")
    user_env: str = Field(description="environment variable holding the database user (RAT_DB_USER in the cloud)")
    region_env: str = Field(default="AWS_REGION", description="environment variable holding the database's region")
    port: int = Field(default=5432, ge=1, le=65535)
    dbname: str = Field(default="rat", min_length=1, description="the database (the stack's RDS db_name)")
    sslmode: Literal["require", "verify-ca", "verify-full"] = Field(
        default="require", description="libpq sslmode; verify-ca and verify-full also need sslrootcert")
    sslrootcert: Path | None = Field(default=None, description="the RDS CA bundle (PEM) the server is verified with")
    _host: str = PrivateAttr(default="")
    _user: str = PrivateAttr(default="")
    _region: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _from_environment(self, info: ValidationInfo) -> RdsIamConfig:
        if self.sslmode != "require" and self.sslrootcert is None:
            raise ValueError(f"sslmode {self.sslmode} verifies the server: give sslrootcert (the RDS CA bundle)")
        environ = environment_of(info)
        self._host = required_env(environ, self.host_env, "host_env")
        self._user = required_env(environ, self.user_env, "user_env")
        self._region = required_env(environ, self.region_env, "region_env")
        return self

    @property
    def host(self) -> str:
        return self._host

    @property
    def user(self) -> str:
        return self._user

    @property
    def region(self) -> str:
        return self._region

    def url(self) -> str:
        """The SQLAlchemy URL of this database, without a password (each connection gets a token instead)."""
        query = f"sslmode={self.sslmode}"
        if self.sslrootcert is not None:
            query += f"&sslrootcert={quote(str(self.sslrootcert), safe='/')}"
        return (f"postgresql+psycopg://{quote(self.user, safe='')}@{self.host}:{self.port}/"
                f"{quote(self.dbname, safe='')}?{query}")


class TracingConfig(Strict):
    """OpenTelemetry traces (docs/architecture/observability.md). Off unless an OTLP/HTTP endpoint is set; trace
    ids are in the logs and on bus messages either way."""

    otlp_endpoint: str | None = Field(default=None, description="OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces")
    service_name: str | None = Field(default=None, description="service.name (default rat-relayer / rat-api)")
    headers: dict[str, str] = Field(default_factory=dict, description="extra OTLP headers (e.g. an API key)")


MarketId = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$", description="a Morpho Blue market id (bytes32)")]


class CollateralLiquidationConfig(Strict):
    """Liquidation with the company's own account, off by default (decision 0102 "Keeper"). The account must be
    eligible to receive the collateral RAT from the gateway: the daemon and `rat-relayer doctor` refuse an account
    the token's compliance would refuse."""

    enabled: bool = Field(default=False, description="liquidate past the grace window with `signer`")
    signer: SignerConfig | None = Field(default=None, description="the eligible (KYC'd) liquidator key; never the "
                                        "sender key")
    max_repay: int = Field(default=0, ge=0, description="most loan-token units (e.g. USDC 6-decimals) one liquidation "
                           "may pay; the gateway enforces it on chain")

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> CollateralLiquidationConfig:
        if self.enabled and (self.signer is None or self.max_repay == 0):
            raise ValueError("liquidation.enabled needs a signer (an eligible account) and max_repay > 0")
        return self


class CollateralKeeperConfig(Strict):
    """The collateral keeper: watches RAT-collateral Morpho Blue markets and raises
    relayer_collateral_overdue_positions when a position stays unhealthy (at the price a liquidation would see)
    beyond `grace_seconds` with nobody liquidating it (decision 0102 "Keeper")."""

    morpho: Address = Field(description="the Morpho Blue instance")
    gateway: Address = Field(description="its RatMorphoGateway (liquidations go through it)")
    markets: list[MarketId] = Field(min_length=1, description="market ids to watch; each market's oracle (Morpho's "
                                    "idToMarketParams) is also the one GET /v1/assets/{asset}/oracle shows for its "
                                    "collateral (two markets pricing one asset with different oracles make "
                                    "that endpoint a 503 for it)")
    from_block: int = Field(default=0, ge=0, description="first block scanned for borrowers (Morpho's Borrow events)")
    grace_seconds: int = Field(default=900, ge=0, description="chain seconds an unhealthy position is left to other "
                               "liquidators before the alert (and the keeper's own liquidation, when enabled)")
    interval: float = Field(default=5.0, gt=0, description="seconds between passes")
    liquidation: CollateralLiquidationConfig = Field(default_factory=CollateralLiquidationConfig)


class RelayerConfig(Strict):
    network: str = Field(default="local", description="name used to key the block cursor")
    rpc_url: str
    rpc_url_env: str | None = Field(default=None, description="instead of rpc_url: the environment variable "
                                    "holding it (RAT_RPC_URL in the cloud tasks; the URL embeds an API key)")
    chain_id: int | None = None
    minter: Address
    database_url: str = "sqlite:///relayer.db"
    database_iam: RdsIamConfig | None = Field(
        default=None, description="instead of database_url: PostgreSQL on RDS, host and user from the environment, "
                                  "an IAM token per connection (the cloud tasks)")
    market_calendar: str = "XNYS"
    assets: dict[TokenKey, AssetConfig]
    signers: SignersConfig
    attestors: AttestorsConfig | None = Field(
        default=None, description="required by `rat-relayer run` (the daemon); `rat-relayer api` does not use it")
    brokerage: AdapterConfig
    custody: AdapterConfig
    watcher: WatcherPolicy = Field(default_factory=WatcherPolicy)
    sender: SenderPolicy = Field(default_factory=SenderPolicy)
    saga: SagaPolicy = Field(default_factory=SagaPolicy)
    http: HttpConfig = Field(default_factory=HttpConfig)
    api: ApiConfig = Field(default_factory=ApiConfig)
    events: EventsConfig = Field(default_factory=EventsConfig)
    kyc: KycConfig | None = None
    travel_rule: TravelRuleConfig | None = None  # Travel Rule over TRP (docs/regulator/travel-rule.md)
    collateral: CollateralKeeperConfig | None = None  # Morpho Blue collateral keeper (decision 0102)
    residency: ResidencyConfig | None = None  # regional deployment: only these investors' requests
    tracing: TracingConfig = Field(default_factory=TracingConfig)
    poll_interval: float = Field(default=0.25, gt=0, description="seconds between chain polls")
    lease_ttl: float = Field(default=5.0, gt=0, description="seconds a leader lease lasts without renewal: the "
                             "longest a standby waits before it takes over from a leader that died")

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, data: Any, info: ValidationInfo) -> Any:
        data = from_env_twin(data, info, "rpc_url")
        if isinstance(data, dict) and data.get("database_iam") is not None and "database_url" in data:
            raise ValueError("give database_url or database_iam, not both")
        return data

    @model_validator(mode="after")
    def _iam_database_url(self) -> RelayerConfig:
        if self.database_iam is not None:
            self.database_url = self.database_iam.url()
        return self

    def database_password(self) -> Callable[[], str] | None:
        """What gives each new database connection its password: an RDS IAM token maker, or None (the URL says)."""
        if self.database_iam is None:
            return None
        from relayer.rds_iam import RdsIamToken

        iam = self.database_iam
        return RdsIamToken(host=iam.host, port=iam.port, user=iam.user, region=iam.region)

    def open_store(self, migrate_schema: bool = True) -> Store:
        """The relayer's store at `database_url`, logging in with an IAM token per connection when so configured."""
        from relayer.store import Store

        return Store.open(self.database_url, migrate_schema=migrate_schema, password=self.database_password())

    @classmethod
    def load(cls, source: Path | ConfigSource, environ: Mapping[str, str] | None = None) -> RelayerConfig:
        """Reads and validates a config file, or the config text in an environment variable (`ConfigSource`);
        `_env` fields are read from `environ` (default: this process's environment)."""
        source = ConfigSource.of(source)
        config = source.validated(cls, os.environ if environ is None else environ, "rat-relayer")
        rooted = source.rooted
        if config.api.auth is not None and config.api.auth.jwks_file is not None:
            config.api.auth.jwks_file = rooted(config.api.auth.jwks_file, "api.auth.jwks_file")
        config.api.reserve_statements = {
            to_checksum_address(a): rooted(p, f"api.reserve_statements[{a}]")
            for a, p in config.api.reserve_statements.items()
        }
        signers: list[tuple[str, SignerConfig]] = [("signers.sender", config.signers.sender)]
        tls = config.attestors
        if tls is not None:
            tls.client_cert = rooted(tls.client_cert, "attestors.client_cert")
            tls.client_key = rooted(tls.client_key, "attestors.client_key")
            tls.server_ca = rooted(tls.server_ca, "attestors.server_ca")
        if config.events.nats_tls_ca is not None:
            config.events.nats_tls_ca = rooted(config.events.nats_tls_ca, "events.nats_tls_ca")
        if config.database_iam is not None and config.database_iam.sslrootcert is not None:
            config.database_iam.sslrootcert = rooted(config.database_iam.sslrootcert, "database_iam.sslrootcert")
            config.database_url = config.database_iam.url()
        if config.kyc is not None:
            signers.append(("kyc.signer", config.kyc.signer))
        if config.collateral is not None and config.collateral.liquidation.signer is not None:
            signers.append(("collateral.liquidation.signer", config.collateral.liquidation.signer))
        for field, signer in signers:
            if isinstance(signer, KeystoreSignerConfig):
                signer.path = rooted(signer.path, f"{field}.path")
        return config


EXAMPLE = """\
# rat-relayer configuration. Secrets are never written here: each signer names the environment variable that
# holds its passphrase, and vendor adapters read their credentials from the environment.
# Read from this file (--config; relative paths are read from its folder) or, in the cloud, from the YAML text in
# an environment variable (--config-env RAT_CONFIG_YAML; paths must be absolute). A `<key>_env` names the variable
# holding that setting instead of writing it (infra/config/ has the cloud tasks' configs).
network: local                      # keys the block cursor; one database can serve several networks
rpc_url: http://127.0.0.1:8545
# rpc_url_env: RAT_RPC_URL          # instead of rpc_url: read from this variable (the URL embeds an API key)
chain_id: 31337                     # checked against the node at start
minter: "0x0000000000000000000000000000000000000000"
database_url: sqlite:///relayer.db  # or postgresql+psycopg://relayer@db/relayer
# database_iam:                     # instead of database_url: RDS PostgreSQL, an IAM token per connection, TLS
#   {host_env: RAT_DB_HOST, user_env: RAT_DB_USER, region_env: AWS_REGION, port: 5432, dbname: rat,
#    sslmode: verify-full, sslrootcert: /opt/rat/share/rds/global-bundle.pem}   # the relayer image's RDS CAs
market_calendar: XNYS               # exchange_calendars code, or always-open
assets:
  "0x0000000000000000000000000000000000000000": {symbol: AAPL}
signers:                            # the relayer's only key: the submitter's
  sender: {type: keystore, path: keys/sender.json, passphrase_env: RAT_SENDER_PASSPHRASE}
  # sender: {type: kms, key_id_env: RAT_KMS_KEY_SUBMITTER, region_env: AWS_REGION}   # production (or key_id, region)
attestors:                          # `rat-attestor` services, each holding its own role's key (mutual TLS)
  brokerage: {url: "https://brokerage-attestor.internal:8490", address: "0x0000000000000000000000000000000000000000"}
  custody:   {url: "https://custody-attestor.custodian.example:8490", address: "0x0000000000000000000000000000000000000000"}
  client_cert: tls/rat-relayer.pem
  client_key: tls/rat-relayer.key
  server_ca: tls/ca.pem
brokerage: {adapter: alpaca, options: {base_url: "http://127.0.0.1:8710"}}
custody:   {adapter: sim-custodian, options: {base_url: "http://127.0.0.1:8711"}}
watcher:
  confirmations: 2                  # or finality_tag: finalized (recommended on public networks)
  start_block: 0
sender: {gas_bump_percent: 15, rebroadcast_after: 6, replace_after: 18, transaction_type: auto}
                                    # auto: EIP-1559 (type 2) where blocks carry a base fee; max_gas_price caps
                                    # the gas price or maxFeePerGas (decision 0022)
saga: {attestation_ttl: 900}
http: {host: 127.0.0.1, port: 9464} # /healthz /readyz /metrics
api:                                # `rat-relayer api`: REST, WebSocket stream, operator calls, KYC webhook
  port: 8480
  auth: {issuer: "https://auth.example.com/", audience: rat-relayer-api, jwks_url: "https://auth.example.com/.well-known/jwks.json"}
  trusted_proxies: []               # load balancer addresses/CIDRs whose X-Forwarded-For is believed
  # bridged_assets:                 # per-chain supply of a CCIP-bridged asset (ADR 0106), home chain included
  #   "0xHOME_rAAPL": [{name: chain-a, rpc_url: http://127.0.0.1:8545, token: "0xHOME_rAAPL", pool: "0x..."},
  #                    {name: chain-b, rpc_url: http://127.0.0.1:8546, token: "0xB_rAAPL", pool: "0x..."}]
events: {nats_url: null}            # e.g. nats://127.0.0.1:4222; unset keeps events in the outbox only
# events: {nats_url_env: RAT_NATS_URL, nats_token_env: RAT_NATS_TOKEN}   # the bus and the token it requires
# events: {nats_url: "tls://nats-0.prod.rat.internal:4222", nats_tls_ca: bus-ca.pem}   # TLS, verified against the bus CA
# kyc:                              # Sumsub webhook -> ComplianceRegistry (KYC_OPERATOR_ROLE key)
#   registry: "0x0000000000000000000000000000000000000000"
#   signer: {type: keystore, path: keys/kyc.json, passphrase_env: RAT_KYC_PASSPHRASE}
#   chains:                          # CCIP chains: the same record on every registry (ADR 0106)
#     - {name: chain-b, rpc_url: http://127.0.0.1:8546, registry: "0x...", chain_selector: 3478487238524512106,
#        database_url: "sqlite:///relayer-kyc-chain-b.db"}
#   webhook_secret_env: RAT_SUMSUB_WEBHOOK_SECRET
#   levels: {rat-retail-br: {tier: 1, jurisdiction: BR}, rat-professional-ar: {tier: 2, jurisdiction: AR}}
# collateral:                       # Morpho Blue collateral keeper (decision 0102)
#   morpho: "0x0000000000000000000000000000000000000000"
#   gateway: "0x0000000000000000000000000000000000000000"   # RatMorphoGateway
#   markets: ["0x0000000000000000000000000000000000000000000000000000000000000000"]
#                                   # each market's oracle is what GET /v1/assets/{asset}/oracle shows
#   grace_seconds: 900              # alert when unhealthy this long with no liquidation
#   liquidation: {enabled: false}   # or {enabled: true, max_repay: 50000000000, signer: {type: keystore, ...}}
# residency:                        # regional stack (decision 0044): only requests of investors resident here
#   registry: "0x0000000000000000000000000000000000000000"
#   jurisdictions: [LI, AT, DE]     # e.g. prod-eea; the prod (LatAm) relayer lists [BR, AR]
# travel_rule:                      # FATF Travel Rule over TRP 3 (docs/regulator/travel-rule.md)
#   legal_name: Agora Exchange S.A.
#   lei: 5493001KJTIIGC8Y1R12       # the operator's LEI (ISO 17442 check digits are verified)
#   country: AR
#   public_url: https://trp.agora.example   # `rat-relayer travel-rule serve` behind this name, mutual TLS
#   registry: "0x0000000000000000000000000000000000000000"   # ComplianceRegistry: approvals pre-checked
#   assets: {"0x0000000000000000000000000000000000000001": {dti: 4H95J0R2X, decimals: 18}}
#   tls_cert: trp.pem
#   tls_key: trp.key
#   tls_ca: trp-counterparties.pem  # counterparties' client certificates must chain to these
#   port: 8443                      # Sumsub credentials: RAT_SUMSUB_APP_TOKEN, RAT_SUMSUB_SECRET_KEY
"""
