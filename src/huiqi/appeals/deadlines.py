"""Appeal deadlines in working days, and the clock colour shown next to each one.

Times are stored in UTC; days are counted in Asia/Shanghai, because an appeal dispatched at
00:30 Beijing time on Monday was dispatched on Monday, whatever the UTC date says. A due date means
"by the end of that day, Beijing time". Both deadlines count from the dispatch date, so a slow
signature does not buy extra time to resolve.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from huiqi.kit.errors import ValidationFailed
from huiqi.kit.workdays import HolidayOverrides, add_workdays, remaining_workdays

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class CategoryRule:
    """Time limits of an appeal category, in working days after the dispatch date."""

    sign_within_workdays: int
    resolve_within_workdays: int

    def __post_init__(self) -> None:
        if self.sign_within_workdays < 0 or self.resolve_within_workdays < 0:
            raise ValidationFailed("时限应为不小于 0 的工作日数")
        if self.resolve_within_workdays < self.sign_within_workdays:
            raise ValidationFailed("办结时限不能短于签收时限")


@dataclass(frozen=True)
class Deadlines:
    sign_due: date
    resolve_due: date


def local_date(ts: datetime) -> date:
    """The Beijing-time calendar date of an aware timestamp."""
    if ts.tzinfo is None:
        raise ValueError("naive datetime: timestamps must carry a timezone (stored as UTC)")
    return ts.astimezone(SHANGHAI).date()


def compute_deadlines(
    dispatched_at: datetime, rule: CategoryRule, overrides: HolidayOverrides | None = None
) -> Deadlines:
    start = local_date(dispatched_at)
    return Deadlines(
        sign_due=add_workdays(start, rule.sign_within_workdays, overrides),
        resolve_due=add_workdays(start, rule.resolve_within_workdays, overrides),
    )


def extend_resolve_due(
    resolve_due: date, extra_workdays: int, overrides: HolidayOverrides | None = None
) -> date:
    """The resolve deadline after an approved 延期 of `extra_workdays`."""
    if extra_workdays < 1:
        raise ValidationFailed("延期工作日数应不少于 1")
    return add_workdays(resolve_due, extra_workdays, overrides)


def deadline_end(due: date) -> datetime:
    """The UTC instant at which `due` ends in Beijing time."""
    return datetime.combine(due + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC)


def met_deadline(done_at: datetime, due: date) -> bool:
    return local_date(done_at) <= due


class ClockColour(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"  # due today or on the next working day
    RED = "red"  # overdue, or finished late


@dataclass(frozen=True)
class Clock:
    colour: ClockColour
    remaining_workdays: int  # negative: working days overdue
    label: str


def clock(
    now: datetime,
    due: date,
    done_at: datetime | None = None,
    overrides: HolidayOverrides | None = None,
) -> Clock:
    """The countdown for one deadline; once the step is done, whether it was done in time."""
    if done_at is not None:
        left = remaining_workdays(local_date(done_at), due, overrides)
        if met_deadline(done_at, due):
            return Clock(ClockColour.GREEN, left, "按时完成")
        return Clock(ClockColour.RED, left, f"超期{-left}个工作日完成" if left else "超期完成")
    today = local_date(now)
    left = remaining_workdays(today, due, overrides)
    if today > due:
        return Clock(ClockColour.RED, left, f"已超期{-left}个工作日" if left else "已超期")
    if left == 0:
        return Clock(ClockColour.YELLOW, 0, "今日到期")
    colour = ClockColour.YELLOW if left == 1 else ClockColour.GREEN
    return Clock(colour, left, f"剩余{left}个工作日")
