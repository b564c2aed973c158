"""Generating, storing and handing out weekly reports (周报). The scheduler's Friday tick and
`huiqi report weekly` call `generate`; the page and the API list and download."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select
from sqlalchemy.orm import Session

from huiqi.audit import service as audit
from huiqi.auth.actor import Actor
from huiqi.insights import report, report_files
from huiqi.insights import report_repository as repo
from huiqi.insights.dashboard_public import reader
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound
from huiqi.models.user import Role
from huiqi.models.weekly_report import WeeklyReport
from huiqi.notify.service import notify

READERS = (Role.OFFICE, Role.LEADER)
FRIDAY = 4
NOT_FOUND = "周报不存在，或您没有访问权限。"


def title_for(p: report.Period, kind: str) -> str:
    if kind == "scheduled":
        return f"营商环境工作周报（{p.start.isoformat()} 至 {p.end.isoformat()}）"
    return f"营商环境工作报告（{p.start.isoformat()} 至 {p.end.isoformat()}）"


def generate(db: Session, actor: Actor, clock: Clock, start: date, end: date, *,
             kind: str = "on_demand", schedule_key: str | None = None) -> WeeklyReport:
    """Build the figures and both files, store them, audit, and notify the office."""
    p = report.period(start, end)
    content = report.build(db, reader(), p, clock.now())
    title = title_for(p, kind)
    row = WeeklyReport(kind=kind, schedule_key=schedule_key, period_start=p.start,
                       period_end=p.end, title=title, figures=content,
                       xlsx=report_files.xlsx(title, content),
                       pdf=report_files.pdf(title, content), created_by=actor.user_id,
                       created_at=clock.now())
    db.add(row)
    db.flush()
    audit.record(db, actor, "insights.report_generate", ("weekly_report", row.id),
                 after={"kind": kind, "start": p.start.isoformat(), "end": p.end.isoformat()})
    notify(db, repo.office_user_ids(db), f"{title}已生成",
           "可在“周报”页面查看并下载 Excel 和 PDF。", f"/insights/reports/{row.id}")
    return row


def friday_due(db: Session, clock: Clock) -> WeeklyReport | None:
    """From Friday (Beijing date) to Sunday: the report of the seven days before that Friday,
    once (a missed Friday is caught up over the week-end, not later)."""
    today = clock.today_local()
    friday = today - timedelta(days=(today.weekday() - FRIDAY) % 7)
    if (today - friday).days > 2:
        return None
    if repo.scheduled(db, friday.isoformat()) is not None:
        return None
    p = report.week_before(friday)
    return generate(db, Actor.system("scheduler"), clock, p.start, p.end, kind="scheduled",
                    schedule_key=friday.isoformat())


def _reader(actor: Actor) -> None:
    if actor.role not in READERS:
        raise NotFound(NOT_FOUND)


def listing(actor: Actor) -> Select[WeeklyReport]:
    _reader(actor)
    return repo.listing()


def get(db: Session, actor: Actor, report_id: int) -> WeeklyReport:
    _reader(actor)
    row = repo.get(db, report_id)
    if row is None:
        raise NotFound(NOT_FOUND)
    return row
