"""The simulated services as real child processes, started exactly as the demo does (relayer.local_run), plus
the helpers tests use to drive their fault switches and read their state."""

from __future__ import annotations

import httpx

from relayer.local_run import sim_service  # noqa: F401 (re-exported for the relayer tests)


def set_fault(url: str, **fault) -> None:
    httpx.post(f"{url}/_sim/faults", json=fault).raise_for_status()


def sim_state(url: str) -> dict:
    return httpx.get(f"{url}/_sim/state").json()
