"""What idle WebSocket subscribers cost the API process, and that hostile frames cost it nothing lasting.

Starts the service API (the same ASGI app and uvicorn settings as `rat-relayer api`, on a SQLite state store) as
a child process, opens N WebSocket connections that each subscribe to a request of their own (so every one is a
live subscriber of the change feed), then reads the child's CPU time from /proc over a window. Also measured:
the same process with no connections, and after N clients each sent a binary frame and a 100k-deep JSON frame
(the inputs that used to spin the old handler), and how long a SIGTERM takes to stop the process with N
subscribers connected. Goal (issue 20): 1,000 idle connections cost < 5 % of one core.

    python bench/api_stream.py [--connections 1000] [--window 20]     # writes bench/results/api_stream.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ would come first on sys.path and bench/relayer.py would shadow the relayer package.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
RESULTS = ROOT / "bench" / "results" / "api_stream.json"
GOAL_PERCENT = 5.0

from rat.ports import free_port  # noqa: E402  (after the path fix above)


def serve(port: int, database: str) -> None:
    """The child: the API over a fresh SQLite store, as `rat-relayer api` serves it."""
    import uvicorn

    from relayer.api.app import create_app
    from relayer.api.context import ApiContext
    from relayer.api.server import uvicorn_config
    from relayer.config import ApiConfig, RateLimitConfig
    from relayer.market_hours import market_hours
    from relayer.store import Store

    store = Store.open(f"sqlite:///{database}")
    # All connections come from one loopback address: the per-IP limit (one hit per connection) is lifted here.
    config = ApiConfig(rate_limit=RateLimitConfig(per_ip=1_000_000))
    ctx = ApiContext(store=store, config=config, network="bench", assets={}, hours=market_hours("always-open"))
    server = uvicorn.Server(uvicorn_config(create_app(ctx), "127.0.0.1", port))
    server.run()  # installs uvicorn's own SIGTERM/SIGINT handlers, like `rat-relayer api`


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


async def wait_listening(port: int) -> None:
    for _ in range(300):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError("the API did not start")


async def cpu_percent(pid: int, window: float) -> float:
    before, start = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(window)
    return 100.0 * (cpu_seconds(pid) - before) / (time.monotonic() - start)


async def connect_subscribers(url: str, n: int) -> list:
    import websockets

    sockets = []
    for i in range(n):
        ws = await websockets.connect(url, open_timeout=30)
        await ws.send(json.dumps({"type": "subscribe", "request_ids": ["0x" + f"{i:064x}"]}))
        assert json.loads(await ws.recv())["type"] == "subscribed"
        sockets.append(ws)
    return sockets


async def hostile(url: str, n: int) -> dict[str, int]:
    import websockets

    codes: dict[str, int] = {}
    for i in range(n):
        async with websockets.connect(url, max_size=None) as ws:
            await ws.send(b"\x00" * 16 if i % 2 == 0 else "[" * 100_000 + "]" * 100_000)
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), 10)
            except websockets.ConnectionClosed as closed:
                code = str(closed.rcvd.code if closed.rcvd else None)
                codes[code] = codes.get(code, 0) + 1
    return codes


async def measure(connections: int, window: float) -> dict:
    port = free_port()
    database = Path(tempfile.mkdtemp(prefix="rat-bench-api-")) / "relayer.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(database)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"ws://127.0.0.1:{port}/v1/stream"
    try:
        await wait_listening(port)
        await asyncio.sleep(2.0)
        baseline = await cpu_percent(child.pid, window)
        opened = time.monotonic()
        sockets = await connect_subscribers(url, connections)
        connect_s = time.monotonic() - opened
        await asyncio.sleep(3.0)  # let the connection burst settle
        idle = await cpu_percent(child.pid, window)
        hostile_clients = min(connections, 200)
        codes = await hostile(url, hostile_clients)
        await asyncio.sleep(3.0)
        after_hostile = await cpu_percent(child.pid, window)
        stopping = time.monotonic()
        child.send_signal(signal.SIGTERM)
        exit_code = await asyncio.to_thread(child.wait, 30)
        sigterm_s = time.monotonic() - stopping
        for ws in sockets:
            await ws.close()
    finally:
        if child.poll() is None:
            child.kill()
    return {
        "connections": connections, "window_s": window, "connect_all_s": round(connect_s, 2),
        "cpu_percent_of_one_core": {"no_connections": round(baseline, 2), "idle_subscribers": round(idle, 2),
                                    "after_hostile_clients": round(after_hostile, 2)},
        "hostile_clients": hostile_clients, "hostile_close_codes": codes,
        "sigterm_to_exit_s": round(sigterm_s, 2), "exit_code": exit_code,
        "goal_percent": GOAL_PERCENT, "meets_goal": idle < GOAL_PERCENT,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--window", type=float, default=20.0, help="CPU sampling window, seconds")
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1])
        return
    load_before = os.getloadavg()
    result = asyncio.run(measure(args.connections, args.window))
    result["machine"] = {"cpus": os.cpu_count(), "load_average_before": [round(x, 2) for x in load_before],
                         "load_average_after": [round(x, 2) for x in os.getloadavg()],
                         "note": "the load generator and other jobs share these cores; only the API process's own "
                                 "CPU time (/proc/<pid>/stat) is counted"}
    result["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
