"""When US equities trade. Requests arrive 24/7; orders go to the broker only while the exchange is open.

Backed by `exchange_calendars` (XNYS: holidays, early closes such as the day after Thanksgiving), not a
hand-written table. `AlwaysOpen` exists for test networks and brokers that accept orders around the clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol

from relayer.errors import ConfigError


class MarketHours(Protocol):
    name: str

    def is_open(self, at: datetime) -> bool: ...

    def next_open(self, at: datetime) -> datetime: ...


class AlwaysOpen:
    name = "always-open"

    def is_open(self, at: datetime) -> bool:
        return True

    def next_open(self, at: datetime) -> datetime:
        return at


class ExchangeCalendar:
    """An exchange_calendars calendar (default XNYS), loaded for a window around now and reloaded past it."""

    def __init__(self, code: str = "XNYS", years_ahead: int = 2) -> None:
        import exchange_calendars

        self.name = code
        self._years_ahead = years_ahead
        try:
            exchange_calendars.get_calendar_names()
            self._load = lambda start, end: exchange_calendars.get_calendar(code, start=start, end=end)
            self._calendar = None
            self._reload(datetime.now(timezone.utc))
        except exchange_calendars.errors.InvalidCalendarName:
            raise ConfigError(
                f"unknown market calendar {code!r}", hint="use an ISO MIC such as XNYS or XNAS, or always-open"
            ) from None

    def _reload(self, at: datetime) -> None:
        start = (at - timedelta(days=7)).date().isoformat()
        end = (at + timedelta(days=365 * self._years_ahead)).date().isoformat()
        self._calendar = self._load(start, end)

    def _ts(self, at: datetime):
        import pandas as pd

        ts = pd.Timestamp(at)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        if not (self._calendar.first_minute <= ts < self._calendar.last_minute - pd.Timedelta(days=30)):
            self._reload(ts.to_pydatetime())
        return ts.floor("min")

    # `_ts` may reload the calendar, so it runs before `self._calendar` is read: a minute outside the loaded window is
    # then asked of the reloaded calendar, not of the one it replaced.
    def is_open(self, at: datetime) -> bool:
        minute = self._ts(at)
        return bool(self._calendar.is_open_on_minute(minute, ignore_breaks=True))

    def next_open(self, at: datetime) -> datetime:
        if self.is_open(at):
            return at
        minute = self._ts(at)
        return self._calendar.next_open(minute).to_pydatetime()


def market_hours(name: str) -> MarketHours:
    return AlwaysOpen() if name == "always-open" else ExchangeCalendar(name)
