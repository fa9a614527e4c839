"""Corporate actions as the chain states them: the share multiplier and its scheduled split, the management fee,
open dividend distributions and a conversion (merger, tender offer, delisting) per asset. Read-only; used by the
service API (`GET /v1/assets/{asset}/corporate-actions`) and `rat-relayer corporate`.

Nothing here is cached or inferred: every figure is an `eth_call` at the latest block, so what the API shows is
what the contracts will do."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from pydantic import BaseModel, Field

from relayer.rpc import Rpc

SCALE = 10**18
# Newest distributions looked at per request: older ones have expired long before (claim windows are bounded).
MAX_DISTRIBUTIONS_SCANNED = 64
CONVERSION_KINDS = {1: "cash", 2: "token"}
CONVERSION_STATES = {0: "none", 1: "open", 2: "closed"}


class ScheduledSplit(BaseModel):
    numerator: int
    denominator: int
    activates_at: int
    effective: bool = Field(description="true once the activation time has passed (it applies by itself)")


class MultiplierView(BaseModel):
    multiplier: str = Field(description="shares per token, decimal (1 = one share per token)")
    multiplier_raw: str = Field(description="1e18 fixed point, as `multiplier()` returns it")
    version: int = Field(description="compare-and-swap version a split proposal must name")
    management_fee_bps: int
    anchor_time: int
    split: ScheduledSplit | None


class DividendView(BaseModel):
    id: int
    record_block: int
    payout_token: str
    amount_per_share: str = Field(description="payout-token base units per share")
    total_gross: str
    claimed_gross: str
    claim_deadline: int
    merkle_root: str
    metadata_uri: str


class ConversionView(BaseModel):
    id: int
    kind: Literal["cash", "token"]
    state: Literal["none", "open", "closed"]
    mandatory: bool
    payout: str = Field(description="the stablecoin (cash) or the target RAT equity (token)")
    rate: str = Field(description="cash: payout units per share; token: target shares per share, 1e18 fixed point")
    effective_at: int
    expires_at: int
    tokens_converted: str
    paid: str


class UpcomingAction(BaseModel):
    kind: Literal["split", "reverse_split", "dividend_claims_close", "conversion_effective", "conversion_expires"]
    at: int
    summary: str


class CorporateActions(BaseModel):
    asset: str
    chain_time: int
    multiplier: MultiplierView
    dividends: list[DividendView]
    conversion: ConversionView | None
    upcoming: list[UpcomingAction] = Field(description="what happens next, soonest first")


async def _call(rpc: Rpc, to: str, signature: str, types: list[str], args: list, out: list[str]) -> tuple:
    data = function_signature_to_4byte_selector(signature) + encode(types, args)
    return decode(out, await rpc.eth_call(to, data))


async def multiplier_view(rpc: Rpc, asset: str, now: int) -> MultiplierView:
    (state, version) = await _call(rpc, asset, "multiplierState()", [], [],
                                   ["(uint96,uint40,uint16,uint40,uint32,uint32)", "uint32"])
    (current,) = await _call(rpc, asset, "multiplier()", [], [], ["uint256"])
    _anchor, anchor_time, fee_bps, split_at, numerator, denominator = state
    split = None
    if split_at:
        split = ScheduledSplit(numerator=numerator, denominator=denominator, activates_at=split_at,
                               effective=now >= split_at)
    return MultiplierView(multiplier=str(Decimal(current) / SCALE), multiplier_raw=str(current), version=version,
                          management_fee_bps=fee_bps, anchor_time=anchor_time, split=split)


async def open_dividends(rpc: Rpc, distributor: str, asset: str, now: int) -> list[DividendView]:
    (next_id,) = await _call(rpc, distributor, "nextDistributionId()", [], [], ["uint256"])
    found = []
    for distribution_id in range(max(1, next_id - MAX_DISTRIBUTIONS_SCANNED), next_id):
        ((token, record_block, deadline, swept, payout, total, claimed, root, per_share, _hash, uri),) = await _call(
            rpc, distributor, "distribution(uint256)", ["uint256"], [distribution_id],
            ["(address,uint64,uint40,bool,address,uint128,uint128,bytes32,uint256,bytes32,string)"])
        if to_checksum_address(token) != asset or swept or deadline < now:
            continue
        found.append(DividendView(
            id=distribution_id, record_block=record_block, payout_token=to_checksum_address(payout),
            amount_per_share=str(per_share), total_gross=str(total), claimed_gross=str(claimed),
            claim_deadline=deadline, merkle_root="0x" + root.hex(), metadata_uri=uri))
    return found


async def conversion_view(rpc: Rpc, vault: str, asset: str) -> ConversionView | None:
    ((cid, state, kind, mandatory, effective, expires, payout, rate, _ref, _funded, paid, tokens, _shares),) = (
        await _call(rpc, vault, "conversion(address)", ["address"], [asset],
                    ["(uint64,uint8,uint8,bool,uint40,uint40,address,uint256,bytes32,uint256,uint256,uint256,uint256)"]))
    if cid == 0:
        return None
    return ConversionView(id=cid, kind=CONVERSION_KINDS[kind], state=CONVERSION_STATES[state], mandatory=mandatory,
                          payout=to_checksum_address(payout), rate=str(rate), effective_at=effective,
                          expires_at=expires, tokens_converted=str(tokens), paid=str(paid))


def upcoming(view: MultiplierView, dividends: list[DividendView], conversion: ConversionView | None,
             now: int) -> list[UpcomingAction]:
    """The dated events still ahead of `now`, soonest first."""
    items: list[UpcomingAction] = []
    split = view.split
    if split is not None and not split.effective:
        kind = "split" if split.numerator > split.denominator else "reverse_split"
        items.append(UpcomingAction(kind=kind, at=split.activates_at,
                                    summary=f"{split.numerator}-for-{split.denominator} {kind.replace('_', ' ')}"))
    for d in dividends:
        items.append(UpcomingAction(kind="dividend_claims_close", at=d.claim_deadline,
                                    summary=f"claims of distribution {d.id} (record block {d.record_block}) close"))
    if conversion is not None and conversion.state == "open":
        if conversion.effective_at > now:
            items.append(UpcomingAction(kind="conversion_effective", at=conversion.effective_at,
                                        summary=f"{conversion.kind} conversion {conversion.id} becomes effective"))
        items.append(UpcomingAction(kind="conversion_expires", at=conversion.expires_at,
                                    summary=f"{conversion.kind} conversion {conversion.id} stops converting"))
    return sorted((i for i in items if i.at >= now), key=lambda i: i.at)


async def corporate_actions(rpc: Rpc, asset: str, now: int, *, distributor: str | None = None,
                            conversion_vault: str | None = None) -> CorporateActions:
    """Everything scheduled or open for `asset` at chain time `now`."""
    asset = to_checksum_address(asset)
    view = await multiplier_view(rpc, asset, now)
    dividends = await open_dividends(rpc, distributor, asset, now) if distributor else []
    conversion = await conversion_view(rpc, conversion_vault, asset) if conversion_vault else None
    return CorporateActions(asset=asset, chain_time=now, multiplier=view, dividends=dividends, conversion=conversion,
                            upcoming=upcoming(view, dividends, conversion, now))
