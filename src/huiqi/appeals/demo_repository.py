"""SQL of the demo appeals (huiqi.appeals.demo): what is there already, and whom to use."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huiqi.models.appeal import Appeal
from huiqi.models.department import Department
from huiqi.models.enterprise import enterprises
from huiqi.models.user import User


def appeal_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Appeal)) or 0


def department_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Department)) or 0


def departments_by_name(session: Session) -> dict[str, Department]:
    return {d.name: d for d in session.scalars(select(Department).order_by(Department.id))}


def user_named(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def first_usccs(session: Session, limit: int, region: str | None = None) -> list[str]:
    """The first `limit` enterprises by id (of `region`, if given)."""
    stmt = select(enterprises.c.uscc)
    if region is not None:
        stmt = stmt.where(enterprises.c.region == region)
    return [str(u) for u in session.scalars(stmt.order_by(enterprises.c.id).limit(limit))]
