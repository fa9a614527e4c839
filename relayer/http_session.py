"""One pooled aiohttp session, bound to the event loop it was created in: the JSON-RPC client and the vendor
adapters each keep one (docs/decisions/0045-relayer-throughput.md)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp


class LoopBoundSession:
    """Creates its session on first use inside the running loop. A client reused from another loop (tests that call
    asyncio.run more than once) gets a fresh session rather than one bound to a closed loop."""

    def __init__(self, timeout: float, pool_size: int = 32, headers: dict[str, str] | None = None) -> None:
        self._options: dict[str, Any] = {"timeout": timeout, "pool_size": pool_size, "headers": dict(headers or {})}
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._options["pool_size"], ttl_dns_cache=300),
                timeout=aiohttp.ClientTimeout(total=self._options["timeout"]),
                headers=self._options["headers"],
                json_serialize=json.dumps,
            )
            self._loop = loop
        return self._session

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            try:
                if self._loop is asyncio.get_running_loop():
                    await self._session.close()
            except RuntimeError:
                pass  # no running loop: the loop that owned the session is gone, and its sockets with it
        self._session = None
