"""Simulated custodian of the SPV's securities account.

`POST /v1/settlements` (Idempotency-Key = request id) books shares in (`receive`) or out (`deliver`); a
settlement is `pending` for `settle_delay` seconds, then `settled` with a lot id. A repeated key returns the
first settlement, whatever the body. The `short` fault books fewer shares than instructed, the way a failed
or partial DTC delivery looks to the relayer."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from aiohttp import web
from pydantic import BaseModel, Field

from relayer.sim.faults import FaultSwitch


class CustodianConfig(BaseModel):
    positions: dict[str, Decimal] = Field(default_factory=dict)
    account: str = "SPV-RAT-0001"
    latency: float = 0.0
    settle_delay: float = Field(default=0.0, ge=0)


@dataclass
class SimSettlement:
    request_id: str
    settlement_id: str
    symbol: str
    direction: str
    quantity: Decimal
    settled_quantity: Decimal
    lot_id: str
    created: float
    applied: bool = False


class SimCustodian:
    def __init__(self, config: CustodianConfig) -> None:
        self.config = config
        self.positions: dict[str, Decimal] = dict(config.positions)
        self.settlements: dict[str, SimSettlement] = {}
        # Not yet booked into the position, oldest first: with one settle delay they come due in this order, so a
        # position read books only what came due since the last one (not every settlement ever made).
        self._unbooked: deque[SimSettlement] = deque()
        self.instructions = 0
        self.faults = FaultSwitch()

    def _view(self, s: SimSettlement) -> dict:
        settled = time.time() - s.created >= self.config.settle_delay
        if settled and not s.applied:
            sign = 1 if s.direction == "receive" else -1
            self.positions[s.symbol] = self.positions.get(s.symbol, Decimal(0)) + sign * s.settled_quantity
            s.applied = True
        return {
            "request_id": s.request_id,
            "settlement_id": s.settlement_id,
            "direction": s.direction,
            "status": "settled" if settled else "pending",
            "quantity": str(s.quantity),
            "settled_quantity": str(s.settled_quantity) if settled else "0",
            "lot_id": s.lot_id if settled else None,
            "account": self.config.account,
        }

    async def settle(self, request: web.Request) -> web.Response:
        key = request.headers.get("Idempotency-Key")
        if not key:
            return web.json_response({"message": "Idempotency-Key header is required"}, status=400)
        self.instructions += 1
        if key in self.settlements:
            return web.json_response(self._view(self.settlements[key]))
        try:
            body = await request.json()
            symbol, direction, quantity = str(body["symbol"]), str(body["direction"]), Decimal(body["quantity"])
        except (KeyError, ValueError, InvalidOperation, TypeError) as exc:
            return web.json_response({"message": f"invalid settlement: {exc}"}, status=422)
        if direction not in ("receive", "deliver") or quantity <= 0:
            return web.json_response({"message": "direction must be receive|deliver, quantity > 0"}, status=422)
        if direction == "deliver" and self.positions.get(symbol, Decimal(0)) < quantity:
            return web.json_response({"message": f"insufficient {symbol} in account"}, status=409)
        settled = quantity
        fault = self.faults.fault
        if fault.mode == "short":
            self.faults.take()
            settled = max(Decimal(0), quantity - Decimal(fault.quantity))
        n = len(self.settlements) + 1
        s = SimSettlement(key, f"STL-{n:06d}", symbol, direction, quantity, settled, f"LOT-{symbol}-{n:06d}",
                          time.time())
        self.settlements[key] = s
        self._unbooked.append(s)
        return web.json_response(self._view(s), status=201)

    async def get_settlement(self, request: web.Request) -> web.Response:
        s = self.settlements.get(request.match_info["request_id"])
        if s is None:
            return web.json_response({"message": "settlement not found"}, status=404)
        return web.json_response(self._view(s))

    async def position(self, request: web.Request) -> web.Response:
        now = time.time()
        while self._unbooked and (self._unbooked[0].applied
                                  or now - self._unbooked[0].created >= self.config.settle_delay):
            self._view(self._unbooked.popleft())
        symbol = request.match_info["symbol"]
        return web.json_response({"symbol": symbol, "quantity": str(self.positions.get(symbol, Decimal(0))),
                                  "account": self.config.account})

    async def set_position(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.positions[body["symbol"]] = Decimal(str(body["quantity"]))
        return web.json_response({"symbol": body["symbol"], "quantity": str(self.positions[body["symbol"]])})

    async def reset(self, request: web.Request) -> web.Response:
        """Back to the configured positions with no settlements (tests that revert the chain reuse request ids)."""
        self.positions = dict(self.config.positions)
        self.settlements.clear()
        self._unbooked.clear()
        self.faults.fault = type(self.faults.fault)()
        return web.json_response({"settlements": 0})

    async def state(self, request: web.Request) -> web.Response:
        return web.json_response({"settlements": len(self.settlements), "instructions": self.instructions})

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.faults.middleware(self.config.latency)])
        app.add_routes(
            [
                web.post("/v1/settlements", self.settle),
                web.get("/v1/settlements/{request_id}", self.get_settlement),
                web.get("/v1/positions/{symbol}", self.position),
                web.post("/_sim/positions", self.set_position),
                web.get("/_sim/state", self.state),
                web.post("/_sim/reset", self.reset),
                *self.faults.routes(),
            ]
        )
        return app
