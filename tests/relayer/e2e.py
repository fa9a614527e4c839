"""Helpers for end-to-end tests: drive an in-process daemon until a condition holds, and read outcomes."""

from __future__ import annotations

import time
from pathlib import Path

import anyio

from relayer.config import RelayerConfig
from relayer.daemon import Daemon


async def drive_until(daemon: Daemon, condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        await daemon.step()
        if condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached in {timeout}s; sagas: "
                                 f"{[(s.step, s.status, s.last_error) for s in daemon.store.sagas()]}")
        await anyio.sleep(0.05)


async def started(config_path: Path, instance_id: str | None = None) -> Daemon:
    daemon = Daemon(RelayerConfig.load(config_path), instance_id)
    await daemon.start()
    return daemon


def saga_of(daemon: Daemon, request_id: bytes):
    return daemon.store.get_saga("0x" + request_id.hex())


def finished(daemon: Daemon, request_id: bytes, status: str = "done"):
    def check() -> bool:
        saga = saga_of(daemon, request_id)
        return saga is not None and saga.status == status

    return check
