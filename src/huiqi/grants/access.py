"""Object-level access: the only places that decide who may see which application, grant, batch.

Every service function goes through these chokepoints. A caller cannot tell "missing" from
"not yours": both raise NotFound with the same message.

- enterprise: its own applications and grants (auto rows only once granted);
- department handler: applications of its department's items, and those it co-reviews as the
  district's finance bureau; matched on the department's name or code (a finance bureau is
  known by name: `models.department.is_finance_bureau`, which also makes its handlers use a
  second factor);
- office: everything; auditor: everything, read-only (mutations check `require_role`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, false, or_, true
from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.grants.repositories import applications as app_repo
from huiqi.grants.states import HELD
from huiqi.kit.db import fetch_one, write_lock_now
from huiqi.kit.errors import NotFound, PermissionDenied
from huiqi.models.application import Application
from huiqi.models.department import FINANCE_BUREAU
from huiqi.models.grant import Grant
from huiqi.models.payout import PayoutBatch
from huiqi.models.user import Role

NOT_FOUND = "申报不存在，或您没有访问权限。"
T = TypeVar("T")
STAFF_READ = (Role.OFFICE, Role.AUDITOR, Role.LEADER)  # leaders read, the guard refuses writes


@dataclass(frozen=True)
class Scope:
    role: Role | None
    uscc: str | None = None
    departments: frozenset[str] = frozenset()  # the handler's department name and code
    department_name: str | None = None


def scope(session: Session, actor: Actor) -> Scope:
    if actor.role is Role.DEPARTMENT and actor.department_id is not None:
        key = ("grants.department", actor.department_id)
        dept = session.info.get(key)
        if dept is None:
            row = app_repo.department(session, actor.department_id)
            dept = (row.name, row.code) if row else ("", "")
            session.info[key] = dept
        name, code = dept
        return Scope(actor.role, departments=frozenset(v for v in (name, code) if v),
                     department_name=name or None)
    return Scope(actor.role, uscc=actor.enterprise_uscc)


def require_role(actor: Actor, *roles: Role) -> None:
    """For mutations, after the object was found readable: a wrong role is a plain 403."""
    if actor.role is Role.AUDITOR:
        raise PermissionDenied("审计管理员账号只能查阅，不能修改任何数据。")
    if actor.role not in roles:
        raise PermissionDenied("您的账号无权执行此操作。")


def application_filter(sc: Scope) -> Any:
    if sc.role in STAFF_READ:
        return true()
    if sc.role is Role.ENTERPRISE and sc.uscc:
        return (Application.enterprise_uscc == sc.uscc) & (
            (Application.source == "apply") | Application.status.in_([s.value for s in HELD]))
    if sc.role is Role.DEPARTMENT and sc.departments:
        names = sorted(sc.departments)
        return or_(Application.department.in_(names), Application.finance_department.in_(names))
    return false()


def grant_filter(sc: Scope) -> Any:
    if sc.role in STAFF_READ:
        return true()
    if sc.role is Role.ENTERPRISE and sc.uscc:
        return Grant.enterprise_uscc == sc.uscc
    if sc.role is Role.DEPARTMENT and sc.departments:
        return Grant.department.in_(sorted(sc.departments))
    return false()


def visible_applications(session: Session, actor: Actor) -> Select[tuple[Application]]:
    return app_repo.applications_where(application_filter(scope(session, actor)))


def visible_grants(session: Session, actor: Actor) -> Select[tuple[Grant]]:
    return app_repo.grants_where(grant_filter(scope(session, actor)))


def _one(session: Session, stmt: Select[tuple[T]], for_update: bool) -> T:
    return fetch_one(session, stmt, NOT_FOUND, for_update=for_update)


def access_application(
    session: Session, actor: Actor, application_id: int, *, for_update: bool = False
) -> Application:
    stmt = visible_applications(session, actor).where(Application.id == application_id)
    return _one(session, stmt, for_update)


def access_grant(session: Session, actor: Actor, grant_id: int, *, for_update: bool = False
                 ) -> Grant:
    stmt = visible_grants(session, actor).where(Grant.id == grant_id)
    return _one(session, stmt, for_update)


def access_batch(session: Session, actor: Actor, batch_id: int, *, for_update: bool = False
                 ) -> PayoutBatch:
    """Payout batches are the office's work; the auditor reads them."""
    if actor.role not in STAFF_READ:
        raise NotFound("兑付批次不存在，或您没有访问权限。")
    stmt = app_repo.batch_by_id(batch_id)
    try:
        return _one(session, stmt, for_update)
    except NotFound:
        raise NotFound("兑付批次不存在，或您没有访问权限。") from None


def is_finance_reviewer(session: Session, actor: Actor, application: Application) -> bool:
    sc = scope(session, actor)
    return application.finance_department is not None and \
        application.finance_department in sc.departments


def is_department_reviewer(session: Session, actor: Actor, application: Application) -> bool:
    return application.department in scope(session, actor).departments


def serialize_writes(session: Session) -> None:
    """Take the database's write lock now, before reading what a decision depends on.

    SQLite: `BEGIN IMMEDIATE` (unless this transaction already writes), so concurrent approvals
    queue here and each reads what the previous one committed. PostgreSQL: nothing here — rows
    are locked with SELECT … FOR UPDATE where they are read.
    """
    write_lock_now(session)


def finance_department_for(department: str) -> str:
    """The finance bureau that co-reviews an item of `department`: the same district's 财政局.

    "东宝区商务局" → "东宝区财政局"; "江北区人力资源和社会保障局" → "江北区财政局".
    """
    for marker in ("区", "县", "市"):
        cut = department.find(marker)
        if cut > 0:
            return department[: cut + 1] + FINANCE_BUREAU
    return FINANCE_BUREAU
