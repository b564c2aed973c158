"""Office configuration: appeal categories with their deadline rules, and holiday overrides.

    create_category(db, office, clock, code="finance", name="融资信贷", sign_within_workdays=1,
                    resolve_within_workdays=10, usual_departments=["jb-finance"])
    overrides(db)  # HolidayOverrides for kit.workdays, read from `holiday_overrides`
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.appeals import repository as repo
from huiqi.appeals.access import require_office
from huiqi.appeals.deadlines import CategoryRule
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import Conflict, NotFound, ValidationFailed
from huiqi.kit.workdays import HolidayOverrides
from huiqi.models.appeal_category import AppealCategory, HolidayOverride

CATEGORY_FIELDS = ("code", "name", "description", "usual_departments", "sign_within_workdays",
                   "resolve_within_workdays", "active")


def list_categories(session: Session, *, active_only: bool = True) -> list[AppealCategory]:
    return repo.categories(session, active_only=active_only)


def require_category(session: Session, key: str) -> AppealCategory:
    """An active category by code or name; an unknown one is refused naming the choices."""
    found = repo.category_by_key(session, (key or "").strip())
    if found is None or not found.active:
        names = "、".join(c.name for c in repo.categories(session)) or "（尚未设置类别）"
        raise ValidationFailed(f"未知的诉求类别「{key}」。可选类别：{names}",
                               details={"field": "category"})
    return found


def rule_of(category: AppealCategory) -> CategoryRule:
    return CategoryRule(category.sign_within_workdays, category.resolve_within_workdays)


def _departments(session: Session, keys: Sequence[str]) -> list[str]:
    codes = []
    for key in keys:
        dept = repo.department_by_key(session, key.strip())
        if dept is None:
            raise ValidationFailed(f"部门「{key}」不存在，请先在用户管理中创建该部门。")
        codes.append(dept.code)
    return list(dict.fromkeys(codes))


def create_category(
    session: Session, actor: Actor, clock: Clock, *, code: str, name: str,
    sign_within_workdays: int, resolve_within_workdays: int,
    usual_departments: Sequence[str] = (), description: str | None = None,
) -> AppealCategory:
    require_office(actor)
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise ValidationFailed("请填写类别代码和名称。")
    rule = CategoryRule(sign_within_workdays, resolve_within_workdays)  # checks the limits
    if repo.category_by_key(session, code) or repo.category_by_key(session, name):
        raise Conflict(f"类别「{name}」（{code}）已存在。")
    row = AppealCategory(
        code=code, name=name, description=description,
        usual_departments=_departments(session, usual_departments),
        sign_within_workdays=rule.sign_within_workdays,
        resolve_within_workdays=rule.resolve_within_workdays, active=True,
        updated_at=clock.now())
    session.add(row)
    audit.record(session, actor, "appeal.category_create", row,
                 after=audit.snapshot(row, *CATEGORY_FIELDS), at=clock.now())
    return row


def update_category(
    session: Session, actor: Actor, clock: Clock, category_id: int, *,
    name: str | None = None, sign_within_workdays: int | None = None,
    resolve_within_workdays: int | None = None, usual_departments: Sequence[str] | None = None,
    description: str | None = None, active: bool | None = None,
) -> AppealCategory:
    """Change a category; deadlines already computed for dispatched appeals stay as they were."""
    require_office(actor)
    row = repo.category(session, category_id)
    if row is None:
        raise NotFound("诉求类别不存在。")
    before = audit.snapshot(row, *CATEGORY_FIELDS)
    rule = CategoryRule(
        row.sign_within_workdays if sign_within_workdays is None else sign_within_workdays,
        row.resolve_within_workdays if resolve_within_workdays is None
        else resolve_within_workdays)
    row.sign_within_workdays = rule.sign_within_workdays
    row.resolve_within_workdays = rule.resolve_within_workdays
    if name is not None and name.strip() != row.name:
        other = repo.category_by_key(session, name.strip())
        if other is not None and other.id != row.id:
            raise Conflict(f"类别名称「{name}」已被使用。")
        row.name = name.strip()
    if usual_departments is not None:
        row.usual_departments = _departments(session, usual_departments)
    if description is not None:
        row.description = description
    if active is not None:
        row.active = active
    row.updated_at = clock.now()
    audit.record(session, actor, "appeal.category_update", row, before=before,
                 after=audit.snapshot(row, *CATEGORY_FIELDS), at=clock.now())
    return row


# --- holiday overrides --------------------------------------------------------------------------

def overrides(session: Session) -> HolidayOverrides:
    rows = repo.holiday_overrides(session)
    return HolidayOverrides.of(holidays=[r.day for r in rows if r.kind == "holiday"],
                               workdays=[r.day for r in rows if r.kind == "workday"])


def list_overrides(session: Session) -> list[HolidayOverride]:
    return repo.holiday_overrides(session)


def set_override(session: Session, actor: Actor, clock: Clock, day: date, kind: str,
                 note: str | None = None) -> HolidayOverride:
    """Declare `day` a holiday or a 调休 workday (replacing any earlier override of that day).
    Deadlines already computed are not moved."""
    require_office(actor)
    if kind not in ("holiday", "workday"):
        raise ValidationFailed("类型应为 holiday（节假日）或 workday（调休工作日）。")
    row = next((r for r in repo.holiday_overrides(session) if r.day == day), None)
    before = audit.snapshot(row, "day", "kind", "note") if row else None
    if row is None:
        row = HolidayOverride(day=day)
        session.add(row)
    row.kind, row.note, row.updated_at = kind, note, clock.now()
    audit.record(session, actor, "appeal.holiday_override_set", row, before=before,
                 after=audit.snapshot(row, "day", "kind", "note"), at=clock.now())
    return row


def remove_override(session: Session, actor: Actor, clock: Clock, day: date) -> None:
    require_office(actor)
    row = next((r for r in repo.holiday_overrides(session) if r.day == day), None)
    if row is None:
        raise NotFound(f"{day.isoformat()} 没有人工维护的节假日设置。")
    audit.record(session, actor, "appeal.holiday_override_remove", row,
                 before=audit.snapshot(row, "day", "kind", "note"), at=clock.now())
    session.delete(row)
