"""The simulated services as real child processes, started exactly as the demo does (rat.local_relayer), plus
the helpers tests use to drive their fault switches and read their state."""

from __future__ import annotations

import httpx

from rat.local_relayer import sim_service  # noqa: F401 (re-exported for the relayer tests)


def set_fault(url: str, **fault) -> None:
    httpx.post(f"{url}/_sim/faults", json=fault).raise_for_status()


def sim_state(url: str) -> dict:
    return httpx.get(f"{url}/_sim/state").json()
