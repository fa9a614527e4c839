"""Fixed-window rate limits per key (a client id or an IP), reported with the IETF RateLimit header fields
(draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy: "name";q=<quota>;w=<window>` and
`RateLimit: "name";r=<remaining>;t=<seconds to reset>`), and `Retry-After` when exhausted.

State is per process (one limiter per app instance, no module globals): behind N replicas a client gets up to N
times the quota, which the policy accepts for a burst guard; the authoritative limit belongs at the gateway."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    policy: str
    quota: int
    window: int
    remaining: int
    reset_in: int
    allowed: bool

    def headers(self) -> dict[str, str]:
        out = {
            "RateLimit-Policy": f'"{self.policy}";q={self.quota};w={self.window}',
            "RateLimit": f'"{self.policy}";r={self.remaining};t={self.reset_in}',
        }
        if not self.allowed:
            out["Retry-After"] = str(self.reset_in)
        return out


class RateLimiter:
    def __init__(self, policy: str, quota: int, window: int, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000) -> None:
        self.policy, self.quota, self.window, self.clock = policy, quota, window, clock
        self.max_keys = max_keys
        self._windows: dict[str, tuple[int, int]] = {}  # key -> (window number, count)

    def hit(self, key: str) -> Decision:
        now = self.clock()
        number = int(now // self.window)
        start, count = self._windows.get(key, (number, 0))
        if start != number:
            count = 0
        count += 1
        if len(self._windows) >= self.max_keys and key not in self._windows:
            self._windows = {k: v for k, v in self._windows.items() if v[0] == number}
        self._windows[key] = (number, count)
        reset_in = max(1, math.ceil((number + 1) * self.window - now))
        return Decision(self.policy, self.quota, self.window, max(0, self.quota - count), reset_in,
                        count <= self.quota)
