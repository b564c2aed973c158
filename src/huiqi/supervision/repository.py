"""All SQL of the supervision domain. Queries that decide access take the actor's narrowing
(department, officer, enterprise) as arguments; `access.py` decides which."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from huiqi.kit.workdays import HolidayOverrides
from huiqi.models.appeal_category import HolidayOverride
from huiqi.models.department import Department
from huiqi.models.enterprise import enterprises
from huiqi.models.supervision import (
    CreditGrade,
    Exemption,
    GracePeriod,
    Inspection,
    Officer,
    Plan,
    SupervisionItem,
    SupervisionSettings,
)
from huiqi.models.user import User


def settings_row(session: Session) -> SupervisionSettings | None:
    return session.get(SupervisionSettings, 1)


def holiday_overrides(session: Session) -> HolidayOverrides:
    rows = session.scalars(select(HolidayOverride))
    holidays: list[date] = []
    workdays: list[date] = []
    for row in rows:
        (holidays if row.kind == "holiday" else workdays).append(row.day)
    return HolidayOverrides.of(holidays, workdays)


def departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.id)))


def department_by_key(session: Session, key: str) -> Department | None:
    return session.scalar(select(Department).where(
        (Department.code == key) | (Department.name == key)))


def items(session: Session, department_ids: Sequence[int] | None = None,
          ids: Sequence[int] | None = None, *, active_only: bool = False
          ) -> list[SupervisionItem]:
    stmt = select(SupervisionItem).order_by(SupervisionItem.department_id, SupervisionItem.id)
    if active_only:
        stmt = stmt.where(SupervisionItem.active.is_(True))
    if department_ids is not None:
        stmt = stmt.where(SupervisionItem.department_id.in_(department_ids))
    if ids is not None:
        stmt = stmt.where(SupervisionItem.id.in_(ids))
    return list(session.scalars(stmt))


def officers(session: Session, department_ids: Sequence[int] | None = None) -> list[Officer]:
    stmt = select(Officer).order_by(Officer.id)
    if department_ids is not None:
        stmt = stmt.where(Officer.department_id.in_(department_ids))
    return list(session.scalars(stmt))


def item_in_plans(session: Session, item_id: int) -> bool:
    """Named by a plan (its commitment and 公示 refer to it)."""
    return any(item_id in ids for ids in session.scalars(select(Plan.item_ids)))


def officer_in_history(session: Session, officer_id: int) -> bool:
    """On an inspection team, or in a committed plan's officer snapshot."""
    if any(officer_id in ids for ids in session.scalars(select(Inspection.officer_ids))):
        return True
    prefix = f"\n{officer_id}\t"
    return any(prefix in (text or "") for text in session.scalars(
        select(Plan.officers).where(Plan.officers.is_not(None))))


def exemption_applied(session: Session, exemption_id: int) -> bool:
    return session.scalar(select(Inspection.id).where(
        Inspection.exemption_id == exemption_id).limit(1)) is not None


def officer_by_cert(session: Session, cert_no: str) -> Officer | None:
    return session.scalar(select(Officer).where(Officer.cert_no == cert_no))


def officer_of_user(session: Session, user_id: int | None) -> Officer | None:
    if user_id is None:
        return None
    return session.scalar(select(Officer).where(Officer.user_id == user_id))


def user_ids_of_officers(session: Session, officer_ids: Iterable[int]) -> list[int]:
    ids = list(officer_ids)
    return [i for i in session.scalars(select(Officer.user_id).where(
        Officer.id.in_(ids), Officer.user_id.is_not(None))) if i is not None]


def enterprise_users(session: Session, uscc: str) -> list[int]:
    return list(session.scalars(select(User.id).where(
        User.enterprise_uscc == uscc, User.is_active.is_(True))))


def exemptions(session: Session, department_ids: Sequence[int] | None = None, *,
               include_inactive: bool = False) -> list[Exemption]:
    stmt = select(Exemption).order_by(Exemption.department_id, Exemption.id)
    if not include_inactive:
        stmt = stmt.where(Exemption.active.is_(True))
    if department_ids is not None:
        stmt = stmt.where(Exemption.department_id.in_(department_ids))
    return list(session.scalars(stmt))


def known_usccs(session: Session, usccs: Iterable[str]) -> set[str]:
    wanted = sorted(set(usccs))
    found: set[str] = set()
    for start in range(0, len(wanted), 900):
        found.update(session.scalars(select(enterprises.c.uscc).where(
            enterprises.c.uscc.in_(wanted[start:start + 900]))))
    return found


def enterprise_rows(session: Session, columns: Sequence[str]) -> list[dict[str, Any]]:
    cols = [enterprises.c.uscc, enterprises.c.name,
            *(enterprises.c[c] for c in columns if c not in ("uscc", "name"))]
    return [dict(r._mapping) for r in session.execute(select(*cols).order_by(enterprises.c.uscc))]


def enterprise_names(session: Session, usccs: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(usccs))
    out: dict[str, str] = {}
    for start in range(0, len(wanted), 900):
        out.update((u, n) for u, n in session.execute(select(
            enterprises.c.uscc, enterprises.c.name).where(
                enterprises.c.uscc.in_(wanted[start:start + 900]))))
    return out


def grades_as_of(session: Session, field: str, as_of: date) -> dict[str, tuple[str, str]]:
    """uscc → (grade, risk): each enterprise's latest record in the field effective by `as_of`."""
    stmt = (select(CreditGrade.uscc, CreditGrade.grade, CreditGrade.risk)
            .where(CreditGrade.field == field, CreditGrade.effective_from <= as_of)
            .order_by(CreditGrade.effective_from, CreditGrade.id))
    return {u: (g, r) for u, g, r in session.execute(stmt)}


def grade_history(session: Session, uscc: str) -> list[CreditGrade]:
    return list(session.scalars(select(CreditGrade).where(CreditGrade.uscc == uscc).order_by(
        CreditGrade.field, CreditGrade.effective_from, CreditGrade.id)))


def recent_grades(session: Session, limit: int = 200) -> list[CreditGrade]:
    return list(session.scalars(select(CreditGrade).order_by(CreditGrade.id.desc()).limit(limit)))


def in_grace(session: Session, start: date, end: date) -> set[str]:
    return set(session.scalars(select(GracePeriod.uscc).where(
        GracePeriod.starts_on <= end, GracePeriod.ends_on >= start)))


def grace_periods(session: Session) -> list[GracePeriod]:
    return list(session.scalars(select(GracePeriod).order_by(GracePeriod.starts_on.desc())))


def inspections_in_year(session: Session, year: int) -> dict[str, int]:
    stmt = (select(Inspection.uscc, func.count()).where(
        Inspection.day >= date(year, 1, 1), Inspection.day <= date(year, 12, 31))
        .group_by(Inspection.uscc))
    return {u: int(n) for u, n in session.execute(stmt)}


def last_teams(session: Session) -> dict[str, tuple[int, ...]]:
    """uscc → the officers of its latest inspection (by day, then id)."""
    stmt = select(Inspection.uscc, Inspection.officer_ids).order_by(Inspection.day, Inspection.id)
    return {u: tuple(sorted(t)) for u, t in session.execute(stmt)}


def plans(session: Session, department_id: int | None = None) -> list[Plan]:
    rows = list(session.scalars(select(Plan).order_by(Plan.id.desc())))
    if department_id is None:
        return rows
    return [p for p in rows if department_id in p.department_ids]


def beacon_used(session: Session, ref: str | None, value: str | None, plan_id: int) -> bool:
    stmt = select(Plan.id).where(Plan.id != plan_id)
    if ref is not None:
        stmt = stmt.where(Plan.beacon_ref == ref)
    if value is not None:
        stmt = stmt.where(Plan.beacon_value == value)
    return session.scalar(stmt.limit(1)) is not None


def inspections(session: Session, *, plan_id: int | None = None, uscc: str | None = None,
                department_id: int | None = None, officer_id: int | None = None,
                published: bool | None = None) -> list[Inspection]:
    stmt: Select[Inspection] = select(Inspection).order_by(Inspection.day, Inspection.id)
    if plan_id is not None:
        stmt = stmt.where(Inspection.plan_id == plan_id)
    if uscc is not None:
        stmt = stmt.where(Inspection.uscc == uscc)
    if published is not None:
        stmt = stmt.where(Inspection.published_at.is_not(None) if published
                          else Inspection.published_at.is_(None))
    rows = list(session.scalars(stmt))
    if department_id is not None:
        plan_depts = {p.id: p.department_ids for p in session.scalars(select(Plan))}
        rows = [r for r in rows if department_id in plan_depts.get(r.plan_id, [])]
    if officer_id is not None:
        rows = [r for r in rows if officer_id in r.officer_ids]
    return rows


def due_unpublished(session: Session, today: date) -> list[Inspection]:
    return list(session.scalars(select(Inspection).where(
        Inspection.recorded_at.is_not(None), Inspection.published_at.is_(None),
        Inspection.publish_due <= today)))


def user_id_by_username(session: Session, username: str) -> int | None:
    return session.scalar(select(User.id).where(User.username == username))


def username_of(session: Session, user_id: int | None) -> str | None:
    return None if user_id is None else session.scalar(select(User.username).where(
        User.id == user_id))


def department(session: Session, department_id: int) -> Department | None:
    return session.get(Department, department_id)


def plan(session: Session, plan_id: int, *, for_update: bool = False) -> Plan | None:
    """A plan by id; `for_update` locks its row until the transaction ends."""
    return session.get(Plan, plan_id, with_for_update=for_update)


def inspection(session: Session, inspection_id: int) -> Inspection | None:
    return session.get(Inspection, inspection_id)


def item(session: Session, item_id: int) -> SupervisionItem | None:
    """An 抽查事项 by id, active or not."""
    return session.get(SupervisionItem, item_id)


def officer(session: Session, officer_id: int) -> Officer | None:
    """A 执法人员 by id, active or not."""
    return session.get(Officer, officer_id)


def exemption(session: Session, exemption_id: int) -> Exemption | None:
    """A 包容免罚 entry by id, active or not."""
    return session.get(Exemption, exemption_id)


def credit_grade(session: Session, grade_id: int) -> CreditGrade | None:
    """One credit grade record (a repair refers to it)."""
    return session.get(CreditGrade, grade_id)


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def tax_grades(session: Session) -> list[tuple[str, str]]:
    """(uscc, 纳税信用等级) of every enterprise that has one (the demo's credit source)."""
    stmt = select(enterprises.c.uscc, enterprises.c.tax_credit_grade).where(
        enterprises.c.tax_credit_grade.is_not(None))
    return [(str(u), str(g)) for u, g in session.execute(stmt)]


def plan_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Plan)) or 0)


def scope_flags(session: Session, expressions: Sequence[str]) -> list[tuple[str, list[int | None]]]:
    """(uscc, [each compiled scope expression: 1 / 0 / NULL]) for every enterprise, set-based.
    The expressions come from `huiqi.rules` (checked policy criteria over profile columns);
    run through the raw driver cursor, without parameters, so no driver rewrites `%`."""
    columns = ", ".join(expressions) or "NULL"
    sql = f"SELECT src.uscc, {columns} FROM enterprises AS src ORDER BY src.uscc"  # noqa: S608
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        return [(str(row[0]), [None if v is None else int(v) for v in row[1:]])
                for row in cursor.fetchall()]
    finally:
        cursor.close()


def legal_forms(session: Session, usccs: Iterable[str]) -> dict[str, str | None]:
    wanted = sorted(set(usccs))
    out: dict[str, str | None] = {}
    for start in range(0, len(wanted), 900):
        out.update((u, f) for u, f in session.execute(select(
            enterprises.c.uscc, enterprises.c.legal_form).where(
                enterprises.c.uscc.in_(wanted[start:start + 900]))))
    return out
