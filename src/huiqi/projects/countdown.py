"""The countdown table's arithmetic, on plain values (no database): planned dates from a template,
the clock of each step (green / yellow / red, as for appeals), the order rule for recorded dates,
progress and stage — both computed from the steps' recorded dates, never typed in.

Working days are the appeals calendar's (kit.workdays with the office's overrides):
`add_workdays(d, n)` is the n-th working day after d, `remaining_workdays(today, due)` what is
left (0 on the due date, negative once overdue).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from huiqi.kit.errors import ValidationFailed
from huiqi.kit.workdays import HolidayOverrides, add_workdays, remaining_workdays, workdays_between
from huiqi.projects.templates import StepTemplate

SOON_WORKDAYS = 1  # yellow: due today or on the next working day (as for appeals)
PROGRESS_RULE = ("进度 = 已记录完成日期的环节数 ÷ 全部环节数（含供电、供水、供气、通讯、网络等"
                 "配套接入）；所处阶段 = 已完成的最后一个主线环节。均由各环节登记的日期算出，"
                 "不可手工填写。")


class StepLike(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def after(self) -> list[str]: ...
    @property
    def planned_due(self) -> date: ...
    @property
    def started_on(self) -> date | None: ...
    @property
    def done_on(self) -> date | None: ...


def plan(steps: Sequence[StepTemplate], signed_on: date,
         overrides: HolidayOverrides | None = None) -> dict[str, date]:
    """Planned completion dates: each step `workdays` working days after the latest planned
    date of the steps it follows; 签约 on the signing date."""
    due: dict[str, date] = {}
    for step in steps:
        base = max((due[k] for k in step.after), default=signed_on)
        due[step.key] = add_workdays(base, step.workdays, overrides)
    return due


class Colour(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True)
class StepClock:
    colour: Colour
    remaining_workdays: int  # negative: working days overdue (or finished late)
    label: str


def clock(today: date, due: date, done_on: date | None,
          overrides: HolidayOverrides | None = None) -> StepClock:
    if done_on is not None:
        left = remaining_workdays(done_on, due, overrides)
        if done_on <= due:
            return StepClock(Colour.GREEN, left, "按时完成")
        return StepClock(Colour.RED, left, f"超期{-left}个工作日完成" if left else "超期完成")
    left = remaining_workdays(today, due, overrides)
    if today > due:
        return StepClock(Colour.RED, left, f"已超期{-left}个工作日" if left else "已超期")
    if left == 0:
        return StepClock(Colour.YELLOW, 0, "今日到期")
    colour = Colour.YELLOW if left <= SOON_WORKDAYS else Colour.GREEN
    return StepClock(colour, left, f"剩余{left}个工作日")


def is_overdue(today: date, step: StepLike) -> bool:
    return step.done_on is None and today > step.planned_due


# --- recorded dates: the order rule -------------------------------------------------------------

class DateOrderError(ValidationFailed):
    code = "step_date_order"


def check_dates(step: StepLike, started_on: date | None, done_on: date | None,
                steps: Sequence[StepLike], today: date) -> None:
    """Refuse (422) dates in the future, a finish before the start, a date before a previous
    step's completion, a finish while a previous step is open, or a finish after a following
    step's recorded date."""
    for label, value in (("开始日期", started_on), ("完成日期", done_on)):
        if value is not None and value > today:
            raise DateOrderError(f"「{step.name}」的{label} {value.isoformat()} 晚于今天，"
                                 "只能登记已经发生的日期。")
    if started_on and done_on and done_on < started_on:
        raise DateOrderError(f"「{step.name}」的完成日期 {done_on.isoformat()} 早于开始日期 "
                             f"{started_on.isoformat()}。")
    by_key = {s.key: s for s in steps}
    earliest = min((d for d in (started_on, done_on) if d is not None), default=None)
    for key in step.after:
        previous = by_key[key]
        if done_on is not None and previous.done_on is None:
            raise DateOrderError(f"前一环节「{previous.name}」尚未登记完成日期，"
                                 f"不能先登记「{step.name}」完成。")
        if earliest is not None and previous.done_on is not None and earliest < previous.done_on:
            raise DateOrderError(
                f"「{step.name}」的日期 {earliest.isoformat()} 早于前一环节「{previous.name}」"
                f"的完成日期 {previous.done_on.isoformat()}，请核对后重新填写。")
    for later in steps:
        if step.key not in later.after or later.done_on is None:
            continue
        if done_on is None:
            raise DateOrderError(f"后一环节「{later.name}」已完成，不能清除「{step.name}」的"
                                 "完成日期。")
        if done_on > later.done_on:
            raise DateOrderError(f"「{step.name}」的完成日期 {done_on.isoformat()} 晚于后一环节"
                                 f"「{later.name}」的完成日期 {later.done_on.isoformat()}。")


# --- progress, stage, durations ------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        """Whole percent, rounded half up (for the bar; the fraction is shown beside it)."""
        return (self.done * 200 + self.total) // (self.total * 2) if self.total else 0


def progress(steps: Iterable[StepLike]) -> Progress:
    rows = list(steps)
    return Progress(sum(1 for s in rows if s.done_on is not None), len(rows))


def stage(steps: Sequence[StepLike]) -> str:
    """The last main-line step done (in table order), e.g. 开工; 未签约 if none."""
    done = [s for s in steps if s.kind == "milestone" and s.done_on is not None]
    return done[-1].name if done else "未签约"


def started_from(step: StepLike, by_key: Mapping[str, StepLike], signed_on: date) -> date | None:
    """When the step could start: the latest completion of the steps it follows (None while
    one of them is open)."""
    dates = [by_key[k].done_on for k in step.after]
    if any(d is None for d in dates):
        return None
    return max((d for d in dates if d is not None), default=signed_on)


def duration(step: StepLike, by_key: Mapping[str, StepLike], signed_on: date,
             overrides: HolidayOverrides | None = None) -> int | None:
    """Working days the step took: from its predecessors' completion to its own."""
    start = started_from(step, by_key, signed_on)
    if step.done_on is None or start is None:
        return None
    return workdays_between(start, step.done_on, overrides)
