"""Working days on the Chinese calendar, 调休 included.

The `chinesecalendar` package knows the State Council's holiday arrangements up to its last
published year (the official calendar). For a year it lacks, the calendar is provisional: the
statutory holidays of 《全国年节及纪念日放假办法》 with their 补假 (`kit.statutory`), without the
调休 only the annual notice can say. A provisional result is marked as such wherever it is shown
(`is_provisional`, `coverage_note`) and becomes the official one as soon as an upgraded
`chinesecalendar` knows the year. In every year the office's own overrides (holidays and 调休
workdays it maintains) win over both: an office may correct the library, or publish a notice
before the library does.

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
from huiqi.kit.statutory import provisional_holidays

Coverage = Literal["library", "fallback"]  # official (State Council notice) / provisional

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


def is_provisional(year: int) -> bool:
    """True when `year`'s working days are the fallback's estimate, not the official notice."""
    return calendar_coverage(year) == "fallback"


def coverage_note(year: int) -> str | None:
    """The sentence the CLI, API and UI show when a year is provisional, else None."""
    if not is_provisional(year):
        return None
    return (f"暂定：{year}年国务院放假安排尚未收录，按《全国年节及纪念日放假办法》的法定节假日"
            "（逢周末补假，不含调休）及人工维护的节假日推算，正式安排公布后以其为准")


def fallback_years(start: date, end: date) -> list[int]:
    """Years between two dates (inclusive, either order) that are provisional."""
    lo, hi = sorted((start.year, end.year))
    return [y for y in range(lo, hi + 1) if is_provisional(y)]


def provisional_note(start: date, end: date) -> str | None:
    """The notes of the provisional years a date range touches, joined; None if all official."""
    return "；".join(n for y in fallback_years(start, end) if (n := coverage_note(y))) or None


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
    return d.weekday() < 5 and d not in provisional_holidays(d.year)


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
