"""Shared HTTP plumbing for vendor adapters: trace-id header, timeouts, and mapping transport trouble to
retryable `AdapterError`s so the saga waits instead of failing.

One pooled aiohttp session per adapter (created lazily inside the running loop). httpx was replaced here and in
relayer/rpc.py after profiling the daemon under load: httpcore spent a measurable share of each request
re-importing trio/sniffio (docs/decisions/0045-relayer-throughput.md)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from relayer.errors import AdapterError
from relayer.http_session import LoopBoundSession

TRACE_HEADER = "X-Request-Trace-Id"


class VendorResponse:
    """The parts of an HTTP answer the adapters read: status code, JSON body, text."""

    def __init__(self, status_code: int, body: bytes, headers: dict[str, str]) -> None:
        self.status_code = status_code
        self.content = body
        self.headers = headers

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


class VendorClient:
    def __init__(self, vendor: str, base_url: str, headers: dict[str, str], timeout: float) -> None:
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self._http = LoopBoundSession(timeout, headers=headers)

    async def request(self, method: str, path: str, trace_id: str, **kwargs: Any) -> VendorResponse:
        headers = {TRACE_HEADER: trace_id, **kwargs.pop("headers", {})}
        try:
            async with self._http.get().request(method, self.base_url + path, headers=headers, **kwargs) as answer:
                response = VendorResponse(answer.status, await answer.read(), dict(answer.headers))
        except asyncio.TimeoutError:
            raise AdapterError(f"{self.vendor}: {method} {path} timed out", retryable=True) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise AdapterError(
                f"{self.vendor}: {method} {path} unreachable ({exc.__class__.__name__})", retryable=True
            ) from None
        if response.status_code >= 500 or response.status_code == 429:
            raise AdapterError(f"{self.vendor}: {method} {path} answered HTTP {response.status_code}", retryable=True)
        return response

    async def aclose(self) -> None:
        await self._http.aclose()


def error_text(response: VendorResponse) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if not isinstance(body, dict):
        return str(body)[:200]
    return str(body.get("message") or body.get("error") or body)[:200]
