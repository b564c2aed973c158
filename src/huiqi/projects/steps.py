"""Work on the countdown table: recording a step's dates, a blocked step (raises an appeal to the
step's department through appeals.service), escalation to the lead official (五个一), the
office's adjustments of a step, and the agent's weekly progress note. Each change writes its
audit row and notifications in the caller's transaction."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.appeals import service as appeals
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import Conflict, NotFound, ValidationFailed
from huiqi.kit.workdays import add_workdays
from huiqi.models.project import Project, ProjectProgress, ProjectStep
from huiqi.notify.service import notify
from huiqi.projects import countdown
from huiqi.projects import repository as repo
from huiqi.projects.access import access_project, require_office, require_step_writer
from huiqi.projects.registry import clean

STEP_FIELDS = ("started_on", "done_on", "blocked_reason", "appeal_id", "department_name",
               "limit_workdays", "planned_due")
MAX_NOTE = 2000
DEFAULT_CATEGORY = "审批许可"


def _load(session: Session, actor: Actor, project_id: int, step_id: int
          ) -> tuple[Project, list[ProjectStep], ProjectStep]:
    project = access_project(session, actor, project_id, for_update=True)
    steps = repo.steps(session, project.id, for_update=True)
    step = next((s for s in steps if s.id == step_id), None)
    if step is None:
        raise NotFound("该项目没有这个环节。")
    return project, steps, step


def record_dates(session: Session, actor: Actor, clock: Clock, project_id: int, step_id: int,
                 started_on: date | None, done_on: date | None) -> ProjectStep:
    """Record when a step started and finished (422 when the order rule is broken)."""
    require_step_writer(actor)
    project, steps, step = _load(session, actor, project_id, step_id)
    if step.key == "sign":
        raise ValidationFailed("签约日期即项目的签约日期，请在项目信息中修改。")
    countdown.check_dates(step, started_on, done_on, steps, clock.today_local())
    for value in (started_on, done_on):
        if value is not None and value < project.signed_on:
            raise countdown.DateOrderError(
                f"「{step.name}」的日期 {value.isoformat()} 早于项目签约日期 "
                f"{project.signed_on.isoformat()}。")
    before = audit.snapshot(step, *STEP_FIELDS)
    step.started_on, step.done_on = started_on, done_on
    if done_on is not None:
        step.blocked_reason = None  # done: no longer blocked
    if audit.snapshot(step, *STEP_FIELDS) == before:
        return step
    now = step.updated_at = project.updated_at = clock.now()
    audit.record(session, actor, "project.step_record", step, before=before,
                 after={**audit.snapshot(step, *STEP_FIELDS), "project_id": project.id}, at=now)
    if done_on is not None and before.get("done_on") is None:
        late = done_on > step.planned_due
        notify(session, _others(project, actor), f"项目环节已完成：{step.name}",
               f"“{project.name}”的「{step.name}」于 {done_on.isoformat()} 完成"
               f"{'（超过计划日期 ' + step.planned_due.isoformat() + '）' if late else ''}。",
               f"/projects/{project.id}", at=now)
    return step


def block(session: Session, actor: Actor, clock: Clock, project_id: int, step_id: int,
          reason: str, category: str | None = None) -> ProjectStep:
    """Mark a step blocked and raise an appeal (来源：项目代办) dispatched at once to the step's
    responsible department; an overdue step is escalated to the lead official at once."""
    require_step_writer(actor)
    project, _, step = _load(session, actor, project_id, step_id)
    if step.done_on is not None:
        raise Conflict(f"「{step.name}」已完成，不能标为受阻。")
    text = clean(reason, "受阻原因")
    if not text:
        raise ValidationFailed("请写明受阻原因：卡在哪里、需要部门做什么。",
                               details={"field": "reason"})
    if len(text) > MAX_NOTE:
        raise ValidationFailed(f"受阻原因不能超过 {MAX_NOTE} 字。")
    if step.department_id is None:
        raise ValidationFailed(
            f"「{step.name}」尚未指定责任部门（模板中为「{step.department_name}」），"
            "请营商办先在项目页指定责任部门。")
    before = audit.snapshot(step, *STEP_FIELDS)
    appeal = appeals.refer(session, actor, clock, appeals.AppealIn(
        category=category or DEFAULT_CATEGORY, title=f"{project.name}：{step.name}受阻"[:200],
        description=f"招商项目“{project.name}”的「{step.name}」环节受阻（计划完成 "
                    f"{step.planned_due.isoformat()}）：{text}",
        enterprise_uscc=project.enterprise_uscc, enterprise_name=project.enterprise_name,
        extra={"project_id": project.id, "step": step.key}), step.department_name)
    now = step.updated_at = project.updated_at = clock.now()
    step.blocked_reason, step.appeal_id = text, appeal.id
    audit.record(session, actor, "project.step_block", step, before=before,
                 after={**audit.snapshot(step, *STEP_FIELDS), "project_id": project.id}, at=now)
    notify(session, _others(project, actor) + repo.office_user_ids(session),
           f"项目环节受阻：{step.name}",
           f"“{project.name}”的「{step.name}」受阻，已向{step.department_name}提出诉求 "
           f"#{appeal.id}：{text}", f"/projects/{project.id}", at=now)
    if countdown.is_overdue(clock.today_local(), step) and step.escalated_at is None:
        escalate(session, actor, project, step, now)
    return step


def unblock(session: Session, actor: Actor, clock: Clock, project_id: int, step_id: int
            ) -> ProjectStep:
    require_step_writer(actor)
    project, _, step = _load(session, actor, project_id, step_id)
    if step.blocked_reason is None:
        return step
    before = audit.snapshot(step, *STEP_FIELDS)
    step.blocked_reason = None
    now = step.updated_at = clock.now()
    audit.record(session, actor, "project.step_unblock", step, before=before,
                 after={**audit.snapshot(step, *STEP_FIELDS), "project_id": project.id}, at=now)
    return step


def escalate(session: Session, actor: Actor, project: Project, step: ProjectStep,
             now: datetime) -> None:
    """五个一: an overdue step goes to the project's lead official (and the office)."""
    step.escalated_at = now
    audit.record(session, actor, "project.step_escalate", step,
                 after={"project_id": project.id, "planned_due": step.planned_due,
                        "lead_id": project.lead_id, "blocked": step.blocked_reason is not None,
                        "appeal_id": step.appeal_id}, at=now)
    blocked = f"受阻原因：{step.blocked_reason}（诉求 #{step.appeal_id}）。" \
        if step.blocked_reason else ""
    ids = [i for i in (project.lead_id, project.agent_id) if i] + repo.office_user_ids(session)
    notify(session, ids, f"项目环节超期，请牵头领导调度：{step.name}",
           f"“{project.name}”的「{step.name}」（责任部门：{step.department_name}）已超过计划完成"
           f"日期 {step.planned_due.isoformat()}。{blocked}", f"/projects/{project.id}", at=now)


def adjust(session: Session, actor: Actor, clock: Clock, project_id: int, step_id: int, *,
           department: str | None = None, limit_workdays: int | None = None) -> ProjectStep:
    """The office sets a step's responsible department or time limit; the planned dates of the
    open steps are recomputed from the limits (dates already recorded never move)."""
    require_office(actor)
    project, steps, step = _load(session, actor, project_id, step_id)
    before = audit.snapshot(step, *STEP_FIELDS)
    if department is not None and department.strip():
        dept = repo.department_for(session, department.strip())
        if dept is None:
            raise ValidationFailed(f"部门「{department}」不存在，请从部门列表中选择。")
        step.department_id, step.department_name = dept.id, dept.name
    if limit_workdays is not None:
        if not 0 <= limit_workdays <= 1000:
            raise ValidationFailed("时限应为 0 到 1000 个工作日。")
        step.limit_workdays = limit_workdays
        _replan(session, project, steps)
    now = step.updated_at = clock.now()
    audit.record(session, actor, "project.step_adjust", step, before=before,
                 after={**audit.snapshot(step, *STEP_FIELDS), "project_id": project.id}, at=now)
    return step


def _replan(session: Session, project: Project, steps: list[ProjectStep]) -> None:
    overrides = appeals.holiday_overrides(session)
    due: dict[str, date] = {}
    for s in steps:
        base = max((due[k] for k in s.after), default=project.signed_on)
        planned = add_workdays(base, s.limit_workdays, overrides)
        if s.done_on is None and s.key != "sign":
            s.planned_due = planned
        due[s.key] = s.planned_due


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def add_progress(session: Session, actor: Actor, clock: Clock, project_id: int, note: str
                 ) -> ProjectProgress:
    """一周跟踪进度: the agent's note for the current week (Monday to Sunday, Beijing time)."""
    require_step_writer(actor)
    project = access_project(session, actor, project_id)
    text = clean(note, "本周进度")
    if not text:
        raise ValidationFailed("请填写本周进度。", details={"field": "note"})
    if len(text) > MAX_NOTE:
        raise ValidationFailed(f"本周进度不能超过 {MAX_NOTE} 字。")
    now = clock.now()
    row = ProjectProgress(project_id=project.id, week=week_of(clock.today_local()), note=text,
                          author_id=actor.user_id, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "project.progress", row,
                 after={"project_id": project.id, "week": row.week, "note": text}, at=now)
    return row


def _others(project: Project, actor: Actor) -> list[int]:
    people = (project.agent_id, project.secretary_id, project.lead_id)
    return [i for i in dict.fromkeys(people) if i is not None and i != actor.user_id]
