"""Pydantic models at the API boundary: what the OpenAPI document describes and responses are checked against."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

RequestId = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{64}$")]
Address = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$")]
# Free text from an operator (a reason, a note): printable, tabs and line breaks allowed, no NUL or other control
# characters (PostgreSQL refuses NUL in text; logs and terminals misrender the rest).
Note = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+$")]


class Strict(BaseModel):
    """Request bodies: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class TimelineEntry(BaseModel):
    step: str = Field(description="saga step or status change, e.g. received, order_placed, done")
    at: float = Field(description="unix time, seconds")
    detail: dict[str, Any] = Field(description="the step's on-chain facts (block, tx hashes, reject reason); "
                                               "broker, custody and operator data are never shown")


class RequestSummary(BaseModel):
    request_id: RequestId
    kind: Literal["mint", "burn"]
    step: str
    status: str = Field(description="active, waiting_market, blocked, paused, reorged, stuck (waits for an "
                                    "operator: retry or reject), done, rejected, closed, orphaned")
    account: str | None
    asset: str | None
    payment_token: str | None
    amount: str | None = Field(description="escrow (mint, payment token units) or shares (burn, 1e18 = 1 share)")
    limit_price: str | None
    trace_id: str
    block_number: int
    created_at: float
    updated_at: float
    note: str | None = Field(description="why the saga waits, when it does")
    fulfil_tx: str | None
    reject_reason: int | None


class RequestView(RequestSummary):
    timeline: list[TimelineEntry]
    stream_cursor: int = Field(description="WebSocket cursor of the latest event of this request (0 if none)")


class RequestPage(BaseModel):
    items: list[RequestSummary]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last page")


class MarketHoursView(BaseModel):
    calendar: str
    open_now: bool
    next_open: str | None = Field(description="ISO 8601 UTC; null while open")


class AssetView(BaseModel):
    address: Address
    symbol: str
    status: Literal["UNLISTED", "ACTIVE", "REDEEM_ONLY", "HALTED", "UNKNOWN"] = Field(
        description="the Minter's status for the asset; UNKNOWN when the node cannot be read")
    paused: bool = Field(description="processing paused by an operator")
    pause_reason: str | None
    market: MarketHoursView


class AssetList(BaseModel):
    items: list[AssetView]


class ReserveRound(BaseModel):
    asset: Address
    round_id: int
    shares: str = Field(description="attested shares in custody, 18 decimals")
    as_of: int = Field(description="unix time the custody statement was true")
    updated_at: int


class FeeEntry(BaseModel):
    asset: Address
    symbol: str
    mint_bps: int
    burn_bps: int


class FeeSchedule(BaseModel):
    items: list[FeeEntry]


class VenueView(Strict):
    address: Address = Field(description="the venue contract (e.g. Uniswap v4's PoolManager), checksummed")
    status: Literal["ACTIVE", "SUSPENDED"] = Field(
        description="ACTIVE: investors may trade the asset through it; SUSPENDED: every movement in or out is "
                    "refused until governance resumes it (ADR 0101)")


class VenueList(Strict):
    asset: Address
    items: list[VenueView] = Field(description="every venue registered for the asset in the ComplianceRegistry")


class OracleView(Strict):
    asset: Address
    oracle: Address = Field(description="the asset's RatEquityOracle, checksummed: the oracle of the Morpho Blue "
                                        "market (among the relayer's collateral.markets) that takes the asset as "
                                        "collateral, as Morpho's idToMarketParams names it")
    state: Literal["OPEN", "CLOSED", "STALE", "SPLIT_WINDOW"] = Field(
        description="OPEN: fresh price in a session; CLOSED: outside a session, last close with a haircut for "
                    "borrows; STALE: no fresh or no acceptable price, new borrows refused, repay works; "
                    "SPLIT_WINDOW: around a split until the post-split price and reserve round (ADR 0102)")
    reason: Literal["NONE", "MARKET_CLOSED", "CALENDAR_UNKNOWN", "NO_ACCEPTED_PRICE", "INVALID_ANSWER",
                    "HEARTBEAT_MISSED", "DEVIATION_TOO_LARGE", "SPLIT_PENDING", "SPLIT_UNCONFIRMED"]
    explanation: str = Field(description="what the state means for borrowers and liquidators")
    price_per_token: str | None = Field(
        description="loan-token units (e.g. USD) per whole token, decimal string; null in STALE / SPLIT_WINDOW")
    price_per_share: str | None = Field(description="the feed's price per share behind price_per_token")
    multiplier: str = Field(description="shares per token now (splits scale it, the management fee shrinks it)")
    haircut_bps: int = Field(ge=0, description="closed-market haircut applied to borrows (0 when OPEN)")
    borrow_price_per_token: str | None = Field(
        description="what a new borrow is priced at now (price less the haircut); null: new borrows are refused")
    price_time: int | None = Field(description="feed time (unix seconds) of the quoted price")
    age_seconds: int | None = Field(description="chain time now minus price_time")
    accepted_price_per_share: str | None = Field(
        description="the last price per share the oracle accepted (what STALE liquidations start from)")
    accepted_at: int | None = Field(description="feed time of the last accepted price")


class PauseBody(Strict):
    reason: Note


class RejectBody(Strict):
    reason: Literal["MARKET_CLOSED", "BROKER_REJECTED", "PRICE_LIMIT_UNREACHABLE", "COMPLIANCE_HOLD",
                    "ASSET_HALTED", "RESERVES_UNAVAILABLE"] = Field(description="the Minter's reject reason")
    note: Note


class RetryBody(Strict):
    note: Note


class RotateBody(Strict):
    grace_seconds: int | None = Field(default=None, ge=0, le=30 * 86400,
                                      description="how long the previous secrets keep verifying; default "
                                                  "kyc.rotation_grace. 0 retires them at once")


class AssetControlView(BaseModel):
    asset: Address
    paused: bool
    reason: str
    resumed_requests: list[str]


class SagaActionView(BaseModel):
    request_id: RequestId
    step: str
    status: str


class RotatedSecret(BaseModel):
    provider: Literal["sumsub"]
    version: int
    secret: str = Field(description="shown once: paste it into the provider's webhook settings")
    previous_valid_until: float | None


class AuditEntry(BaseModel):
    id: int
    at: float
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    client_ip: str
    trace_id: str


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_cursor: int | None


class WebhookOutcome(BaseModel):
    outcome: Literal["applied", "duplicate", "superseded", "ignored"]
    detail: str


class ChainSupplyView(Strict):
    """One chain's copy of a bridged asset, read from that chain's RPC at its latest block."""

    chain: str = Field(description="the chain's name in `api.bridged_assets` (as `rat-reserves verify --chain`)")
    chain_id: int
    token: Address
    pool: Address | None = Field(description="the asset's RatCcipPool on this chain (null: none configured)")
    block_number: int
    block_time: int = Field(description="unix time of the block read")
    read_at: int = Field(description="unix time of the read")
    stale: bool = Field(description="the block is older than `api.chain_max_age`: supply may have changed since")
    total_supply: str = Field(description="token units, 18 decimals (quarantined tokens included)")
    multiplier: str = Field(description="shares per token, 18 decimals")
    shares: str = Field(description="total_supply × multiplier / 1e18, rounded up, 18 decimals")
    net_bridged_out: str | None = Field(
        description="the pool's tokens burned here for other chains less tokens minted here from them (null: no "
                    "pool); on the home chain, the supply that lives on other chains")
    quarantined: str | None = Field(description="tokens in the pool's quarantine escrow (null: no pool)")


class AssetSupply(Strict):
    asset: Address = Field(description="the asset's address on this relayer's (home) chain")
    chains: list[ChainSupplyView]
    total_supply: str = Field(description="Σ total_supply over the chains, token units")
    shares: str = Field(description="Σ total_supply × multiplier over the chains / 1e18, rounded up once (what the "
                                    "proof of reserve must cover)")
    stale: bool = Field(description="at least one chain's read is stale")


class TravelRuleName(Strict):
    surname: str = Field(min_length=1, max_length=100, description="the beneficiary's legal surname")
    given_names: str | None = Field(default=None, min_length=1, max_length=100)


class TravelRuleTransferBody(Strict):
    transfer_id: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
                             description="a lower-case UUID the caller chooses; it is the TRP request-identifier, "
                                         "and repeating it never sends a second inquiry")
    asset: Address
    originator: Address = Field(description="the investor's wallet: the KYC provider's record of it is sent")
    amount: str = Field(pattern=r"^[1-9][0-9]{0,77}$", description="token base units (1e18 = one share)")
    travel_address: str = Field(min_length=3, max_length=512, description="the beneficiary's TRP Travel Address")
    beneficiary: TravelRuleName


class TravelRuleTxBody(Strict):
    tx_hash: RequestId = Field(description="the transfer's transaction hash, once mined")


class TravelRuleCancelBody(Strict):
    reason: Note


class TravelRuleTransferView(BaseModel):
    transfer_id: str
    direction: Literal["outgoing", "incoming"]
    status: Literal["unsent", "inquired", "approved", "blocked", "rejected", "refused", "confirmed", "canceled"] = Field(
        description="approved is the go: send the transfer to `beneficiary`, then confirm its hash")
    asset: str
    amount: str = Field(description="token base units")
    originator: str | None
    beneficiary: str | None = Field(description="the address the beneficiary VASP approved (outgoing)")
    reason: str | None = Field(description="why it was rejected, blocked, refused or canceled")
    tx_hash: str | None
    created_at: float
    updated_at: float


class TravelAddressView(BaseModel):
    wallet: str
    travel_address: str = Field(description="what the investor gives a sending VASP instead of the bare address")
