"""The demo seeder's reads (grants.demo): whether any application exists, departments by name,
an item's candidate enterprises, the grants of chosen applications."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huiqi.models.application import Application
from huiqi.models.department import Department
from huiqi.models.enterprise import enterprises
from huiqi.models.grant import Grant
from huiqi.models.match_result import MatchResult
from huiqi.models.user import User


def has_applications(db: Session) -> bool:
    return bool(db.scalar(select(func.count()).select_from(Application)))


def department_ids(db: Session) -> dict[str, int]:
    """Department name → id."""
    return {name: id_ for id_, name in db.execute(select(Department.id, Department.name))}


def candidates(db: Session, item_id: str) -> list[tuple[str, str | None]]:
    """(USCC, missing facts) of the enterprises eligible for the item, then of those unknown."""
    rows = db.execute(
        select(enterprises.c.uscc, MatchResult.missing)
        .join(MatchResult, MatchResult.enterprise_id == enterprises.c.id)
        .where(MatchResult.item_id == item_id, MatchResult.eligible.is_not(False))
        .order_by(MatchResult.eligible.is_(None), enterprises.c.id))
    return [(uscc, missing) for uscc, missing in rows]


def enterprises_with_accounts(db: Session) -> list[str]:
    """USCCs of the enterprises that have a login."""
    return [u for u in db.scalars(select(User.enterprise_uscc).where(
        User.enterprise_uscc.is_not(None)).distinct()) if u]


def grant_ids(db: Session, application_ids: Sequence[int]) -> list[int]:
    return list(db.scalars(select(Grant.id).where(Grant.application_id.in_(application_ids))))
