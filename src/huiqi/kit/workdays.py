"""Working days on the Chinese calendar, 调休 included.

The `chinesecalendar` package knows the State Council's holiday arrangements up to its last
published year. For a year it lacks we fall back to weekends, and in every year the office's
own overrides (holidays and 调休 workdays it maintains) win over both: an office may correct the
library.

Conventions used throughout:
- `add_workdays(d, n)` starts counting on the next working day after `d`, so the result of n ≥ 1 is
  the n-th working day strictly after `d`; n = 0 returns `d` itself.
- `workdays_between(a, b)` counts working days in the half-open interval (a, b]; it is negative
  when b < a. Hence `workdays_between(d, add_workdays(d, n)) == n`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import chinese_calendar
from chinese_calendar import constants as _cc

from huiqi.kit.errors import ValidationFailed

Coverage = Literal["library", "fallback"]

_LIBRARY_FIRST_YEAR = min(_cc.holidays).year
_LIBRARY_LAST_YEAR = max(_cc.holidays).year
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class HolidayOverrides:
    """Dates the office maintains itself: extra holidays and 调休 workdays."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        both = sorted(self.holidays & self.workdays)
        if both:
            listed = "、".join(d.isoformat() for d in both)
            raise ValidationFailed(f"日期 {listed} 不能同时是节假日和调休工作日")

    @classmethod
    def of(cls, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> HolidayOverrides:
        return cls(frozenset(holidays), frozenset(workdays))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> HolidayOverrides:
        """Build from `{"holidays": ["2027-01-01", ...], "workdays": [...]}` (a YAML/JSON file)."""
        unknown = set(data) - {"holidays", "workdays"}
        if unknown:
            raise ValidationFailed(
                f"节假日维护文件只能包含 holidays 和 workdays，发现：{'、'.join(sorted(unknown))}"
            )
        return cls.of(_parse_dates(data, "holidays"), _parse_dates(data, "workdays"))


def _parse_dates(data: Mapping[str, object], key: str) -> list[date]:
    raw = data.get(key) or []
    if not isinstance(raw, list):
        raise ValidationFailed(f"{key} 应为日期列表，例如 [2027-01-01]")
    out = []
    for item in raw:
        if isinstance(item, date):
            out.append(item)
            continue
        try:
            out.append(date.fromisoformat(str(item)))
        except ValueError:
            raise ValidationFailed(
                f"{key} 中的「{item}」不是有效日期，应为 YYYY-MM-DD，例如 2027-01-01"
            ) from None
    return out


NO_OVERRIDES = HolidayOverrides()


def calendar_coverage(year: int) -> Coverage:
    """Whether `year` is covered by the library's holiday data or computed by the fallback."""
    return "library" if _LIBRARY_FIRST_YEAR <= year <= _LIBRARY_LAST_YEAR else "fallback"


def coverage_note(year: int) -> str | None:
    """The sentence the UI shows when a year is computed by the fallback, else None."""
    if calendar_coverage(year) == "library":
        return None
    return f"{year}年节假日数据未收录，按周末+人工维护的节假日计算"


def fallback_years(start: date, end: date) -> list[int]:
    """Years between two dates (inclusive, either order) that use the fallback."""
    lo, hi = sorted((start.year, end.year))
    return [y for y in range(lo, hi + 1) if calendar_coverage(y) == "fallback"]


@lru_cache(maxsize=16384)
def _library_is_workday(d: date) -> bool:
    return bool(chinese_calendar.is_workday(d))


def is_workday(d: date, overrides: HolidayOverrides | None = None) -> bool:
    ov = overrides or NO_OVERRIDES
    if d in ov.workdays:
        return True
    if d in ov.holidays:
        return False
    if calendar_coverage(d.year) == "library":
        return _library_is_workday(d)
    return d.weekday() < 5


def add_workdays(start: date, n: int, overrides: HolidayOverrides | None = None) -> date:
    """The n-th working day after `start` (counting starts on the next working day)."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    d = start
    while n > 0:
        d += _ONE_DAY
        if is_workday(d, overrides):
            n -= 1
    return d


def workdays_between(a: date, b: date, overrides: HolidayOverrides | None = None) -> int:
    """Working days in (a, b]; negative (−count of (b, a]) when b < a."""
    if b < a:
        return -workdays_between(b, a, overrides)
    count = 0
    d = a
    while d < b:
        d += _ONE_DAY
        count += is_workday(d, overrides)
    return count


def remaining_workdays(now_date: date, due: date, overrides: HolidayOverrides | None = None) -> int:
    """Working days left after `now_date` up to and including `due`.

    0 on the due date itself; negative once overdue (how many working days past due). Being
    overdue only across non-working days also gives 0, so compare dates to decide "overdue".
    """
    return workdays_between(now_date, due, overrides)
