"""开工率, 投产率, on-time steps by department, median working days per step — computed from the
steps' recorded dates as of a day, with their definitions (shown on the page)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.orm import Session

from huiqi.appeals import service as appeals
from huiqi.auth.actor import Actor
from huiqi.kit.workdays import HolidayOverrides
from huiqi.models.project import Project, ProjectStep
from huiqi.projects import countdown
from huiqi.projects import repository as repo
from huiqi.projects.access import visible_projects
from huiqi.projects.table import BAR

DEFINITIONS = {
    "开工率": "截至统计日「开工」环节已登记完成的项目数 ÷ 截至统计日已签约的项目数",
    "投产率": "截至统计日「投产」环节已登记完成的项目数 ÷ 截至统计日已签约的项目数",
    "环节按时完成率": "截至统计日完成的环节中，完成日期不晚于计划完成日期的比例（签约除外），"
                       "按责任部门分列",
    "环节用时中位数": "每个已完成环节从前序环节全部完成之日到本环节完成之日的工作日数"
                       "（按诉求同一工作日历，含调休）的中位数",
}

def percent(part: int, whole: int) -> Decimal | None:
    """One decimal, half up; None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class DepartmentRow:
    department: str
    done: int
    on_time: int
    open_overdue: int

    @property
    def rate(self) -> Decimal | None:
        return percent(self.on_time, self.done)


@dataclass(frozen=True)
class StepMedian:
    name: str
    count: int
    median: Decimal | None  # working days; .5 when the count is even


@dataclass(frozen=True)
class ProjectRates:
    as_of: date
    signed: int
    started: int
    produced: int
    by_department: list[DepartmentRow]
    medians: list[StepMedian]

    @property
    def start_rate(self) -> Decimal | None:
        return percent(self.started, self.signed)

    @property
    def production_rate(self) -> Decimal | None:
        return percent(self.produced, self.signed)


def _done_by(step: ProjectStep, as_of: date) -> bool:
    return step.done_on is not None and step.done_on <= as_of


def compute(projects: Sequence[tuple[Project, list[ProjectStep]]], as_of: date,
            overrides: HolidayOverrides | None = None) -> ProjectRates:
    signed = [(p, steps) for p, steps in projects if p.signed_on <= as_of]
    started = sum(1 for _, steps in signed
                  if any(s.key == "start" and _done_by(s, as_of) for s in steps))
    produced = sum(1 for _, steps in signed
                   if any(s.key == "production" and _done_by(s, as_of) for s in steps))
    done: dict[str, list[bool]] = defaultdict(list)
    late_open: dict[str, int] = defaultdict(int)
    took: dict[str, list[int]] = defaultdict(list)
    order: dict[str, int] = {}
    for p, steps in signed:
        by_key = {s.key: s for s in steps}
        for s in steps:
            order.setdefault(s.name, s.seq)
            if s.key == "sign":
                continue
            if _done_by(s, as_of):
                assert s.done_on is not None
                done[s.department_name].append(s.done_on <= s.planned_due)
                days = countdown.duration(s, by_key, p.signed_on, overrides)
                if days is not None:
                    took[s.name].append(days)
            elif as_of > s.planned_due:
                late_open[s.department_name] += 1
    departments = sorted(set(done) | set(late_open))
    rows = [DepartmentRow(d, len(done[d]), sum(done[d]), late_open[d]) for d in departments]
    rows.sort(key=lambda r: (-(r.rate or Decimal(-1)), r.department))
    medians = [StepMedian(n, len(took[n]),
                          Decimal(str(statistics.median(took[n]))) if took[n] else None)
               for n in sorted(order, key=order.__getitem__) if n != "签约"]
    return ProjectRates(as_of, len(signed), started, produced, rows, medians)


def report(session: Session, actor: Actor, as_of: date, region: str = "") -> ProjectRates:
    stmt = visible_projects(actor)
    if region:
        stmt = stmt.where(Project.region == region)
    found = repo.projects(session, stmt)
    steps = repo.steps_of(session, [p.id for p in found])
    return compute([(p, steps[p.id]) for p in found], as_of, appeals.holiday_overrides(session))


def portfolio_gantt(session: Session, actor: Actor, today: date, region: str = ""
                    ) -> dict[str, Any]:
    """One row per project: planned signing → planned 投产, and signing → 投产 (or today)."""
    stmt = visible_projects(actor)
    if region:
        stmt = stmt.where(Project.region == region)
    found = repo.projects(session, stmt)
    steps = repo.steps_of(session, [p.id for p in found])
    origin = min((p.signed_on for p in found), default=today)
    names: list[str] = []
    p_off: list[int] = []
    p_len: list[int] = []
    a_off: list[int] = []
    a_len: list[dict[str, Any]] = []
    for p in found:
        last = max((s.planned_due for s in steps[p.id]), default=p.signed_on)
        produced = next((s.done_on for s in steps[p.id] if s.key == "production"), None)
        late = any(countdown.is_overdue(today, s) for s in steps[p.id])
        names.append(p.name[:14])
        p_off.append((p.signed_on - origin).days)
        p_len.append(max((last - p.signed_on).days, 1))
        a_off.append((p.signed_on - origin).days)
        colour = "#2e7d32" if produced or not late else "#c62828"
        a_len.append({"value": max(((produced or today) - p.signed_on).days, 1),
                      "itemStyle": {"color": colour}})
    hidden = {"color": "transparent"}
    return {
        "tooltip": {"trigger": "item"}, "legend": {"data": ["计划（签约→投产）", "实际"], "top": 0},
        "grid": {"left": 150, "right": 24, "top": 30, "bottom": 36},
        "xAxis": {"type": "value", "name": f"{origin.isoformat()} 起天数",
                  "nameLocation": "middle", "nameGap": 24},
        "yAxis": {"type": "category", "inverse": True, "data": names},
        "series": [
            {"name": "计划起点", **BAR, "stack": "plan", "silent": True,
             "itemStyle": hidden, "tooltip": {"show": False}, "data": p_off},
            {"name": "计划（签约→投产）", **BAR, "stack": "plan", "data": p_len,
             "itemStyle": {"color": "#b9c9e4"}},
            {"name": "实际起点", **BAR, "stack": "actual", "silent": True,
             "itemStyle": hidden, "tooltip": {"show": False}, "data": a_off},
            {"name": "实际", **BAR, "stack": "actual", "data": a_len,
             "itemStyle": {"color": "#2e7d32"}},
        ],
    }
