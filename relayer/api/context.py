"""What the routes need, held on `app.state.ctx` (one per app, no module globals)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from relayer.api.auth import TokenVerifier
from relayer.api.feed import ChangeFeed
from relayer.api.ratelimit import RateLimiter
from relayer.config import ApiConfig, CollateralKeeperConfig, KycConfig
from relayer.market_hours import MarketHours
from relayer.minter import MinterReader
from relayer.store import Store

if TYPE_CHECKING:
    from relayer.travel_rule.service import TravelRuleService


@dataclass
class ApiContext:
    store: Store
    config: ApiConfig
    network: str
    assets: dict[str, str]  # checksummed address -> broker symbol
    hours: MarketHours
    reader: MinterReader | None = None
    verifier: TokenVerifier | None = None
    kyc: KycConfig | None = None
    collateral: CollateralKeeperConfig | None = None  # its markets name each collateral asset's oracle
    travel_rule: TravelRuleService | None = None  # the operator's Travel Rule calls (routes_travel_rule)
    environ: dict[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
    ip_limiter: RateLimiter = field(init=False)
    client_limiter: RateLimiter = field(init=False)
    feed: ChangeFeed = field(init=False)
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        limits = self.config.rate_limit
        self.ip_limiter = RateLimiter("per-ip", limits.per_ip, limits.window)
        self.client_limiter = RateLimiter("per-client", limits.per_client, limits.window)
        self.feed = ChangeFeed(self.store, self.config.stream_poll_interval)
