"""SQL of the indicator ledger: the catalog narrowed to what the caller may see, values by
indicator and month, departments, reminders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, false, func, or_, select, true
from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.models.department import Department
from huiqi.models.indicator import Indicator, IndicatorReminder, IndicatorValue
from huiqi.models.user import Role, User

READ_ALL = (Role.OFFICE, Role.LEADER)


def scope(actor: Actor) -> Any:
    if actor.role in READ_ALL or (actor.role is None and actor.via in ("system", "cli")):
        return true()
    if actor.role is Role.DEPARTMENT and actor.department_id is not None:
        return Indicator.department_id == actor.department_id
    return false()


def visible(actor: Actor, *, department_id: int | None = None, level1: str | None = None,
            q: str | None = None, active_only: bool = True) -> Select[Indicator]:
    stmt = select(Indicator).where(scope(actor))
    if active_only:
        stmt = stmt.where(Indicator.active.is_(True))
    if department_id is not None:
        stmt = stmt.where(Indicator.department_id == department_id)
    if level1:
        stmt = stmt.where(Indicator.level1 == level1)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Indicator.name.like(like), Indicator.level2.like(like),
                              Indicator.code.like(like)))
    return stmt.order_by(Indicator.code)


def visible_list(session: Session, actor: Actor, *, department_id: int | None = None,
                 level1: str | None = None, q: str | None = None) -> list[Indicator]:
    return list(session.scalars(visible(actor, department_id=department_id, level1=level1, q=q)))


def indicator_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Indicator)) or 0)


def objects(session: Session, stmt: Select[Any]) -> list[Any]:
    """The objects of a statement another domain's service built (grants' ledgers)."""
    return list(session.scalars(stmt))


def get_visible(session: Session, actor: Actor, indicator_id: int) -> Indicator | None:
    return session.scalar(select(Indicator).where(Indicator.id == indicator_id, scope(actor)))


def by_code(session: Session, codes: Iterable[str]) -> dict[str, Indicator]:
    chosen = list(codes)
    if not chosen:
        return {}
    return {i.code: i for i in session.scalars(select(Indicator).where(
        Indicator.code.in_(chosen)))}


def computed(session: Session) -> list[Indicator]:
    return list(session.scalars(select(Indicator).where(
        Indicator.active.is_(True), Indicator.source != "manual").order_by(Indicator.code)))


def computed_missing(session: Session, period: str) -> bool:
    have = select(IndicatorValue.indicator_id).where(IndicatorValue.period == period)
    return session.scalar(select(Indicator.id).where(
        Indicator.active.is_(True), Indicator.source != "manual",
        Indicator.id.not_in(have)).limit(1)) is not None


def departments(session: Session) -> dict[int, str]:
    rows = session.execute(select(Department.id, Department.name).order_by(Department.code))
    return {int(i): str(n) for i, n in rows}


def department_lookup(session: Session) -> dict[str, int]:
    """Department id by name and by code (an import may give either)."""
    out: dict[str, int] = {}
    for dept in session.scalars(select(Department)):
        out[dept.name] = dept.id
        out[dept.code] = dept.id
    return out


def values(session: Session, indicator_ids: Sequence[int], periods: Sequence[str] | None = None
           ) -> dict[tuple[int, str], IndicatorValue]:
    if not indicator_ids:
        return {}
    stmt = select(IndicatorValue).where(IndicatorValue.indicator_id.in_(list(indicator_ids)))
    if periods is not None:
        stmt = stmt.where(IndicatorValue.period.in_(list(periods)))
    return {(v.indicator_id, v.period): v for v in session.scalars(stmt)}


def value(session: Session, indicator_id: int, period: str) -> IndicatorValue | None:
    return session.scalar(select(IndicatorValue).where(
        IndicatorValue.indicator_id == indicator_id, IndicatorValue.period == period))


def missing_manual(session: Session, period: str) -> dict[int, int]:
    """Per department: active monthly indicators it enters by hand with no value for `period`."""
    have = select(IndicatorValue.indicator_id).where(IndicatorValue.period == period)
    rows = session.scalars(select(Indicator).where(
        Indicator.active.is_(True), Indicator.source == "manual",
        Indicator.frequency == "monthly", Indicator.id.not_in(have)))
    out: dict[int, int] = {}
    for ind in rows:
        out[ind.department_id] = out.get(ind.department_id, 0) + 1
    return out


def reminded(session: Session, department_id: int, period: str) -> bool:
    return session.scalar(select(IndicatorReminder.id).where(
        IndicatorReminder.department_id == department_id,
        IndicatorReminder.period == period)) is not None


def department_user_ids(session: Session, department_id: int) -> list[int]:
    return list(session.scalars(select(User.id).where(
        User.role == Role.DEPARTMENT.value, User.department_id == department_id,
        User.is_active.is_(True)).order_by(User.id)))
