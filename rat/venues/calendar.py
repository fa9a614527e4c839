"""The exchange's sessions as RatMarketCalendar stores them, computed from the relayer's own calendar.

The relayer routes orders with `relayer.market_hours` (exchange_calendars XNYS: holidays, early closes, daylight
saving). The calendar keeper publishes the same sessions on-chain, one entry per UTC day, so the equity oracle and
the relayer never disagree about whether the market is open (docs/decisions/0102)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

DAY = 86_400
MAX_DAYS_PER_CALL = 400  # RatMarketCalendar.MAX_DAYS_PER_CALL


class CalendarError(ValueError):
    """The sessions cannot be computed or published as asked."""


class DaySession(BaseModel):
    """One UTC day of RatMarketCalendar: open in [open_offset, close_offset) seconds after 00:00 UTC; (0, 0) = shut."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day: int = Field(ge=0, description="unix day index (timestamp // 86400)")
    open_offset: int = Field(ge=0, le=DAY)
    close_offset: int = Field(ge=0, le=DAY)

    @model_validator(mode="after")
    def _ordered(self) -> DaySession:
        if (self.open_offset, self.close_offset) != (0, 0) and self.open_offset >= self.close_offset:
            raise ValueError(f"day {self.day}: session opens at {self.open_offset}s, not before it closes")
        return self

    @property
    def is_trading_day(self) -> bool:
        return self.close_offset != 0


def day_index(at: datetime | date) -> int:
    if isinstance(at, datetime):
        return int(at.astimezone(timezone.utc).timestamp()) // DAY
    return int(datetime(at.year, at.month, at.day, tzinfo=timezone.utc).timestamp()) // DAY


def sessions_for_days(calendar_code: str, first_day: int, days: int) -> list[DaySession]:
    """The sessions of `days` consecutive UTC days from `first_day`, from the relayer's calendar (`always-open`
    gives whole days open; an exchange MIC such as XNYS uses exchange_calendars as the relayer does)."""
    if not 0 < days <= MAX_DAYS_PER_CALL:
        raise CalendarError(f"{days} days asked; one publication holds 1 to {MAX_DAYS_PER_CALL}")
    if calendar_code == "always-open":
        return [DaySession(day=first_day + i, open_offset=0, close_offset=DAY) for i in range(days)]
    import exchange_calendars
    import pandas as pd

    try:
        start = datetime.fromtimestamp(first_day * DAY, timezone.utc)
        cal = exchange_calendars.get_calendar(
            calendar_code, start=(start - timedelta(days=7)).date().isoformat(),
            end=(start + timedelta(days=days + 7)).date().isoformat())
    except exchange_calendars.errors.InvalidCalendarName:
        raise CalendarError(f"unknown market calendar {calendar_code!r}: use an ISO MIC such as XNYS") from None
    by_day: dict[int, tuple[int, int]] = {}
    first = pd.Timestamp(start.date())
    last = first + pd.Timedelta(days=days - 1)
    for session in cal.sessions_in_range(first - pd.Timedelta(days=1), last + pd.Timedelta(days=1)):
        opens = int(cal.session_open(session).timestamp())
        closes = int(cal.session_close(session).timestamp())
        if opens // DAY != (closes - 1) // DAY:
            raise CalendarError(f"{calendar_code} session {session.date()} spans two UTC days; not representable")
        by_day[opens // DAY] = (opens % DAY, closes - (opens // DAY) * DAY)
    return [DaySession(day=d, open_offset=by_day.get(d, (0, 0))[0], close_offset=by_day.get(d, (0, 0))[1])
            for d in range(first_day, first_day + days)]


def publish_sessions(calendar_contract: Any, sessions: list[DaySession], keeper: Any) -> Any:
    """Writes consecutive `sessions` with `RatMarketCalendar.publish` (keeper role)."""
    if not sessions:
        raise CalendarError("nothing to publish")
    if [s.day for s in sessions] != list(range(sessions[0].day, sessions[0].day + len(sessions))):
        raise CalendarError("sessions must be consecutive days")
    return calendar_contract.publish(sessions[0].day, [s.open_offset for s in sessions],
                                     [s.close_offset for s in sessions], sender=keeper)
