"""SQL of the weekly reports: stored reports, and who is told of a new one."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from huiqi.models.user import Role, User
from huiqi.models.weekly_report import WeeklyReport


def listing() -> Select[WeeklyReport]:
    return select(WeeklyReport).order_by(WeeklyReport.period_start.desc(), WeeklyReport.id.desc())


def get(session: Session, report_id: int) -> WeeklyReport | None:
    return session.get(WeeklyReport, report_id)


def scheduled(session: Session, key: str) -> WeeklyReport | None:
    return session.scalar(select(WeeklyReport).where(WeeklyReport.schedule_key == key))


def office_user_ids(session: Session) -> list[int]:
    return list(session.scalars(select(User.id).where(
        User.role == Role.OFFICE.value, User.is_active.is_(True)).order_by(User.id)))
