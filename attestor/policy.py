"""The decision: sign a Fill only when this attestor's own sources back every number in it.

In order: the request exists and is pending at this attestor's confirmation depth (and still pending at the
head); its asset is one this attestor serves; the deadline is in the future and no later than the request's and
`max_attestation_ttl`; the vendor has final evidence for this very request whose reference hash is the Fill's;
the Fill's token units are no more than the evidence's shares are worth through the token's multiplier; for the
brokerage role, the price is no better for the investor than the execution; the fill is within the per-fill
limit. The per-day limit and "never a different fill" are decided atomically with the durable record (ledger)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from eth_utils import to_checksum_address

from attestor.chain import ChainView, ConfirmedRequest
from attestor.config import AttestorConfig
from attestor.evidence import BrokerEvidence, CustodyEvidence, NoEvidence
from attestor.ledger import Entry
from rat.attestations import Fill
from rat.protocol import RequestKind, RequestStatus
from rat.shares import to_shares, to_tokens

SHARE = 10**18


class Refusal(Exception):
    """A fill this attestor will not sign: an HTTP status (4xx; 503 when a source is unreachable), a stable
    problem slug and a sentence saying why."""

    def __init__(self, status: int, slug: str, detail: str, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.status, self.slug, self.detail, self.retry_after = status, slug, detail, retry_after


@dataclass(frozen=True)
class Approved:
    request: ConfirmedRequest
    entry: Entry
    daily_limit: int  # share units


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


class Policy:
    def __init__(self, config: AttestorConfig, chain: ChainView, vendor: BrokerEvidence | CustodyEvidence) -> None:
        self.config = config
        self.chain = chain
        self.vendor = vendor

    async def review(self, fill: Fill, trace_id: str) -> Approved:
        request_id = _hex(fill.request_id)
        head = await self.chain.head()
        confirmed_at = head.number - self.config.confirmations
        if confirmed_at < 0:
            raise Refusal(409, "request-not-confirmed", "the chain is shorter than the confirmation depth", 1)
        status, latest, request = await self.chain.request(request_id, confirmed_at)
        if request is None:
            if latest == RequestStatus.NONE:
                raise Refusal(404, "request-not-found", f"no request {request_id} on the Minter")
            raise Refusal(409, "request-not-confirmed",
                          f"request {request_id} is not yet {self.config.confirmations} blocks deep", 2)
        if status != RequestStatus.PENDING or latest != RequestStatus.PENDING:
            closed = latest if latest != RequestStatus.PENDING else status
            raise Refusal(409, "request-closed", f"request {request_id} is {closed.name.lower()}, not pending")
        limits = self.config.assets.get(request.asset)
        if limits is None:
            raise Refusal(403, "asset-not-served", f"this attestor does not attest {request.asset}")
        self._check_deadline(fill, request, head.timestamp)
        try:
            evidence = await self.vendor.for_request(request_id, request.kind, trace_id)
        except NoEvidence as exc:
            raise Refusal(409, "no-vendor-evidence", str(exc)) from None
        ref = fill.broker_order_ref if self.config.role == "brokerage" else fill.custody_ref
        if ref != evidence.ref_hash:
            field = "broker_order_ref" if self.config.role == "brokerage" else "custody_ref"
            raise Refusal(409, "evidence-mismatch",
                          f"{field} is not the hash of the vendor's reference {evidence.reference} for this request")
        multiplier = await self.chain.multiplier(request.asset)
        backed = to_tokens(int(evidence.quantity * SHARE), multiplier)
        if fill.shares == 0 or fill.shares > backed:
            raise Refusal(403, "quantity-exceeds-evidence",
                          f"fill is {fill.shares} token units; the {self.config.role} vendor backs {backed} "
                          f"({evidence.quantity} shares)")
        if self.config.role == "brokerage":
            await self._check_price(fill, request, evidence.avg_price, multiplier)
        share_units = to_shares(fill.shares, multiplier)
        if share_units > limits.max_fill_shares * SHARE:
            raise Refusal(403, "over-fill-limit",
                          f"fill is {Decimal(share_units) / SHARE} shares, limit {limits.max_fill_shares} per fill")
        terms = json.dumps({
            "chain_id": self.config.chain_id, "minter": self.config.minter, "request_id": request_id,
            "asset": request.asset, "account": request.account, "kind": request.kind.name.lower(),
            "shares": str(fill.shares), "price": str(fill.price), "fees": str(fill.fees),
            "broker_order_ref": _hex(fill.broker_order_ref), "custody_ref": _hex(fill.custody_ref),
        }, sort_keys=True)
        entry = Entry(request_id=request_id, terms=terms, asset=to_checksum_address(request.asset),
                      day=datetime.fromtimestamp(head.timestamp, timezone.utc).date().isoformat(),
                      share_units=share_units, broker_order_ref=_hex(fill.broker_order_ref),
                      custody_ref=_hex(fill.custody_ref), deadline=fill.deadline)
        return Approved(request, entry, int(limits.max_daily_shares * SHARE))

    def _check_deadline(self, fill: Fill, request: ConfirmedRequest, now: int) -> None:
        latest = min(request.deadline, now + self.config.max_attestation_ttl)
        if fill.deadline <= now:
            raise Refusal(422, "deadline-passed", f"deadline {fill.deadline} is not after the chain's time {now}")
        if fill.deadline > latest:
            raise Refusal(422, "deadline-too-late",
                          f"deadline {fill.deadline} is after {latest} (the request's deadline or "
                          f"{self.config.max_attestation_ttl} s from now)")

    async def _check_price(self, fill: Fill, request: ConfirmedRequest, avg: Decimal | None,
                           multiplier: int) -> None:
        """The relayer prices a fill per token: the broker's average per share through the multiplier, rounded
        against the investor and bounded by the request's limit. A price better for the investor than that (lower
        on a mint, higher on a burn) beyond `price_tolerance_units` is refused."""
        assert avg is not None
        unit = Decimal(10) ** await self.chain.payment_decimals(request.payment_token)
        per_token = avg * unit * multiplier / SHARE
        tolerance = self.config.price_tolerance_units
        if request.kind == RequestKind.MINT:
            floor = min(int(per_token.to_integral_value(ROUND_CEILING)), request.limit_price)
            if fill.price + tolerance < floor:
                raise Refusal(403, "price-better-than-execution",
                              f"mint price {fill.price} is below the execution's {floor} per token")
        else:
            ceiling = max(int(per_token.to_integral_value(ROUND_FLOOR)), request.limit_price)
            if fill.price > ceiling + tolerance:
                raise Refusal(403, "price-better-than-execution",
                              f"burn price {fill.price} is above the execution's {ceiling} per token")
