"""Time: one injectable clock (UTC, aware) and the conversion to Beijing time for display.

Code that needs "now" for a rule (idle timeouts, lockouts, deadlines) takes a `Clock`, so tests
move time instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock:
    """The system clock. Always returns an aware UTC datetime."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today_local(self) -> date:
        return self.now().astimezone(SHANGHAI).date()


class FixedClock(Clock):
    """A clock that stands still until moved; for tests and reproducible runs."""

    def __init__(self, at: datetime | None = None) -> None:
        self._at = ensure_utc(at) if at else datetime.now(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = ensure_utc(at)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._at += delta if delta is not None else timedelta(**kwargs)
        return self._at


def ensure_utc(value: datetime) -> datetime:
    """Aware UTC; a naive value is taken to be UTC already (how SQLite hands it back)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_local(value: datetime) -> datetime:
    return ensure_utc(value).astimezone(SHANGHAI)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where a Beijing calendar day starts and the next one starts."""
    start = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)
