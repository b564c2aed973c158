"""All SQL of targeting: enterprise accounts, the targeting actions (liaison's officials and
tiers come from liaison.service)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from huiqi.models.department import Department
from huiqi.models.insight_action import InsightAction
from huiqi.models.user import Role, User


def enterprise_accounts(session: Session, usccs: Sequence[str]) -> dict[str, list[int]]:
    """uscc → its active enterprise accounts."""
    found: dict[str, list[int]] = {}
    for chunk in _chunks(list(usccs)):
        for uid, uscc in session.execute(
                select(User.id, User.enterprise_uscc)
                .where(User.role == Role.ENTERPRISE.value, User.is_active.is_(True),
                       User.enterprise_uscc.in_(chunk)).order_by(User.id)):
            if uscc:
                found.setdefault(uscc, []).append(uid)
    return found


def department_name(session: Session, department_id: int) -> str | None:
    return session.scalar(select(Department.name).where(Department.id == department_id))


def insert_once(session: Session, rows: Sequence[dict[str, Any]]) -> dict[int, int]:
    """Insert the actions not yet taken ((kind, item, enterprise) unique), skipping the others
    even when another request inserts them at the same moment: enterprise id → new action id."""
    created: dict[int, int] = {}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for chunk in _chunks(list(rows), 500):
        stmt = insert(InsightAction).values(chunk).on_conflict_do_nothing(
            index_elements=["kind", "item_id", "enterprise_id"]).returning(
            InsightAction.enterprise_id, InsightAction.id)
        created.update({int(e): int(a) for e, a in session.execute(stmt).all()})
    return created


def set_notified(session: Session, counts: dict[int, int]) -> None:
    for action_id, n in counts.items():
        session.execute(update(InsightAction).where(InsightAction.id == action_id)
                        .values(notified=n))


def action(session: Session, action_id: int, *, uscc: str | None = None,
           lock: bool = False) -> InsightAction | None:
    stmt = select(InsightAction).where(InsightAction.id == action_id)
    if uscc is not None:
        stmt = stmt.where(InsightAction.enterprise_uscc == uscc)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def actions(session: Session, *, kind: str | None = None, item_id: str | None = None,
            assignee_id: int | None = None, uscc: str | None = None, status: str | None = None,
            limit: int = 500) -> list[InsightAction]:
    stmt = select(InsightAction).order_by(InsightAction.id.desc()).limit(limit)
    for column, value in ((InsightAction.kind, kind), (InsightAction.item_id, item_id),
                          (InsightAction.assignee_id, assignee_id),
                          (InsightAction.enterprise_uscc, uscc), (InsightAction.status, status)):
        if value is not None:
            stmt = stmt.where(column == value)
    return list(session.scalars(stmt))


def counts(session: Session, since: datetime | None = None) -> list[tuple[str, str, int, int]]:
    """(kind, item, actions, enterprises notified or assigned) per kind and item."""
    a = InsightAction
    stmt = select(a.kind, a.item_id, func.count(), func.count().filter(a.notified > 0)) \
        .group_by(a.kind, a.item_id).order_by(a.kind, a.item_id)
    if since is not None:
        stmt = stmt.where(a.created_at >= since)
    return [(k, i, int(n), int(m)) for k, i, n, m in session.execute(stmt)]


def push_query(item_id: str | None = None) -> Select[Any]:
    """The pushes (one row per enterprise and item), newest first: the dashboard's 推送 tile
    counts this statement and /insights/pushes lists it."""
    a = InsightAction
    stmt = select(a.id, a.item_id, a.enterprise_id, a.enterprise_uscc, a.segment, a.notified,
                  a.created_at, a.created_by).where(a.kind == "push")
    if item_id:
        stmt = stmt.where(a.item_id == item_id)
    return cast("Select[Any]", stmt.order_by(a.id.desc()))  # rows of several columns


def reached(session: Session, item_id: str | None = None) -> set[str]:
    """USCCs that a push or a fact request reached (notified), for a 知晓 rate."""
    stmt = select(InsightAction.enterprise_uscc).where(InsightAction.notified > 0,
                                                       InsightAction.kind != "visit")
    if item_id is not None:
        stmt = stmt.where(InsightAction.item_id == item_id)
    return set(session.scalars(stmt))


def _chunks(values: list[Any], size: int = 900) -> list[list[Any]]:
    return [values[i:i + size] for i in range(0, len(values), size)] or []
