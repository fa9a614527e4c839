"""Shared httpx plumbing for vendor adapters: trace-id header, timeouts, and mapping transport trouble to
retryable `AdapterError`s so the saga waits instead of failing."""

from __future__ import annotations

from typing import Any

import httpx

from relayer.errors import AdapterError

TRACE_HEADER = "X-Request-Trace-Id"


class VendorClient:
    def __init__(self, vendor: str, base_url: str, headers: dict[str, str], timeout: float) -> None:
        self.vendor = vendor
        self._client = httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout)

    async def request(
        self, method: str, path: str, trace_id: str, **kwargs: Any
    ) -> httpx.Response:
        headers = {TRACE_HEADER: trace_id, **kwargs.pop("headers", {})}
        try:
            response = await self._client.request(method, path, headers=headers, **kwargs)
        except httpx.TimeoutException:
            raise AdapterError(f"{self.vendor}: {method} {path} timed out", retryable=True) from None
        except httpx.TransportError as exc:
            raise AdapterError(
                f"{self.vendor}: {method} {path} unreachable ({exc.__class__.__name__})", retryable=True
            ) from None
        if response.status_code >= 500 or response.status_code == 429:
            raise AdapterError(f"{self.vendor}: {method} {path} answered HTTP {response.status_code}", retryable=True)
        return response

    async def aclose(self) -> None:
        await self._client.aclose()


def error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("message") or body.get("error") or body)[:200]
