"""Inspection records, 责令整改 and follow-up, 包容免罚 告知, the 公示 (within 20 working days),
rescheduling under the 企业安静期 rule, and the coverage counts the seeds quote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit import uploads
from huiqi.kit.clock import Clock
from huiqi.kit.errors import Conflict, NotFound, ValidationFailed
from huiqi.kit.settings import Settings
from huiqi.kit.workdays import add_workdays
from huiqi.models.supervision import Exemption, Inspection
from huiqi.models.user import Role
from huiqi.notify.service import notify
from huiqi.supervision import access, calendar
from huiqi.supervision import repository as repo
from huiqi.supervision.vocab import PUBLISH_WITHIN_WORKDAYS, QUIET_EXCEPTIONS, Outcome


def _writer(session: Session, actor: Actor, inspection_id: int) -> Inspection:
    if actor.role not in (Role.INSPECTOR, Role.SUPERVISOR, Role.OFFICE):
        raise NotFound(access.MISSING)
    return access.inspection_for(session, actor, inspection_id)


def exemptions_for(session: Session, inspection: Inspection, findings: str = "") -> list[Exemption]:
    """The plan departments' 包容免罚 entries, those whose keywords occur in the findings first."""
    plan = repo.plan(session, inspection.plan_id)
    rows = repo.exemptions(session, plan.department_ids if plan else [])
    return sorted(rows, key=lambda e: (not any(k and k in findings for k in e.keywords), e.id))


def matching_exemptions(session: Session, inspection: Inspection, findings: str
                        ) -> list[Exemption]:
    return [e for e in exemptions_for(session, inspection, findings)
            if any(k and k in findings for k in e.keywords)]


@dataclass(frozen=True)
class RecordIn:
    outcome: str
    findings: str = ""
    exemption_id: int | None = None
    rectify_by: date | None = None


def record(session: Session, actor: Actor, clock: Clock, inspection_id: int,
           data: RecordIn) -> Inspection:
    row = _writer(session, actor, inspection_id)
    if row.status != "scheduled":
        raise Conflict("该检查已记录结果。")
    try:
        outcome = Outcome(data.outcome)
    except ValueError as exc:
        raise ValidationFailed("检查结果应为 未发现问题、发现问题 或 未找到企业。") from exc
    findings = data.findings.strip()
    if outcome is Outcome.ISSUES and not findings:
        raise ValidationFailed("发现问题时须写明问题。")
    today = clock.today_local()
    if data.rectify_by is not None and data.rectify_by <= today:
        raise ValidationFailed("整改期限应晚于今天。")
    exemption = None
    if data.exemption_id is not None:
        if outcome is not Outcome.ISSUES:
            raise ValidationFailed("只有发现问题时才适用包容免罚。")
        exemption = next((e for e in exemptions_for(session, row)
                          if e.id == data.exemption_id), None)
        if exemption is None:
            raise ValidationFailed("所选包容免罚事项不属于本次检查的部门。")
    row.outcome, row.findings, row.status = outcome.value, findings or None, "recorded"
    row.exemption_id = exemption.id if exemption else None
    row.rectify_by = data.rectify_by
    row.rectify_status = "pending" if data.rectify_by else None
    row.notice = _notice(row, exemption) if exemption else None
    row.recorded_by, row.recorded_at = actor.user_id, clock.now()
    row.publish_due = add_workdays(today, PUBLISH_WITHIN_WORKDAYS,
                                   repo.holiday_overrides(session))
    audit.record(session, actor, "supervision.inspection_record", row, after=audit.snapshot(
        row, "outcome", "findings", "exemption_id", "rectify_by", "publish_due"))
    _tell_enterprise(session, row)
    return row


def _notice(row: Inspection, e: Exemption) -> str:
    text = (f"包容免罚告知：经检查，你单位存在以下情形：{row.findings}。"
            f"该情形属于本部门包容免罚清单“{e.item}”（适用条件：{e.conditions}），依据{e.legal_basis}，本次不予行政处罚。")
    if row.rectify_by:
        text += f"请于 {row.rectify_by.isoformat()} 前完成整改。"
    return text


def _tell_enterprise(session: Session, row: Inspection) -> None:
    if row.notice:
        title, body = "包容免罚告知", row.notice
    elif row.rectify_by:
        title = "责令整改通知"
        body = f"检查发现：{row.findings}。请于 {row.rectify_by.isoformat()} 前整改。"
    else:
        title, body = "检查结果", f"检查结果：{Outcome(row.outcome or 'clear').label}。"
    notify(session, repo.enterprise_users(session, row.uscc), title, body,
           f"/supervision/mine/{row.id}")


def attach(session: Session, actor: Actor, settings: Settings, inspection_id: int,
           filename: str, stream: BinaryIO) -> Inspection:
    row = _writer(session, actor, inspection_id)
    if len(row.attachments) >= 10:
        raise ValidationFailed("每次检查最多上传 10 个附件。")
    stored = uploads.store(session, settings.uploads_dir / "supervision", stream, filename,
                           settings.upload_max_bytes)
    row.attachments = [*row.attachments, {"name": stored.original_filename,
                                          "stored": stored.stored_name,
                                          "type": stored.content_type, "sha256": stored.sha256}]
    audit.record(session, actor, "supervision.attachment_add", row,
                 after={"filename": stored.original_filename, "sha256": stored.sha256})
    return row


def attachment_path(session: Session, actor: Actor, settings: Settings, inspection_id: int,
                    index: int) -> tuple[dict[str, str], Path]:
    row = access.inspection_for(session, actor, inspection_id)
    if not 0 <= index < len(row.attachments):
        raise NotFound("附件不存在。")
    entry = row.attachments[index]
    return entry, uploads.resolve(settings.uploads_dir / "supervision", entry["stored"])


def follow_up(session: Session, actor: Actor, clock: Clock, inspection_id: int,
              note: str) -> Inspection:
    row = _writer(session, actor, inspection_id)
    if row.rectify_status != "pending":
        raise Conflict("该检查没有待跟进的整改。")
    if not note.strip():
        raise ValidationFailed("请写明整改复查情况。")
    row.rectify_status, row.follow_up = "done", note.strip()
    audit.record(session, actor, "supervision.rectify_done", row,
                 after=audit.snapshot(row, "rectify_status", "follow_up"))
    return row


def publish(session: Session, actor: Actor | None, clock: Clock, inspection_id: int) -> Inspection:
    row = repo.inspection(session, inspection_id) if actor is None else \
        access.inspection_for(session, actor, inspection_id)
    if row is None or (actor is not None and actor.role not in (Role.SUPERVISOR, Role.OFFICE)):
        raise NotFound(access.MISSING)
    if row.recorded_at is None:
        raise Conflict("尚未记录检查结果，不能公示。")
    if row.published_at is not None:
        raise Conflict("该结果已公示。")
    row.published_at, row.status = clock.now(), "published"
    audit.record(session, actor, "supervision.inspection_publish", row,
                 after={"published_at": row.published_at})
    return row


def reschedule(session: Session, actor: Actor, clock: Clock, inspection_id: int, day: date,
               exception: str | None, reason: str | None) -> Inspection:
    row = _writer(session, actor, inspection_id)
    if actor.role is Role.INSPECTOR:
        raise NotFound(access.MISSING)
    if row.status != "scheduled":
        raise Conflict("已记录结果的检查不能改期。")
    if day < clock.today_local():
        raise ValidationFailed("不能改到今天之前。")
    calendar.check_exception(day, calendar.current(session), exception, reason)
    quiet = calendar.current(session).is_quiet(day)
    before = audit.snapshot(row, "day", "quiet_exception", "quiet_reason")
    row.day = day
    row.quiet_exception = exception if quiet else None
    row.quiet_reason = (reason or "").strip() if quiet else None
    audit.record(session, actor, "supervision.inspection_reschedule", row, before=before,
                 after=audit.snapshot(row, "day", "quiet_exception", "quiet_reason"))
    return row


def publish_due(session: Session, clock: Clock) -> int:
    """The scheduler: results not yet published are published on their 20th working day."""
    rows = repo.due_unpublished(session, clock.today_local())
    for row in rows:
        publish(session, None, clock, row.id)
    return len(rows)


def exception_label(code: str | None) -> str:
    return QUIET_EXCEPTIONS.get(code or "", "")


@dataclass(frozen=True)
class DepartmentFigures:
    department: str
    items: int
    items_planned: int
    inspections: int
    recorded: int
    published: int
    exemptions: int
    exemption_notices: int

    @property
    def coverage(self) -> str:
        return f"{self.items_planned * 100 / self.items:.0f}%" if self.items else "—"


def coverage(session: Session) -> list[DepartmentFigures]:
    """检查实施清单 and 包容免罚 counts per department (seeds/004's figures)."""
    plans = repo.plans(session)
    planned = {i for p in plans for i in p.item_ids}
    inspections = repo.inspections(session)
    plan_depts = {p.id: p.department_ids for p in plans}
    exemptions = repo.exemptions(session, include_inactive=True)  # notices given still count
    out = []
    for dept in repo.departments(session):
        items = repo.items(session, [dept.id], active_only=True)
        mine = [i for i in inspections if dept.id in plan_depts.get(i.plan_id, [])]
        dept_ex = [e for e in exemptions if e.department_id == dept.id]
        ids = {e.id for e in dept_ex}
        notices = sum(1 for i in mine if i.exemption_id in ids)
        dept_ex = [e for e in dept_ex if e.active]
        if not items and not mine and not dept_ex:
            continue
        out.append(DepartmentFigures(
            dept.name, len(items), sum(1 for i in items if i.id in planned), len(mine),
            sum(1 for i in mine if i.recorded_at), sum(1 for i in mine if i.published_at),
            len(dept_ex), notices))
    return out
