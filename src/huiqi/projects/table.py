"""Reading: the countdown table of one project, the list of projects with their worst clock, the
home page's figures, the Gantt chart's ECharts option, and the Excel of a table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from huiqi.appeals import service as appeals
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.excel import ledger_bytes
from huiqi.kit.workdays import HolidayOverrides, provisional_note
from huiqi.models.project import Project, ProjectProgress, ProjectStep
from huiqi.projects import countdown
from huiqi.projects import repository as repo
from huiqi.projects.access import access_project, visible_projects
from huiqi.projects.countdown import Colour, Progress, StepClock
from huiqi.projects.steps import week_of
from huiqi.projects.templates import KINDS

RANK = {Colour.GREEN: 0, Colour.YELLOW: 1, Colour.RED: 2}


@dataclass(frozen=True)
class StepRow:
    step: ProjectStep
    clock: StepClock
    started_from: date | None  # when it could start: its predecessors' completion
    took_workdays: int | None
    appeal: tuple[str, str, int | None] | None  # the step's appeal: status, department, by

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.step.kind, self.step.kind)


@dataclass(frozen=True)
class ProjectTable:
    project: Project
    rows: list[StepRow]
    progress: Progress
    stage: str
    people: dict[str, str]  # agent / secretary / lead → display name
    notes: list[ProjectProgress]
    reported_this_week: bool
    calendar_note: str | None
    rule: str = countdown.PROGRESS_RULE

    @property
    def worst(self) -> Colour:
        open_rows = [r.clock.colour for r in self.rows if r.step.done_on is None]
        return max(open_rows, key=RANK.__getitem__, default=Colour.GREEN)


def _rows(session: Session, project: Project, steps: list[ProjectStep], today: date,
          overrides: HolidayOverrides) -> list[StepRow]:
    by_key = {s.key: s for s in steps}
    appeal_ids = [s.appeal_id for s in steps if s.appeal_id is not None]
    statuses = appeals.referral_statuses(session, appeal_ids)
    return [StepRow(s, countdown.clock(today, s.planned_due, s.done_on, overrides),
                    countdown.started_from(s, by_key, project.signed_on),
                    countdown.duration(s, by_key, project.signed_on, overrides),
                    statuses.get(s.appeal_id) if s.appeal_id else None) for s in steps]


def table(session: Session, actor: Actor, clock: Clock, project_id: int) -> ProjectTable:
    project = access_project(session, actor, project_id)
    steps = repo.steps(session, project.id)
    today, overrides = clock.today_local(), appeals.holiday_overrides(session)
    names = repo.names(session, [project.agent_id, project.secretary_id, project.lead_id])
    people = {k: names.get(v, "—") if v else "—" for k, v in
              (("agent", project.agent_id), ("secretary", project.secretary_id),
               ("lead", project.lead_id))}
    notes = repo.progress(session, project.id)
    last = max((s.planned_due for s in steps), default=project.signed_on)
    return ProjectTable(project, _rows(session, project, steps, today, overrides),
                        countdown.progress(steps), countdown.stage(steps), people, notes,
                        any(n.week == week_of(today) for n in notes),
                        provisional_note(project.signed_on, last))


@dataclass(frozen=True)
class ProjectSummary:
    project: Project
    progress: Progress
    stage: str
    worst: Colour
    overdue: int  # open steps past their planned date
    blocked: int
    next_step: StepRow | None  # the open step due first


def summaries(session: Session, actor: Actor, clock: Clock, *, region: str = "",
              q: str = "", only_late: bool = False, unreported: bool = False
              ) -> list[ProjectSummary]:
    """The projects the actor may see; `only_late`: with an overdue step; `unreported`: not in
    production and without a progress note this week."""
    stmt = visible_projects(actor)
    if region:
        stmt = stmt.where(Project.region == region)
    if q.strip():
        like = f"%{q.strip()}%"
        stmt = stmt.where(Project.name.like(like) | Project.enterprise_name.like(like))
    found = repo.projects(session, stmt)
    all_steps = repo.steps_of(session, [p.id for p in found])
    today, overrides = clock.today_local(), appeals.holiday_overrides(session)
    if unreported:
        noted = repo.weeks_reported(session, [p.id for p in found], week_of(today))
        found = [p for p in found if p.id not in noted and not any(
            s.key == "production" and s.done_on for s in all_steps[p.id])]
    out = []
    for p in found:
        steps = all_steps[p.id]
        rows = [StepRow(s, countdown.clock(today, s.planned_due, s.done_on, overrides), None,
                        None, None) for s in steps if s.done_on is None]
        rows.sort(key=lambda r: (r.step.planned_due, r.step.seq))
        worst = max((r.clock.colour for r in rows), key=RANK.__getitem__, default=Colour.GREEN)
        late = sum(1 for r in rows if countdown.is_overdue(today, r.step))
        if only_late and not late:
            continue
        out.append(ProjectSummary(p, countdown.progress(steps), countdown.stage(steps), worst,
                                  late, sum(1 for s in steps if s.blocked_reason),
                                  rows[0] if rows else None))
    return out


# --- Gantt chart (ECharts option: stacked bars, a transparent offset then the duration) -------

COLOURS = {Colour.GREEN: "#2e7d32", Colour.YELLOW: "#ed8c00", Colour.RED: "#c62828"}
BAR: dict[str, Any] = {"type": "bar", "barMaxWidth": 18}  # thin bars however few the rows


def gantt_option(t: ProjectTable, today: date) -> dict[str, Any]:
    """Planned and actual spans per step, in calendar days after signing."""
    origin = t.project.signed_on
    by_key = {r.step.key: r.step for r in t.rows}
    plan_off: list[int] = []
    plan_len: list[int] = []
    act_off: list[int] = []
    act_len: list[dict[str, Any]] = []
    for r in t.rows:
        planned_start = max((by_key[k].planned_due for k in r.step.after), default=origin)
        plan_off.append((planned_start - origin).days)
        plan_len.append(max((r.step.planned_due - planned_start).days, 1))
        start = r.step.started_on or r.started_from
        end = r.step.done_on or (today if start else None)
        if start is None or end is None:
            act_off.append(0)
            act_len.append({"value": 0})
            continue
        act_off.append((start - origin).days)
        act_len.append({"value": max((end - start).days, 1),
                        "itemStyle": {"color": COLOURS[r.clock.colour]}})
    hidden = {"color": "transparent"}
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"data": ["计划", "实际"], "top": 0},
        "grid": {"left": 90, "right": 24, "top": 30, "bottom": 36},
        "xAxis": {"type": "value", "name": "签约后天数", "nameLocation": "middle",
                  "nameGap": 24, "axisLabel": {"formatter": "{value}天"}},
        "yAxis": {"type": "category", "inverse": True, "data": [r.step.name for r in t.rows]},
        "series": [
            {"name": "计划起点", **BAR, "stack": "plan", "silent": True,
             "itemStyle": hidden, "tooltip": {"show": False}, "data": plan_off},
            {"name": "计划", **BAR, "stack": "plan", "data": plan_len,
             "itemStyle": {"color": "#b9c9e4"}, "barGap": "10%"},
            {"name": "实际起点", **BAR, "stack": "actual", "silent": True,
             "itemStyle": hidden, "tooltip": {"show": False}, "data": act_off},
            {"name": "实际", **BAR, "stack": "actual", "data": act_len,
             "itemStyle": {"color": COLOURS[Colour.GREEN]}},
        ],
    }


HEADERS = ["序号", "环节", "类型", "责任部门", "时限（工作日）", "计划完成", "开始日期",
           "完成日期", "用时（工作日）", "倒计时", "受阻原因", "诉求编号", "升级牵头领导"]


def table_xlsx(t: ProjectTable) -> bytes:
    p = t.project
    rows = [[r.step.seq, r.step.name, r.kind_label, r.step.department_name,
             r.step.limit_workdays, r.step.planned_due, r.step.started_on, r.step.done_on,
             r.took_workdays, r.clock.label, r.step.blocked_reason or "",
             r.step.appeal_id or "", r.step.escalated_at or ""] for r in t.rows]
    filters = [("企业", p.enterprise_name), ("签约日期", p.signed_on.isoformat()),
               ("代办员", t.people["agent"]), ("牵头领导", t.people["lead"]),
               ("进度", f"{t.progress.done}/{t.progress.total}（{t.progress.percent}%）"),
               ("所处阶段", t.stage)]
    return ledger_bytes(f"{p.name} 倒计时作战表", filters, HEADERS, rows, sheet="倒计时作战表")


LIST_HEADERS = ["项目", "企业", "所在区", "总投资（元）", "签约日期", "所处阶段", "进度",
                "超期环节", "受阻环节", "最近到期环节", "倒计时"]


def list_xlsx(items: list[ProjectSummary], regions: dict[str, str]) -> bytes:
    rows = [[s.project.name, s.project.enterprise_name,
             regions.get(s.project.region, s.project.region), s.project.amount,
             s.project.signed_on, s.stage, f"{s.progress.done}/{s.progress.total}",
             s.overdue, s.blocked, s.next_step.step.name if s.next_step else "已全部完成",
             s.next_step.clock.label if s.next_step else ""] for s in items]
    return ledger_bytes("招商项目台账", [], LIST_HEADERS, rows, sheet="项目台账")


def home_context(session: Session, actor: Actor) -> dict[str, Any]:
    """The home page's tiles; each counts what the list it links to shows."""
    clock = Clock()  # the home panel gets no clock: real time, as the app runs
    items = summaries(session, actor, clock)
    unreported = summaries(session, actor, clock, unreported=True)
    return {"total": len(items), "late": sum(1 for s in items if s.overdue),
            "unreported": len(unreported)}
