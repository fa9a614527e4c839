"""The adapter interfaces the saga engine talks to, and the pydantic models that cross them.

Quantities are `Decimal` shares and prices `Decimal` USD per share, as vendors quote them; conversion to token
units happens in the saga, in one place. Every call carries the saga's trace id so vendor logs can be joined
with ours. Adapters raise `AdapterError(retryable=...)` for vendor trouble and `OrderRejected` for a final no.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from relayer.errors import ConfigError


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderStatus(StrEnum):
    OPEN = "open"  # accepted, nothing or part filled, still working
    FILLED = "filled"  # completely filled
    DONE = "done"  # no longer working (cancelled, expired) with whatever was filled so far
    REJECTED = "rejected"  # refused by the broker; nothing filled


class OrderRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    client_order_id: str = Field(min_length=1, max_length=128, description="the Minter request id")
    symbol: str = Field(min_length=1)
    side: Side
    qty: Decimal = Field(gt=0)
    limit_price: Decimal = Field(gt=0)
    trace_id: str


class OrderState(BaseModel):
    model_config = ConfigDict(frozen=True)

    broker_order_id: str
    client_order_id: str
    status: OrderStatus
    qty: Decimal
    filled_qty: Decimal = Decimal(0)
    filled_avg_price: Decimal | None = None
    reason: str | None = None
    side: Side | None = None  # as the broker reports it (the brokerage attestor checks it against the request)


class Direction(StrEnum):
    RECEIVE = "receive"  # shares bought for a mint arrive in the SPV account
    DELIVER = "deliver"  # shares sold for a burn leave the SPV account


class SettlementRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    request_id: str = Field(description="idempotency key")
    symbol: str
    direction: Direction
    quantity: Decimal = Field(gt=0)
    broker_order_id: str
    trace_id: str


class Settlement(BaseModel):
    model_config = ConfigDict(frozen=True)

    request_id: str
    settlement_id: str
    status: str  # pending | settled | failed
    quantity: Decimal
    settled_quantity: Decimal
    lot_id: str | None = None
    account: str
    direction: Direction | None = None  # as the custodian reports it (the custody attestor checks it)


@runtime_checkable
class BrokerageAdapter(Protocol):
    async def place_order(self, order: OrderRequest) -> OrderState:
        """Idempotent on `client_order_id`: placing twice returns the first order."""
        ...

    async def get_order(self, client_order_id: str, trace_id: str) -> OrderState: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class CustodyAdapter(Protocol):
    async def settle(self, request: SettlementRequest) -> Settlement:
        """Idempotent on `request_id`."""
        ...

    async def get_settlement(self, request_id: str, trace_id: str) -> Settlement: ...

    async def position(self, symbol: str, trace_id: str) -> Decimal:
        """Shares of `symbol` held in the SPV account."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class PriceOracleAdapter(Protocol):
    async def price(self, symbol: str, trace_id: str) -> Decimal: ...

    async def aclose(self) -> None: ...


ENTRY_POINT_GROUPS = {
    "brokerage": "rat_relayer.brokerage",
    "custody": "rat_relayer.custody",
    "oracle": "rat_relayer.oracle",
}

# Built-ins resolve without installed metadata so a source checkout works; entry points add third-party ones.
BUILTIN = {
    "brokerage": {"alpaca": "relayer.adapters.alpaca:AlpacaBrokerage"},
    "custody": {"sim-custodian": "relayer.adapters.custodian:HttpCustodian"},
    "oracle": {"alpaca": "relayer.adapters.alpaca:AlpacaPriceOracle"},
}


def load_adapter(kind: str, name: str, options: dict[str, Any]) -> Any:
    """Instantiates adapter `name` of `kind` (brokerage | custody | oracle) with its config options."""
    if kind not in ENTRY_POINT_GROUPS:
        raise ConfigError(f"unknown adapter kind {kind!r}")
    target = BUILTIN[kind].get(name)
    if target is None:
        found = [ep for ep in entry_points(group=ENTRY_POINT_GROUPS[kind]) if ep.name == name]
        if not found:
            known = sorted(set(BUILTIN[kind]) | {ep.name for ep in entry_points(group=ENTRY_POINT_GROUPS[kind])})
            raise ConfigError(f"no {kind} adapter named {name!r}", hint=f"choose one of: {', '.join(known)}")
        factory = found[0].load()
    else:
        module, attr = target.split(":")
        import importlib

        factory = getattr(importlib.import_module(module), attr)
    try:
        return factory(**options)
    except TypeError as exc:
        raise ConfigError(f"{kind} adapter {name!r}: bad options ({exc})") from None
