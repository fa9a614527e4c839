"""Starts the simulated services as real child processes, exactly as the demo does."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


@contextmanager
def sim_service(kind: str, *args: str) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "relayer.cli", "sim", kind, "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        if not line.startswith("listening on "):
            raise RuntimeError(f"sim {kind} did not start: {line}{proc.stderr.read()}")
        yield line.split()[-1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def set_fault(url: str, **fault) -> None:
    httpx.post(f"{url}/_sim/faults", json=fault).raise_for_status()


def sim_state(url: str) -> dict:
    return httpx.get(f"{url}/_sim/state").json()
