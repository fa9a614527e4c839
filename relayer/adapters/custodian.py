"""Client of the custodian's settlement API (the simulated custodian in relayer/sim speaks it).

`POST /v1/settlements` with an `Idempotency-Key` header (the request id) instructs the custodian to receive or
deliver shares in the SPV account; `GET /v1/settlements/{request_id}` reads it back; `GET /v1/positions/{symbol}`
is the account's holding, which the circuit breaker compares with on-chain supply."""

from __future__ import annotations

import os
from decimal import Decimal

from relayer.adapters.base import Settlement, SettlementRequest
from relayer.adapters.http import VendorClient, error_text
from relayer.errors import AdapterError


class HttpCustodian:
    def __init__(self, base_url: str, token_env: str = "RAT_CUSTODIAN_TOKEN", timeout: float = 10.0) -> None:
        token = os.environ.get(token_env, "")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = VendorClient("custodian", base_url, headers, timeout)

    async def settle(self, request: SettlementRequest) -> Settlement:
        response = await self._http.request(
            "POST",
            "/v1/settlements",
            request.trace_id,
            headers={"Idempotency-Key": request.request_id},
            json={
                "request_id": request.request_id,
                "symbol": request.symbol,
                "direction": request.direction.value,
                "quantity": str(request.quantity),
                "broker_order_id": request.broker_order_id,
            },
        )
        if response.status_code not in (200, 201):
            raise AdapterError(
                f"custodian: settlement refused, HTTP {response.status_code}: {error_text(response)}", retryable=False
            )
        return Settlement(**response.json())

    async def get_settlement(self, request_id: str, trace_id: str) -> Settlement:
        response = await self._http.request("GET", f"/v1/settlements/{request_id}", trace_id)
        if response.status_code != 200:
            raise AdapterError(f"custodian: settlement {request_id} HTTP {response.status_code}", retryable=False)
        return Settlement(**response.json())

    async def position(self, symbol: str, trace_id: str) -> Decimal:
        response = await self._http.request("GET", f"/v1/positions/{symbol}", trace_id)
        if response.status_code != 200:
            raise AdapterError(f"custodian: position {symbol} HTTP {response.status_code}", retryable=False)
        return Decimal(response.json()["quantity"])

    async def aclose(self) -> None:
        await self._http.aclose()
