"""Runs a simulated service until SIGTERM/SIGINT, announcing its URL on stdout (first line) for whoever started
it: the demo, the tests and the benchmark start these as child processes on port 0."""

from __future__ import annotations

import asyncio
import signal
import sys

from aiohttp import web


async def _serve(app: web.Application, host: str, port: int) -> None:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    print(f"listening on http://{host}:{bound}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def serve(app: web.Application, host: str, port: int) -> None:
    try:
        asyncio.run(_serve(app, host, port))
    except OSError as exc:
        print(f"error: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        raise SystemExit(2) from None
