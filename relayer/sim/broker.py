"""Simulated brokerage speaking a subset of the Alpaca Trading API v2: `POST /v2/orders`,
`GET /v2/orders:by_client_order_id`, `GET /v2/orders/{id}`, `GET /v2/clock`, plus market data
`GET /v2/stocks/{symbol}/trades/latest`.

Behaviour: orders outside market hours are accepted and wait for the open; limit orders fill only when the
simulated price satisfies the limit, otherwise they expire after `order_ttl`; fills arrive in `fill_chunks`
partial fills `fill_interval` seconds apart; a repeated client_order_id is refused with 422 as Alpaca does;
unknown symbols and orders above `max_qty` are rejected. State is derived from time on every read, so the
service needs no background task."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from aiohttp import web
from pydantic import BaseModel, Field

from relayer.market_hours import MarketHours, market_hours
from relayer.sim.faults import FaultSwitch


class BrokerConfig(BaseModel):
    prices: dict[str, Decimal] = Field(default_factory=lambda: {"AAPL": Decimal("190.00")})
    calendar: str = "always-open"
    latency: float = 0.0
    fill_chunks: int = Field(default=1, ge=1)
    fill_interval: float = Field(default=0.0, ge=0)
    order_ttl: float = Field(default=30.0, gt=0)
    max_qty: Decimal = Decimal("100000")
    api_key_id: str | None = None


@dataclass
class SimOrder:
    id: str
    client_order_id: str
    symbol: str
    side: str
    qty: Decimal
    limit_price: Decimal
    created: float
    status: str = "new"
    reject_reason: str | None = None
    fill_price: Decimal | None = None
    open_at: float = field(default=0.0)


class SimBroker:
    def __init__(self, config: BrokerConfig, hours: MarketHours | None = None) -> None:
        self.config = config
        self.hours = hours or market_hours(config.calendar)
        self.orders: dict[str, SimOrder] = {}
        self.by_id: dict[str, str] = {}
        self.placements = 0
        self.faults = FaultSwitch()

    def _now(self) -> float:
        return time.time()

    def _view(self, order: SimOrder) -> dict:
        now = self._now()
        status, filled = order.status, Decimal(0)
        if status == "new":
            start = max(order.created, order.open_at)
            price = self.config.prices[order.symbol]
            marketable = order.limit_price >= price if order.side == "buy" else order.limit_price <= price
            if now < start:
                status = "accepted"
            elif not marketable:
                status = "expired" if now - start >= self.config.order_ttl else "new"
            else:
                interval = self.config.fill_interval
                chunks = self.config.fill_chunks
                done = chunks if interval == 0 else min(chunks, int((now - start) / interval) + 1)
                filled = (order.qty * done / chunks).quantize(Decimal("0.000000001"), rounding=ROUND_DOWN)
                status = "filled" if done == chunks else "partially_filled"
                if done == chunks:
                    filled = order.qty
                order.fill_price = order.fill_price or price
        return {
            "id": order.id,
            "client_order_id": order.client_order_id,
            "symbol": order.symbol,
            "side": order.side,
            "type": "limit",
            "time_in_force": "day",
            "qty": str(order.qty),
            "limit_price": str(order.limit_price),
            "filled_qty": str(filled),
            "filled_avg_price": str(order.fill_price) if filled > 0 else None,
            "status": status,
            "reject_reason": order.reject_reason,
            "created_at": datetime.fromtimestamp(order.created, timezone.utc).isoformat(),
        }

    async def place(self, request: web.Request) -> web.Response:
        if self.config.api_key_id and request.headers.get("APCA-API-KEY-ID") != self.config.api_key_id:
            return web.json_response({"code": 40110000, "message": "request is not authorized"}, status=401)
        try:
            body = await request.json()
            client_order_id = str(body["client_order_id"])
            symbol, side = str(body["symbol"]), str(body["side"])
            qty, limit_price = Decimal(body["qty"]), Decimal(body["limit_price"])
        except (KeyError, ValueError, InvalidOperation, TypeError) as exc:
            return web.json_response({"code": 42210000, "message": f"invalid order: {exc}"}, status=422)
        self.placements += 1
        if client_order_id in self.orders:
            return web.json_response({"code": 40010001, "message": "client_order_id must be unique"}, status=422)
        if side not in ("buy", "sell") or qty <= 0 or limit_price <= 0:
            return web.json_response({"code": 42210000, "message": "invalid side, qty or limit_price"}, status=422)
        now = self._now()
        order = SimOrder(str(uuid.uuid4()), client_order_id, symbol, side, qty, limit_price, now)
        if symbol not in self.config.prices:
            order.status, order.reject_reason = "rejected", f"asset {symbol} is not tradable"
        elif qty > self.config.max_qty:
            order.status, order.reject_reason = "rejected", "insufficient buying power"
        elif not self.hours.is_open(datetime.fromtimestamp(now, timezone.utc)):
            order.open_at = self.hours.next_open(datetime.fromtimestamp(now, timezone.utc)).timestamp()
        self.orders[client_order_id] = order
        self.by_id[order.id] = client_order_id
        return web.json_response(self._view(order))

    async def by_client_order_id(self, request: web.Request) -> web.Response:
        order = self.orders.get(request.query.get("client_order_id", ""))
        if order is None:
            return web.json_response({"code": 40410000, "message": "order not found"}, status=404)
        return web.json_response(self._view(order))

    async def by_id_route(self, request: web.Request) -> web.Response:
        client_order_id = self.by_id.get(request.match_info["order_id"])
        if client_order_id is None:
            return web.json_response({"code": 40410000, "message": "order not found"}, status=404)
        return web.json_response(self._view(self.orders[client_order_id]))

    async def clock(self, request: web.Request) -> web.Response:
        now = datetime.now(timezone.utc)
        return web.json_response(
            {
                "timestamp": now.isoformat(),
                "is_open": self.hours.is_open(now),
                "next_open": self.hours.next_open(now).isoformat(),
            }
        )

    async def latest_trade(self, request: web.Request) -> web.Response:
        symbol = request.match_info["symbol"]
        if symbol not in self.config.prices:
            return web.json_response({"message": f"unknown symbol {symbol}"}, status=404)
        return web.json_response(
            {"symbol": symbol, "trade": {"p": float(self.config.prices[symbol]), "s": 100,
                                         "t": datetime.now(timezone.utc).isoformat()}}
        )

    async def state(self, request: web.Request) -> web.Response:
        return web.json_response({"orders": len(self.orders), "placements": self.placements})

    async def reset(self, request: web.Request) -> web.Response:
        """Forgets every order (tests that revert the chain reuse request ids, i.e. client order ids)."""
        self.orders.clear()
        self.by_id.clear()
        return web.json_response({"orders": 0})

    async def set_price(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.config.prices[body["symbol"]] = Decimal(str(body["price"]))
        return web.json_response({"symbol": body["symbol"], "price": str(self.config.prices[body["symbol"]])})

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.faults.middleware(self.config.latency)])
        app.add_routes(
            [
                web.post("/v2/orders", self.place),
                web.get("/v2/orders:by_client_order_id", self.by_client_order_id),
                web.get("/v2/orders/{order_id}", self.by_id_route),
                web.get("/v2/clock", self.clock),
                web.get("/v2/stocks/{symbol}/trades/latest", self.latest_trade),
                web.get("/_sim/state", self.state),
                web.post("/_sim/price", self.set_price),
                web.post("/_sim/reset", self.reset),
                *self.faults.routes(),
            ]
        )
        return app
