"""Public reads: request status with its timeline, requests by account, assets with status and market hours,
the latest reserve round, a lot's inclusion proof (from the reserves package), the trading venues registered for an
asset, the state of an asset's collateral price oracle, a bridged asset's supply on every chain, and the fee
schedule."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Annotated, Any

from eth_abi import decode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from sqlalchemy import and_, desc, or_, select

from rat.bridge.supply import SCALE, ChainSupply, SupplyReadError, read_chain_supply
from rat.protocol import ORACLE_REASON_TEXT, OracleReason, OracleState, VenueStatus
from relayer.api.context import ApiContext
from relayer.api.feed import PUBLIC_DETAIL
from relayer.api.models import (
    Address,
    AssetList,
    AssetSupply,
    AssetView,
    ChainSupplyView,
    FeeEntry,
    FeeSchedule,
    MarketHoursView,
    OracleView,
    RequestId,
    RequestPage,
    RequestSummary,
    RequestView,
    ReserveRound,
    TimelineEntry,
    VenueList,
    VenueView,
)
from relayer.api.problems import ProblemError
from relayer.collateral_oracles import AmbiguousOracle, CollateralOracles, derive_oracles
from relayer.errors import ConfigError, RelayerError
from relayer.events import outbox
from relayer.minter import AssetStatus, RequestKind
from relayer.store import SagaRecord, schema
from reserves.proofs import LotProof

router = APIRouter(prefix="/v1", tags=["public"])

ADDRESS = PathParam(pattern=r"^0x[0-9a-fA-F]{40}$", description="token address")
REQUEST_ID = PathParam(pattern=r"^0x[0-9a-fA-F]{64}$", description="Minter request id (bytes32)")


def ctx_of(request: Request) -> ApiContext:
    return request.app.state.ctx


def _summary(saga: SagaRecord) -> dict[str, Any]:
    p = saga.payload
    return {
        "request_id": saga.request_id, "kind": saga.kind, "step": saga.step, "status": saga.status, "account": p.get("account"),
        "asset": p.get("asset"), "payment_token": p.get("payment_token"), "amount": p.get("amount"),
        "limit_price": p.get("limit_price"), "trace_id": saga.trace_id, "block_number": saga.block_number,
        "created_at": saga.created_at, "updated_at": saga.updated_at, "note": saga.last_error, "fulfil_tx": p.get("fulfil_tx"),
        "reject_reason": p.get("reject_reason"),
    }


def _known_asset(ctx: ApiContext, asset: str) -> str:
    address = to_checksum_address(asset)
    if address not in ctx.assets:
        raise ProblemError(404, f"asset {address} is not served by this relayer", "unknown-asset")
    return address


def _reader(ctx: ApiContext):
    if ctx.reader is None:
        raise ProblemError(503, "this API instance has no chain connection configured", "no-chain")
    return ctx.reader


@router.get("/requests/{request_id}", response_model=RequestView, summary="A request's status and timeline")
async def get_request(request: Request, request_id: Annotated[RequestId, REQUEST_ID]) -> RequestView:
    ctx = ctx_of(request)
    saga = ctx.store.get_saga(request_id.lower())
    if saga is None:
        raise ProblemError(404, f"no request {request_id} has been seen by this relayer", "unknown-request")
    # The same public subset as the stream (relayer/api/feed.py): no broker, custody or operator identifiers.
    timeline = [TimelineEntry(step=step, at=at, detail={k: detail[k] for k in PUBLIC_DETAIL if k in detail})
                for step, detail, at in ctx.store.steps(saga.request_id)]
    with ctx.store.transaction() as conn:
        events = outbox.for_request(conn, saga.request_id)
    return RequestView(**_summary(saga), timeline=timeline, stream_cursor=events[-1].cursor if events else 0)


MAX_BLOCK = 2**63 - 1  # BIGINT
MAX_LOG_INDEX = 2**31 - 1  # INTEGER


def _decode_cursor(cursor: str) -> tuple[int, int]:
    block, log_index = (int(part) for part in cursor.split("-"))
    if block > MAX_BLOCK or log_index > MAX_LOG_INDEX:
        raise ProblemError(422, f"cursor {cursor} is out of range; pass a next_cursor this API returned",
                           "invalid-cursor")
    return block, log_index


def _encode_cursor(saga: SagaRecord) -> str:
    """A page position: the (block, log index) of the last request returned; the next page starts below it."""
    return f"{saga.block_number}-{saga.log_index}"


@router.get("/requests", response_model=RequestPage, summary="Requests of an account, newest first")
async def list_requests(
    request: Request,
    account: Annotated[Address, Query(description="the requesting wallet")],
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,19}-[0-9]{1,10}$",
                                        description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> RequestPage:
    ctx = ctx_of(request)
    t = schema.sagas
    query = select(t).where(t.c.payload["account"].as_string() == to_checksum_address(account))
    if cursor is not None:
        block, log_index = _decode_cursor(cursor)
        query = query.where(or_(t.c.block_number < block, and_(t.c.block_number == block, t.c.log_index < log_index)))
    query = query.order_by(desc(t.c.block_number), desc(t.c.log_index)).limit(limit + 1)
    with ctx.store.transaction() as conn:
        sagas = [SagaRecord(**row) for row in conn.execute(query).mappings()]
    page, more = sagas[:limit], len(sagas) > limit
    return RequestPage(items=[RequestSummary(**_summary(s)) for s in page],
                       next_cursor=_encode_cursor(page[-1]) if more else None)


def _market(ctx: ApiContext) -> MarketHoursView:
    now = datetime.fromtimestamp(ctx.clock(), UTC)
    is_open = ctx.hours.is_open(now)
    return MarketHoursView(calendar=ctx.hours.name, open_now=is_open,
                           next_open=None if is_open else ctx.hours.next_open(now).isoformat())


@router.get("/assets", response_model=AssetList, summary="Assets served, their status and market hours")
async def list_assets(request: Request) -> AssetList:
    ctx = ctx_of(request)
    items = []
    for address, symbol in ctx.assets.items():
        status = "UNKNOWN"
        if ctx.reader is not None:
            try:
                status = AssetStatus(await ctx.reader.asset_status(address)).name
            except (RelayerError, ValueError):
                status = "UNKNOWN"
        hold = ctx.store.asset_hold(address)
        items.append(AssetView(address=address, symbol=symbol, status=status, paused=hold is not None,
                               pause_reason=hold, market=_market(ctx)))
    return AssetList(items=items)


async def _call(ctx: ApiContext, to: str, signature: str, types: list[str], args: list, out: list[str]) -> tuple:
    from eth_abi import encode

    data = function_signature_to_4byte_selector(signature) + encode(types, args)
    return decode(out, await _reader(ctx).rpc.eth_call(to, data))


@router.get("/assets/{asset}/reserves/latest", response_model=ReserveRound,
            summary="The latest proof-of-reserve round published on-chain for an asset")
async def latest_reserve_round(request: Request, asset: Annotated[Address, ADDRESS]) -> ReserveRound:
    ctx = ctx_of(request)
    address = _known_asset(ctx, asset)
    try:
        if "reserves" not in ctx.extras:
            (registry,) = await _call(ctx, _reader(ctx).minter, "RESERVES()", [], [], ["address"])
            ctx.extras["reserves"] = to_checksum_address(registry)
        round_id, answer, _, updated_at, _ = await _call(
            ctx, ctx.extras["reserves"], "latestRoundData(address)", ["address"], [address],
            ["uint80", "int256", "uint256", "uint256", "uint80"])
    except RelayerError as exc:
        raise ProblemError(503, f"cannot read the reserve registry: {exc}", "chain-unavailable") from None
    if round_id == 0:
        raise ProblemError(404, f"no reserve round has been published for {address}", "no-reserve-round")
    return ReserveRound(asset=address, round_id=round_id, shares=str(answer), as_of=updated_at,
                        updated_at=updated_at)


@router.get("/assets/{asset}/reserves/proofs/{request_id}", response_model=LotProof, response_model_by_alias=True,
            summary="Inclusion proof of a request's custody lot in the latest published reserve statement")
async def lot_proof(request: Request, asset: Annotated[Address, ADDRESS],
                    request_id: Annotated[RequestId, REQUEST_ID]) -> LotProof:
    from reserves.errors import ReservesError
    from reserves.proofs import prove
    from reserves.statement import load_statement

    ctx = ctx_of(request)
    address = _known_asset(ctx, asset)
    path: Path | None = ctx.config.reserve_statements.get(address)
    if path is None:
        raise ProblemError(404, f"no reserve statement is configured for {address}", "no-statement")
    try:
        stamp = path.stat().st_mtime
        cached = ctx.extras.get(("statement", address))
        if cached is None or cached[0] != stamp:
            cached = (stamp, load_statement(path))
            ctx.extras[("statement", address)] = cached
        statement = cached[1]
        proof = prove(statement, statement.find_request(bytes.fromhex(request_id[2:])))
    except OSError:
        raise ProblemError(404, f"the statement for {address} is not readable", "no-statement") from None
    except ReservesError as exc:
        raise ProblemError(404, str(exc), "no-lot") from None
    if to_checksum_address(proof.token) != address:
        raise ProblemError(404, f"request {request_id} is a lot of another asset", "no-lot")
    return proof


async def _registry(ctx: ApiContext) -> str:
    """The ComplianceRegistry the Minter checks against (read once, then cached)."""
    if "registry" not in ctx.extras:
        (registry,) = await _call(ctx, _reader(ctx).minter, "REGISTRY()", [], [], ["address"])
        ctx.extras["registry"] = to_checksum_address(registry)
    return ctx.extras["registry"]


@router.get("/assets/{asset}/venues", response_model=VenueList,
            summary="Trading venues registered for an asset in the ComplianceRegistry, with their standing")
async def list_venues(request: Request, asset: Annotated[Address, ADDRESS]) -> VenueList:
    """Contracts that may hold the asset for eligible investors trading through them (ADR 0101): registered and
    suspended by governance; a removed venue is not listed."""
    ctx = ctx_of(request)
    address = _known_asset(ctx, asset)
    items = []
    try:
        registry = await _registry(ctx)
        (venues,) = await _call(ctx, registry, "venues(address)", ["address"], [address], ["address[]"])
        for venue in venues:
            (status,) = await _call(ctx, registry, "venueStatus(address,address)", ["address", "address"],
                                    [address, venue], ["uint8"])
            if status != VenueStatus.NONE:
                items.append(VenueView(address=to_checksum_address(venue), status=VenueStatus(status).name))
    except RelayerError as exc:
        raise ProblemError(503, f"cannot read the compliance registry: {exc}", "chain-unavailable") from None
    return VenueList(asset=address, items=items)


def _decimal(value: Decimal) -> str:
    text = f"{value.quantize(Decimal(1).scaleb(-18), rounding=ROUND_DOWN):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


async def _collateral_oracle(ctx: ApiContext, asset: str) -> str:
    """The oracle of `asset`'s Morpho Blue market (relayer/collateral_oracles.py). The markets' parameters are read
    once and kept for the process (a market's parameters never change); a failed read is not kept, so the next
    request tries again. Concurrent first requests may each read them: the answers are the same."""
    unpriced = ProblemError(404, f"no collateral market is configured for {asset} (collateral.markets)", "no-oracle")
    if ctx.collateral is None:
        raise unpriced
    oracles: CollateralOracles | None = ctx.extras.get("collateral_oracles")
    if oracles is None:
        try:
            oracles = await derive_oracles(_reader(ctx).rpc, ctx.collateral)
        except ConfigError as exc:
            raise ProblemError(503, f"cannot tell the collateral oracles: {exc}", "collateral-misconfigured") from None
        except RelayerError as exc:
            raise ProblemError(503, f"cannot read the collateral markets: {exc}", "chain-unavailable") from None
        ctx.extras["collateral_oracles"] = oracles
    try:
        oracle = oracles.oracle_of(asset)
    except AmbiguousOracle as exc:
        raise ProblemError(503, f"{exc}; {exc.hint}", "oracle-ambiguous") from None
    if oracle is None:
        raise unpriced
    return oracle


@router.get("/assets/{asset}/oracle", response_model=OracleView,
            summary="The state of an asset's collateral price oracle (RatEquityOracle): OPEN, CLOSED, STALE or "
                    "SPLIT_WINDOW, with its price, multiplier, age, reason and haircut")
async def oracle_state(request: Request, asset: Annotated[Address, ADDRESS]) -> OracleView:
    """Read from the chain on every call. The asset's oracle is the one of the Morpho Blue market that takes it as
    collateral among the relayer's `collateral.markets` (Morpho's `idToMarketParams`, read once per process); an
    asset no configured market takes is a 404, an asset two markets price with different oracles a 503."""
    ctx = ctx_of(request)
    address = _known_asset(ctx, asset)
    oracle = await _collateral_oracle(ctx, address)
    uint = ["uint256"]
    try:
        state, reason, price, haircut, price_time = await _call(
            ctx, oracle, "quote()", [], [], ["uint8", "uint8", "uint256", "uint256", "uint256"])
        (feed,) = await _call(ctx, oracle, "FEED()", [], [], ["address"])
        (feed_decimals,) = await _call(ctx, feed, "decimals()", [], [], ["uint8"])
        (scale_mul,) = await _call(ctx, oracle, "SCALE_MUL()", [], [], uint)
        (scale_div,) = await _call(ctx, oracle, "SCALE_DIV()", [], [], uint)
        (accepted,) = await _call(ctx, oracle, "acceptedAnswer()", [], [], uint)
        (accepted_at,) = await _call(ctx, oracle, "acceptedAt()", [], [], uint)
        (multiplier,) = await _call(ctx, address, "multiplier()", [], [], uint)
        now = int((await _reader(ctx).rpc.block("latest"))["timestamp"], 16)
    except RelayerError as exc:
        raise ProblemError(503, f"cannot read the collateral oracle: {exc}", "chain-unavailable") from None
    except (DecodingError, IndexError, TypeError, ValueError, KeyError):
        raise ProblemError(503, f"{oracle} does not answer as a RatEquityOracle (the oracle of {address}'s market "
                           "in collateral.markets)", "oracle-unreadable") from None
    try:
        state_name, reason_name = OracleState(state).name, OracleReason(reason).name
    except ValueError:
        raise ProblemError(503, f"{oracle} answered an unknown state {state}/{reason}", "oracle-unreadable") from None
    unit = Decimal(10) ** (int(feed_decimals) + 18)
    per_token = Decimal(price) * scale_div / scale_mul / unit if price else None
    per_share = per_token / (Decimal(multiplier) / 10**18) if per_token is not None and multiplier else None
    borrow = None
    if state_name == "OPEN" and per_token is not None:
        borrow = per_token
    elif state_name == "CLOSED" and per_token is not None:
        borrow = per_token * (10_000 - haircut) / 10_000
    return OracleView(
        asset=address, oracle=to_checksum_address(oracle), state=state_name, reason=reason_name,
        explanation=ORACLE_REASON_TEXT[reason_name],
        price_per_token=None if per_token is None else _decimal(per_token),
        price_per_share=None if per_share is None else _decimal(per_share),
        multiplier=_decimal(Decimal(multiplier) / 10**18), haircut_bps=haircut,
        borrow_price_per_token=None if borrow is None else _decimal(borrow),
        price_time=price_time or None, age_seconds=max(now - price_time, 0) if price_time else None,
        accepted_price_per_share=_decimal(Decimal(accepted) / 10 ** int(feed_decimals)) if accepted else None,
        accepted_at=accepted_at or None)


@router.get("/assets/{asset}/supply", response_model=AssetSupply,
            summary="A CCIP-bridged asset's supply on every chain: total supply, multiplier, the pool's net "
                    "bridged-out amount and quarantine escrow, each read from that chain's RPC, with a stale flag")
async def chain_supply(request: Request, asset: Annotated[Address, ADDRESS]) -> AssetSupply:
    """Read on every call, every chain at its latest block (ADR 0106). The chains of each asset are configured in
    `api.bridged_assets` (the same records as `rat-reserves verify --chain`); a served asset without them is a 404.
    A chain whose latest block is older than `api.chain_max_age` is shown `stale`, not hidden; a chain that cannot
    be read makes the whole answer a 503 (a sum without one chain would understate supply)."""
    ctx = ctx_of(request)
    address = _known_asset(ctx, asset)
    chains = ctx.config.bridged_assets.get(address)
    if not chains:
        raise ProblemError(404, f"no chains are configured for {address} (api.bridged_assets)", "not-bridged")
    now = int(ctx.clock())
    try:
        reads: list[ChainSupply] = await asyncio.gather(*(asyncio.to_thread(
            read_chain_supply, c, ctx.config.chain_max_age, now, None, False) for c in chains))
    except SupplyReadError as exc:
        raise ProblemError(503, f"cannot read the supply on chain {exc.chain}: {exc.detail}",
                           "chain-unavailable") from None
    views = [ChainSupplyView(
        chain=c.name, chain_id=r.chain_id or 0, token=c.token, pool=c.pool, block_number=r.block_number,
        block_time=r.block_time, read_at=now, stale=r.stale, total_supply=str(r.supply),
        multiplier=str(r.multiplier), shares=str(-(-r.shares_scaled // SCALE)),
        net_bridged_out=None if r.net_bridged_out is None else str(r.net_bridged_out),
        quarantined=None if r.quarantined is None else str(r.quarantined)) for c, r in zip(chains, reads)]
    return AssetSupply(asset=address, chains=views, total_supply=str(sum(r.supply for r in reads)),
                       shares=str(-(-sum(r.shares_scaled for r in reads) // SCALE)),
                       stale=any(r.stale for r in reads))


@router.get("/fees", response_model=FeeSchedule, summary="Mint and burn fees per asset (basis points)")
async def fee_schedule(request: Request) -> FeeSchedule:
    ctx = ctx_of(request)
    reader = _reader(ctx)
    items = []
    try:
        for address, symbol in ctx.assets.items():
            items.append(FeeEntry(asset=address, symbol=symbol,
                                  mint_bps=await reader.fee_bps(address, RequestKind.MINT),
                                  burn_bps=await reader.fee_bps(address, RequestKind.BURN)))
    except RelayerError as exc:
        raise ProblemError(503, f"cannot read the fee vault: {exc}", "chain-unavailable") from None
    return FeeSchedule(items=items)
