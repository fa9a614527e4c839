"""A small async JSON-RPC client for the calls the relayer makes. It keeps the node's error text (the sender must
recognise "already known" and "nonce too low") and classifies transport failures as `RpcUnavailable`."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from relayer.errors import RpcError, RpcUnavailable


def to_int(value: str | int) -> int:
    return value if isinstance(value, int) else int(value, 16)


class Rpc:
    def __init__(self, url: str, timeout: float = 10.0, client: httpx.AsyncClient | None = None) -> None:
        self.url = url
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._ids = itertools.count(1)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def call(self, method: str, *params: Any) -> Any:
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        try:
            response = await self._client.post(self.url, json=body)
        except httpx.TransportError as exc:
            raise RpcUnavailable(f"{method}: node unreachable at {self.url} ({exc.__class__.__name__})") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise RpcUnavailable(f"{method}: node answered HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError:
            raise RpcUnavailable(f"{method}: node answered non-JSON (HTTP {response.status_code})") from None
        if "error" in payload and payload["error"]:
            error = payload["error"]
            raise RpcError(f"{method}: {error.get('message', error)}", code=error.get("code"))
        return payload.get("result")

    async def chain_id(self) -> int:
        return to_int(await self.call("eth_chainId"))

    async def block_number(self) -> int:
        return to_int(await self.call("eth_blockNumber"))

    async def block(self, tag: int | str) -> dict[str, Any] | None:
        ref = hex(tag) if isinstance(tag, int) else tag
        return await self.call("eth_getBlockByNumber", ref, False)

    async def logs(self, address: str, from_block: int, to_block: int, topics: list[Any]) -> list[dict[str, Any]]:
        return await self.call(
            "eth_getLogs",
            {"address": address, "fromBlock": hex(from_block), "toBlock": hex(to_block), "topics": topics},
        )

    async def nonce(self, address: str, tag: str = "pending") -> int:
        return to_int(await self.call("eth_getTransactionCount", address, tag))

    async def gas_price(self) -> int:
        return to_int(await self.call("eth_gasPrice"))

    async def send_raw(self, raw: bytes) -> str:
        return await self.call("eth_sendRawTransaction", "0x" + raw.hex())

    async def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        return await self.call("eth_getTransactionReceipt", tx_hash)

    async def transaction(self, tx_hash: str) -> dict[str, Any] | None:
        return await self.call("eth_getTransactionByHash", tx_hash)

    async def eth_call(self, to: str, data: bytes, block: str = "latest") -> bytes:
        result = await self.call("eth_call", {"to": to, "data": "0x" + data.hex()}, block)
        return bytes.fromhex(result.removeprefix("0x"))

    async def estimate_gas(self, tx: dict[str, Any]) -> int:
        return to_int(await self.call("eth_estimateGas", tx))
