"""Alpaca Trading API v2 (https://docs.alpaca.markets/reference/postorder), the first real-broker adapter.

Wire format: orders are JSON with decimal strings (`qty`, `limit_price`, `filled_qty`, `filled_avg_price`);
authentication is the `APCA-API-KEY-ID` / `APCA-API-SECRET-KEY` header pair; a repeated `client_order_id` is
refused with HTTP 422, which we resolve by reading the existing order (`GET /v2/orders:by_client_order_id`),
so placing is idempotent on the Minter request id."""

from __future__ import annotations

import os
from decimal import Decimal

from relayer.adapters.base import OrderRequest, OrderState, OrderStatus, Side
from relayer.adapters.http import VendorClient, error_text
from relayer.errors import AdapterError, ConfigError, OrderRejected

_OPEN = {
    "new", "accepted", "pending_new", "partially_filled", "accepted_for_bidding", "pending_replace",
    "pending_cancel", "calculated", "held", "done_for_day",
}
_DONE = {"canceled", "expired", "replaced", "stopped", "suspended"}


def _status(raw: str) -> OrderStatus:
    if raw == "filled":
        return OrderStatus.FILLED
    if raw == "rejected":
        return OrderStatus.REJECTED
    if raw in _DONE:
        return OrderStatus.DONE
    if raw in _OPEN:
        return OrderStatus.OPEN
    raise AdapterError(f"alpaca: unknown order status {raw!r}", retryable=False)


def _order(body: dict) -> OrderState:
    avg = body.get("filled_avg_price")
    return OrderState(
        broker_order_id=body["id"],
        client_order_id=body["client_order_id"],
        status=_status(body["status"]),
        qty=Decimal(body.get("qty") or "0"),
        filled_qty=Decimal(body.get("filled_qty") or "0"),
        filled_avg_price=Decimal(avg) if avg not in (None, "") else None,
        reason=body.get("reject_reason") or None,
        side=Side(body["side"]) if body.get("side") in ("buy", "sell") else None,
    )


def _credentials(key_id_env: str, secret_env: str) -> dict[str, str]:
    key_id, secret = os.environ.get(key_id_env), os.environ.get(secret_env)
    if not key_id or not secret:
        raise ConfigError(
            f"alpaca: credentials missing ({key_id_env} / {secret_env} not set)",
            hint=f"export {key_id_env} and {secret_env}; credentials never go in the config file",
        )
    return {"APCA-API-KEY-ID": key_id, "APCA-API-SECRET-KEY": secret}


class AlpacaBrokerage:
    def __init__(
        self,
        base_url: str = "https://paper-api.alpaca.markets",
        key_id_env: str = "APCA_API_KEY_ID",
        secret_env: str = "APCA_API_SECRET_KEY",
        timeout: float = 10.0,
        time_in_force: str = "day",
    ) -> None:
        self.time_in_force = time_in_force
        self._http = VendorClient("alpaca", base_url, _credentials(key_id_env, secret_env), timeout)

    async def place_order(self, order: OrderRequest) -> OrderState:
        body = {
            "symbol": order.symbol,
            "qty": str(order.qty),
            "side": order.side.value,
            "type": "limit",
            "time_in_force": self.time_in_force,
            "limit_price": str(order.limit_price),
            "client_order_id": order.client_order_id,
        }
        response = await self._http.request("POST", "/v2/orders", order.trace_id, json=body)
        if response.status_code == 200:
            return _order(response.json())
        message = error_text(response)
        if response.status_code == 422 and "client_order_id" in message:
            return await self.get_order(order.client_order_id, order.trace_id)
        if response.status_code in (401, 403) and "buying power" not in message:
            raise AdapterError(f"alpaca: authentication failed ({message})", retryable=False,
                               hint="check the Alpaca key id and secret")
        if response.status_code in (403, 422):
            raise OrderRejected(f"alpaca: {message}")
        raise AdapterError(f"alpaca: POST /v2/orders answered HTTP {response.status_code}: {message}", retryable=False)

    async def get_order(self, client_order_id: str, trace_id: str) -> OrderState:
        response = await self._http.request(
            "GET", "/v2/orders:by_client_order_id", trace_id, params={"client_order_id": client_order_id}
        )
        if response.status_code == 404:
            raise AdapterError(f"alpaca: no order with client_order_id {client_order_id}", retryable=False)
        if response.status_code != 200:
            raise AdapterError(f"alpaca: order lookup answered HTTP {response.status_code}: {error_text(response)}",
                               retryable=False)
        return _order(response.json())

    async def clock(self, trace_id: str) -> dict:
        response = await self._http.request("GET", "/v2/clock", trace_id)
        return response.json()

    async def aclose(self) -> None:
        await self._http.aclose()


class AlpacaPriceOracle:
    """Latest trade price from Alpaca Market Data v2 (`GET /v2/stocks/{symbol}/trades/latest`)."""

    def __init__(
        self,
        base_url: str = "https://data.alpaca.markets",
        key_id_env: str = "APCA_API_KEY_ID",
        secret_env: str = "APCA_API_SECRET_KEY",
        timeout: float = 10.0,
    ) -> None:
        self._http = VendorClient("alpaca-data", base_url, _credentials(key_id_env, secret_env), timeout)

    async def price(self, symbol: str, trace_id: str) -> Decimal:
        response = await self._http.request("GET", f"/v2/stocks/{symbol}/trades/latest", trace_id)
        if response.status_code != 200:
            raise AdapterError(f"alpaca-data: {symbol} price answered HTTP {response.status_code}", retryable=False)
        return Decimal(str(response.json()["trade"]["p"]))

    async def aclose(self) -> None:
        await self._http.aclose()
