"""The projects tick: the countdown turned into reminders and escalations.

    tick(session, clock)  # idempotent: each reminder once (project_reminders), each escalation once

- a step due within one working day (yellow) → its agent is reminded;
- a step past its planned date (red) → escalated to the project's lead official and the office
  (五个一), once per step (`escalated_at`), audited;
- from Friday (Beijing time), a project whose agent filed no progress note this week → the agent
  is reminded (一周跟踪进度), once per project and week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from huiqi.appeals import service as appeals
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.workdays import HolidayOverrides, remaining_workdays
from huiqi.models.project import Project, ProjectReminder, ProjectStep
from huiqi.notify.service import notify
from huiqi.projects import countdown
from huiqi.projects import repository as repo
from huiqi.projects.steps import escalate, week_of

SYSTEM = Actor.system("projects.tick")
FRIDAY = 4


@dataclass(frozen=True)
class TickResult:
    reminded: int  # steps due soon, agents reminded
    escalated: int  # overdue steps escalated to the lead official
    weekly: int  # weekly-progress reminders

    def describe(self) -> str:
        return (f"环节到期提醒 {self.reminded} 件，超期升级牵头领导 {self.escalated} 件，"
                f"周进度提醒 {self.weekly} 件。")


def tick(session: Session, clock: Clock) -> TickResult:
    today, now = clock.today_local(), clock.now()
    overrides = appeals.holiday_overrides(session)
    projects = repo.open_projects(session)
    steps = repo.steps_of(session, [p.id for p in projects])
    reminded = escalated = 0
    for project in projects:
        for step in steps[project.id]:
            if step.done_on is not None:
                continue
            if countdown.is_overdue(today, step):
                if step.escalated_at is None:
                    escalate(session, SYSTEM, project, step, now)
                    escalated += 1
            elif _due_soon(session, project, step, today, now, overrides):
                reminded += 1
    weekly = _weekly(session, projects, today, now) if today.weekday() >= FRIDAY else 0
    return TickResult(reminded, escalated, weekly)


def _once(session: Session, project: Project, kind: str, due: date, now: datetime) -> bool:
    if repo.reminder_sent(session, project.id, kind, due):
        return False
    session.add(ProjectReminder(project_id=project.id, kind=kind, due=due, sent_at=now))
    return True


def _due_soon(session: Session, project: Project, step: ProjectStep, today: date,
              now: datetime, overrides: HolidayOverrides) -> bool:
    if remaining_workdays(today, step.planned_due, overrides) > countdown.SOON_WORKDAYS:
        return False
    if project.agent_id is None or not _once(session, project, f"soon:{step.key}",
                                             step.planned_due, now):
        return False
    when = "今日" if today == step.planned_due else step.planned_due.isoformat()
    notify(session, [project.agent_id], f"项目环节即将到期：{step.name}",
           f"“{project.name}”的「{step.name}」计划于{when}完成（{step.department_name}），"
           "请抓紧跟进。", f"/projects/{project.id}", at=now)
    return True


def _weekly(session: Session, projects: list[Project], today: date, now: datetime) -> int:
    week = week_of(today)
    mine = [p for p in projects if p.agent_id is not None]
    reported = repo.weeks_reported(session, [p.id for p in mine], week)
    sent = 0
    for project in mine:
        if project.id in reported or not _once(session, project, "weekly", week, now):
            continue
        assert project.agent_id is not None
        notify(session, [project.agent_id], "请填写本周项目进度",
               f"“{project.name}”本周（{week.isoformat()} 起）尚未填写跟踪进度，"
               "请在倒计时作战表上填写。", f"/projects/{project.id}", at=now)
        sent += 1
    return sent
