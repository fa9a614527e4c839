"""What the attestor's own vendor says about a request: the broker's execution report (brokerage role) or the
custodian's settlement, i.e. the position delta booked for it (custody role). Both are looked up by the request
id, which is the broker's client order id and the custodian's idempotency key, never by anything the relayer
says."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from eth_utils import keccak

from rat.protocol import RequestKind
from relayer.adapters.base import Direction, OrderStatus, Side, load_adapter
from relayer.errors import AdapterError


@dataclass(frozen=True)
class Evidence:
    reference: str  # the vendor's id for the order or settlement; its keccak must be the Fill's ref field
    quantity: Decimal  # shares executed (broker) or booked (custodian)
    avg_price: Decimal | None  # USD per share, broker only

    @property
    def ref_hash(self) -> bytes:
        return keccak(text=self.reference)


class NoEvidence(Exception):
    """The vendor has nothing (or nothing final) that backs this request."""


class BrokerEvidence:
    def __init__(self, adapter) -> None:
        self.adapter = adapter

    async def for_request(self, request_id: str, kind: RequestKind, trace_id: str) -> Evidence:
        try:
            order = await self.adapter.get_order(request_id, trace_id)
        except AdapterError as exc:
            if exc.retryable:
                raise
            raise NoEvidence(f"the broker has no order for this request ({exc})") from None
        expected = Side.BUY if kind == RequestKind.MINT else Side.SELL
        if order.side != expected:
            raise NoEvidence(f"the broker's order is a {order.side} order, this request needs a {expected} order")
        if order.status not in (OrderStatus.FILLED, OrderStatus.DONE):
            raise NoEvidence(f"the broker's order is {order.status.value}, not final")
        if order.filled_qty <= 0 or order.filled_avg_price is None:
            raise NoEvidence("the broker executed nothing for this request")
        return Evidence(order.broker_order_id, order.filled_qty, order.filled_avg_price)

    async def probe(self) -> str:
        if hasattr(self.adapter, "clock"):
            clock = await self.adapter.clock("doctor")
            return f"market {'open' if clock.get('is_open') else 'closed'}"
        return "adapter loaded"

    async def aclose(self) -> None:
        await self.adapter.aclose()


class CustodyEvidence:
    def __init__(self, adapter, symbol_for_probe: str) -> None:
        self.adapter = adapter
        self._symbol = symbol_for_probe

    async def for_request(self, request_id: str, kind: RequestKind, trace_id: str) -> Evidence:
        try:
            settlement = await self.adapter.get_settlement(request_id, trace_id)
        except AdapterError as exc:
            if exc.retryable:
                raise
            raise NoEvidence(f"the custodian has no settlement for this request ({exc})") from None
        expected = Direction.RECEIVE if kind == RequestKind.MINT else Direction.DELIVER
        if settlement.direction != expected:
            raise NoEvidence(f"the custodian's settlement is {settlement.direction}, this request needs {expected}")
        if settlement.status != "settled":
            raise NoEvidence(f"the custodian's settlement is {settlement.status}, not settled")
        if settlement.settled_quantity <= 0:
            raise NoEvidence("custody shows no shares moved for this request")
        return Evidence(settlement.settlement_id, settlement.settled_quantity, None)

    async def probe(self) -> str:
        return f"{self._symbol} position {await self.adapter.position(self._symbol, 'doctor')}"

    async def aclose(self) -> None:
        await self.adapter.aclose()


def vendor_for(role: str, adapter: str, options: dict, probe_symbol: str) -> BrokerEvidence | CustodyEvidence:
    if role == "brokerage":
        return BrokerEvidence(load_adapter("brokerage", adapter, options))
    return CustodyEvidence(load_adapter("custody", adapter, options), probe_symbol)
