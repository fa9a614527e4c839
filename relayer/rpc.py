"""A small async JSON-RPC client for the calls the relayer makes. It keeps the node's error text (the sender must
recognise "already known" and "nonce too low") and classifies transport failures as `RpcUnavailable`.

It speaks HTTP through one pooled aiohttp session (keep-alive). httpx was measured at roughly twice the client CPU
per call under load (its httpcore layer re-imports trio/sniffio on every request), and the daemon's CPU is shared
with the node on small machines (docs/decisions/0045-relayer-throughput.md). `batch` sends several calls in one
JSON-RPC batch request: one round trip for, e.g., the receipts of every transaction mined in a block."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

import aiohttp

from relayer.errors import RpcError, RpcUnavailable
from relayer.http_session import LoopBoundSession


def to_int(value: str | int) -> int:
    return value if isinstance(value, int) else int(value, 16)


class Rpc:
    def __init__(self, url: str, timeout: float = 10.0, pool_size: int = 32) -> None:
        self.url = url
        self._ids = itertools.count(1)
        self._http = LoopBoundSession(timeout, pool_size)
        self.calls = 0  # JSON-RPC methods requested (a batch counts each of its calls)
        self.round_trips = 0  # HTTP requests made
        # Health as the last round trip left it: read by the daemon's /readyz and the relayer_rpc_up gauge.
        self.up: bool | None = None
        self.down_since: float | None = None
        self.last_error = ""

    async def aclose(self) -> None:
        await self._http.aclose()

    def _failed(self, error: str) -> RpcUnavailable:
        if self.up is not False:
            self.down_since = time.time()
        self.up, self.last_error = False, error
        return RpcUnavailable(error)

    async def _post(self, what: str, body: Any) -> Any:
        self.round_trips += 1
        try:
            async with self._http.get().post(self.url, json=body) as response:
                status = response.status
                if status >= 500 or status == 429:
                    raise self._failed(f"{what}: node answered HTTP {status}")
                text = await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise self._failed(f"{what}: node unreachable at {self.url} ({exc.__class__.__name__})") from None
        try:
            payload = json.loads(text)
        except ValueError:
            raise self._failed(f"{what}: node answered non-JSON (HTTP {status})") from None
        self.up, self.down_since = True, None
        return payload

    @staticmethod
    def _result(method: str, payload: Any) -> Any:
        if not isinstance(payload, dict):
            raise RpcUnavailable(f"{method}: node answered an unexpected body")
        if "error" in payload and payload["error"]:
            error = payload["error"]
            if isinstance(error, dict):
                raise RpcError(f"{method}: {error.get('message', error)}", code=error.get("code"))
            raise RpcError(f"{method}: {error}")
        return payload.get("result")

    async def call(self, method: str, *params: Any) -> Any:
        self.calls += 1
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        return self._result(method, await self._post(method, body))

    async def batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        """Several calls in one JSON-RPC batch. Returns one entry per call, in order: its result, or the RpcError
        the node answered for it (a transport failure raises RpcUnavailable for the whole batch)."""
        if not calls:
            return []
        if len(calls) == 1:
            method, params = calls[0]
            try:
                return [await self.call(method, *params)]
            except RpcUnavailable:
                raise
            except RpcError as exc:
                return [exc]
        self.calls += len(calls)
        ids = [next(self._ids) for _ in calls]
        body = [{"jsonrpc": "2.0", "id": i, "method": m, "params": list(p)} for i, (m, p) in zip(ids, calls)]
        payload = await self._post(f"batch of {len(calls)}", body)
        if isinstance(payload, dict):  # some nodes answer a whole batch with one error object
            self._result("batch", payload)
            raise RpcUnavailable("batch: node answered a single object to a batch request")
        by_id = {item.get("id"): item for item in payload if isinstance(item, dict)}
        out: list[Any] = []
        for i, (method, _) in zip(ids, calls):
            item = by_id.get(i)
            if item is None:
                raise RpcUnavailable(f"{method}: node left call {i} out of its batch answer")
            try:
                out.append(self._result(method, item))
            except RpcError as exc:
                out.append(exc)
        return out

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
