"""A RAT-collateral / USDC-loan Morpho Blue market with its fail-safe equity oracle and gateway.

`deploy_collateral_stack` puts together what one listed equity needs on a local chain: the exchange calendar
(shared by every equity of the exchange), a `RatEquityOracle`, the `RatMorphoGateway`, our fixed-rate IRM and the
market in the real Morpho Blue. Parameters and their reasons: docs/decisions/0102."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ape import project
from ape.api import AccountAPI
from ape.contracts import ContractInstance
from pydantic import BaseModel, ConfigDict, Field, model_validator

from rat.protocol import ORACLE_REASON_TEXT, OracleReason, OracleState
from rat.venues.morpho import MarketParams, create_market, enable_market_terms, fixed_rate_irm

# 62.5%: an LLTV Morpho governance has enabled on the canonical deployment (so production markets need no new
# governance action) and low enough that a position at the limit survives a 35% gap at Monday's open before it is
# under water (ADR 0102 "LLTV").
DEFAULT_LLTV = 625 * 10**15
# 5% a year per second, WAD (local chains only; production uses Morpho's AdaptiveCurveIrm).
DEFAULT_RATE_PER_SECOND = 5 * 10**16 // (365 * 86_400)
EXCHANGE_XNYS = b"XNYS"


class OracleParams(BaseModel):
    """RatEquityOracle.Params, bounded like the contract bounds them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    heartbeat: int = Field(default=3_600, ge=60, le=7 * 86_400, description="seconds a price stays fresh in session")
    max_deviation_bps: int = Field(default=1_000, gt=0, le=5_000, description="largest move between accepted prices")
    closed_haircut_bps: int = Field(default=200, ge=0, le=5_000, description="haircut from the close")
    haircut_per_day_bps: int = Field(default=100, ge=0, le=65_535, description="added per day closed")
    max_haircut_bps: int = Field(default=1_500, ge=0, le=5_000, description="cap of the closed-market haircut")
    split_guard: int = Field(default=86_400, ge=0, le=7 * 86_400, description="no borrows this long before a split")

    @model_validator(mode="after")
    def _haircut_within_cap(self) -> OracleParams:
        if self.closed_haircut_bps > self.max_haircut_bps:
            raise ValueError("closed_haircut_bps exceeds max_haircut_bps")
        return self

    def as_tuple(self) -> tuple[int, int, int, int, int, int]:
        return (self.heartbeat, self.max_deviation_bps, self.closed_haircut_bps, self.haircut_per_day_bps,
                self.max_haircut_bps, self.split_guard)


@dataclass(frozen=True)
class CollateralStack:
    morpho: ContractInstance
    calendar: ContractInstance
    oracle: ContractInstance
    gateway: ContractInstance
    irm: ContractInstance
    params: MarketParams


def deploy_calendar(admin: AccountAPI, keeper: AccountAPI, exchange: bytes = EXCHANGE_XNYS) -> ContractInstance:
    return admin.deploy(project.RatMarketCalendar, exchange, admin.address, keeper.address)


def deploy_collateral_stack(
    morpho: ContractInstance,
    admin: AccountAPI,
    *,
    calendar: ContractInstance,
    feed: Any,
    collateral_token: Any,
    multiplier_source: Any,
    loan_token: Any,
    reserves: Any,
    oracle_params: OracleParams | None = None,
    lltv: int = DEFAULT_LLTV,
    irm: ContractInstance | None = None,
    gateway: ContractInstance | None = None,
    governance: str | None = None,
) -> CollateralStack:
    """Oracle, gateway (one per Morpho instance, reused when given), IRM and the market. `multiplier_source` is the
    RAT itself in production; a plain-ERC-20 test market passes a MockMultiplierSource. `governance` (the timelock;
    `admin` when not given) administers a new gateway and may close frozen borrowers' positions."""
    oracle = admin.deploy(project.RatEquityOracle, feed, multiplier_source, loan_token, reserves, calendar,
                          admin.address, (oracle_params or OracleParams()).as_tuple())
    gateway = gateway or admin.deploy(project.RatMorphoGateway, morpho.address, governance or admin.address)
    oracle.setGateway(gateway.address, sender=admin)
    irm = irm or fixed_rate_irm(admin, morpho, DEFAULT_RATE_PER_SECOND)
    enable_market_terms(morpho, irm.address, lltv, admin)
    params = MarketParams(str(loan_token), str(collateral_token), oracle.address, irm.address, lltv)
    create_market(morpho, params, admin)
    return CollateralStack(morpho, calendar, oracle, gateway, irm, params)


@dataclass(frozen=True)
class ListingCall:
    """One registry call of a collateral listing: a governance proposal's action, or a direct call on a local
    chain where the deployer holds VENUE_LISTING_ROLE."""

    method: str
    args: tuple[Any, ...]
    summary: str


def collateral_listing_calls(asset: str, symbol: str, morpho: str, gateway: str,
                             reason_ref: bytes) -> list[ListingCall]:
    """What listing `asset` as Morpho collateral asks of the ComplianceRegistry, in order (ADR 0101, 0102):
    Morpho and the RatMorphoGateway as ACTIVE venues of the asset, then the gateway as Morpho's one exit for it, so
    every way the RAT leaves Morpho (withdrawal, liquidation, flash loan) passes through the gateway, which refuses
    a frozen borrower."""
    return [
        ListingCall("registerVenue", (asset, morpho, reason_ref), f"registerVenue({symbol}, Morpho {morpho})"),
        ListingCall("registerVenue", (asset, gateway, reason_ref),
                    f"registerVenue({symbol}, RatMorphoGateway {gateway})"),
        ListingCall("setVenueExit", (asset, morpho, gateway, reason_ref),
                    f"setVenueExit({symbol}, Morpho {morpho} -> RatMorphoGateway {gateway})"),
    ]


def list_collateral_venues(registry: ContractInstance, asset: Any, morpho: Any, gateway: Any, reason_ref: bytes,
                           lister: AccountAPI, symbol: str = "") -> None:
    """Sends `collateral_listing_calls` directly from `lister` (who holds VENUE_LISTING_ROLE: a local chain's
    deployer; in production the timelock executes them as one proposal)."""
    for call in collateral_listing_calls(str(asset), symbol, str(morpho), str(gateway), reason_ref):
        getattr(registry, call.method)(*call.args, sender=lister)


ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
ORACLE_STATES = tuple(state.name for state in OracleState)
ORACLE_REASONS = tuple(reason.name for reason in OracleReason)
REASON_TEXT = ORACLE_REASON_TEXT


class OracleStatus(BaseModel):
    """What RatEquityOracle.quote() says now, with the last accepted data (for STALE / SPLIT_WINDOW, where quote
    gives no price). Prices are 1e36-scaled loan-token units per collateral base unit, as Morpho reads them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: str
    reason: str
    price: int = Field(ge=0, description="0 when the state gives no price")
    haircut_bps: int = Field(ge=0)
    price_time: int = Field(ge=0, description="feed time of the quoted price; 0 when none")
    accepted_answer: int = Field(ge=0, description="last accepted price per share, feed decimals")
    accepted_at: int = Field(ge=0)
    accepted_multiplier: int = Field(ge=0, description="multiplier (1e18 = one share per token) when accepted")
    favourable_price: int = Field(ge=0, description="what a liquidation in STALE / SPLIT_WINDOW is priced at")

    @property
    def explanation(self) -> str:
        return REASON_TEXT.get(self.reason, self.reason)

    @property
    def borrow_price(self) -> int:
        """What a borrow through the gateway is priced at now (0: borrows are refused)."""
        if self.state == "OPEN":
            return self.price
        if self.state == "CLOSED":
            return self.price * (10_000 - self.haircut_bps) // 10_000
        return 0


def oracle_status(oracle: ContractInstance) -> OracleStatus:
    state, reason, price, haircut, price_time = oracle.quote()
    accepted = int(oracle.acceptedAnswer())
    return OracleStatus(state=ORACLE_STATES[int(state)], reason=ORACLE_REASONS[int(reason)], price=int(price),
                        haircut_bps=int(haircut), price_time=int(price_time), accepted_answer=accepted,
                        accepted_at=int(oracle.acceptedAt()), accepted_multiplier=int(oracle.acceptedMultiplier()),
                        favourable_price=int(oracle.favourablePrice()) if accepted else 0)


def describe_revert(raw: bytes | str, *contracts: Any) -> str:
    """A readable reason for a collateral operation's revert: the error decoded against the given contracts' ABIs
    (oracle, gateway, token, loan token...), with the oracle's state/reason and the token's transfer status named."""
    from rat.errors import TransferStatus
    from rat.revert import UnknownRevert, decode_revert

    data = bytes.fromhex(raw[2:] if raw.startswith("0x") else raw) if isinstance(raw, str) else bytes(raw)
    if data[:4] == ERROR_STRING_SELECTOR:  # Morpho Blue's own checks revert with strings (ErrorsLib)
        from eth_abi import decode

        return f"Morpho Blue: {decode(['string'], data[4:])[0]}"
    try:
        decoded = decode_revert(data, *(c.contract_type for c in contracts))
    except UnknownRevert as error:
        return str(error)
    args = dict(decoded.args)
    if decoded.name == "OracleUnavailable":
        state, reason = ORACLE_STATES[int(args["state"])], ORACLE_REASONS[int(args["reason"])]
        return f"OracleUnavailable({state}, {reason}): {REASON_TEXT[reason]}"
    if decoded.name == "TransferRestricted":
        status = TransferStatus(int(args["status"]))
        return f"TransferRestricted({status.name}): {status.explain()}"
    shown = ", ".join(f"{k}={v.hex() if isinstance(v, bytes) else v}" for k, v in args.items())
    return f"{decoded.name}({shown})"
