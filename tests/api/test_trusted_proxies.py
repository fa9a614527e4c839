"""`X-Forwarded-For` is believed only from `api.trusted_proxies`: otherwise a client could pick its own rate-limit
bucket by sending the header, and behind a proxy that is not listed every client shares the proxy's bucket."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import uvicorn

from relayer.api.app import create_app
from relayer.api.server import uvicorn_config

pytestmark = pytest.mark.anyio


async def statuses(make_ctx, trusted: list[str], forwarded: list[str]) -> list[int]:
    server = uvicorn.Server(uvicorn_config(create_app(make_ctx(per_ip=2)), "127.0.0.1", 0, trusted))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            return [(await client.get("/v1/assets", headers={"X-Forwarded-For": ip})).status_code
                    for ip in forwarded]
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


async def test_without_trusted_proxies_a_forged_forwarded_for_does_not_dodge_the_rate_limit(make_ctx):
    assert await statuses(make_ctx, [], ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) == [200, 200, 429]


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket(make_ctx):
    assert await statuses(make_ctx, ["127.0.0.1"], ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) == [200, 200, 200]
