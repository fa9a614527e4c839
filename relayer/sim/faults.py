"""The fault switch shared by the simulated services: `POST /_sim/faults` makes the next N requests (or all,
until cleared) fail with an HTTP status, hang past any client timeout, or answer slowly."""

from __future__ import annotations

import asyncio
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field, ValidationError


class Fault(BaseModel):
    mode: Literal["none", "error", "timeout", "slow", "short"] = "none"
    status: int = Field(default=503, ge=400, le=599)
    delay: float = Field(default=2.0, ge=0)
    count: int | None = Field(default=None, ge=1, description="requests affected; None = until cleared")
    quantity: str = Field(default="0", description="'short' mode: shares the custodian falls short by")


class FaultSwitch:
    def __init__(self) -> None:
        self.fault = Fault()
        self.hits = 0

    def take(self) -> Fault | None:
        if self.fault.mode == "none":
            return None
        fault = self.fault
        if fault.count is not None:
            remaining = fault.count - 1
            self.fault = fault.model_copy(update={"count": remaining}) if remaining else Fault()
        self.hits += 1
        return fault

    def routes(self) -> list[web.RouteDef]:
        async def set_fault(request: web.Request) -> web.Response:
            try:
                self.fault = Fault(**await request.json())
            except (ValidationError, ValueError) as exc:
                return web.json_response({"message": f"bad fault: {exc}"}, status=422)
            return web.json_response(self.fault.model_dump())

        async def get_fault(request: web.Request) -> web.Response:
            return web.json_response({**self.fault.model_dump(), "hits": self.hits})

        return [web.post("/_sim/faults", set_fault), web.get("/_sim/faults", get_fault)]

    def middleware(self, latency: float):
        @web.middleware
        async def apply(request: web.Request, handler):
            if request.path.startswith("/_sim/"):
                return await handler(request)
            if latency:
                await asyncio.sleep(latency)
            fault = None if self.fault.mode == "short" else self.take()
            if fault is not None:
                if fault.mode == "error":
                    return web.json_response({"message": f"simulated fault {fault.status}"}, status=fault.status)
                if fault.mode == "timeout":
                    await asyncio.sleep(3600)
                if fault.mode == "slow":
                    await asyncio.sleep(fault.delay)
            return await handler(request)

        return apply
