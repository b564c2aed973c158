"""SQL of applications, their timeline, the grants settings and who to tell."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import Session

from huiqi.grants.states import Status
from huiqi.models.application import Application
from huiqi.models.application_event import ApplicationEvent
from huiqi.models.department import Department
from huiqi.models.evaluation import GrantEvaluation
from huiqi.models.grant import Grant
from huiqi.models.grant_setting import GrantSetting
from huiqi.models.material import Material
from huiqi.models.payout import PayoutBatch
from huiqi.models.user import Role, User


def awaiting_materials_locked(session: Session, status: str) -> list[Application]:
    """Applications in `status` (waiting for materials), locked; rows another worker holds are
    skipped."""
    stmt = select(Application).where(Application.status == status) \
        .order_by(Application.id).with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def timeline(session: Session, application_id: int) -> list[ApplicationEvent]:
    stmt = select(ApplicationEvent).where(ApplicationEvent.application_id == application_id) \
        .order_by(ApplicationEvent.at, ApplicationEvent.id)
    return list(session.scalars(stmt))


def department_user_ids(session: Session, department: str) -> list[int]:
    """Active department accounts of the department named or coded `department`."""
    stmt = select(User.id).join(Department, Department.id == User.department_id).where(
        (Department.name == department) | (Department.code == department),
        User.role == Role.DEPARTMENT.value, User.is_active.is_(True)).order_by(User.id)
    return list(session.scalars(stmt))


def evaluations_of(session: Session, grant_id: int) -> list[GrantEvaluation]:
    stmt = select(GrantEvaluation).where(GrantEvaluation.grant_id == grant_id) \
        .order_by(GrantEvaluation.at)
    return list(session.scalars(stmt))


def setting(session: Session, key: str) -> GrantSetting | None:
    return session.get(GrantSetting, key)


def approver_ids(session: Session, application_id: int, kinds: Iterable[str]) -> set[int]:
    """Who acted on the application with these event kinds."""
    stmt = select(ApplicationEvent.actor_id).where(
        ApplicationEvent.application_id == application_id,
        ApplicationEvent.kind.in_(list(kinds)))
    return {uid for uid in session.scalars(stmt) if uid is not None}


StandingRow = tuple[int, str, str, int, Decimal | None]


# Built once: the 政策礼包 asks on every request (building costs more than running it).
_a = Application.__table__.c  # Core columns: ORM-enabled statements take a slower path
_BY_ENTERPRISE = (
    select(_a.id, _a.item_id, _a.status, _a.year, _a.approved_amount)
    .where(_a.enterprise_uscc == bindparam("uscc"), _a.status != Status.WITHDRAWN.value)
    .order_by(_a.id))


def latest_of_enterprise(session: Session, uscc: str) -> list[StandingRow]:
    """(id, item id, status, year, approved amount) of the enterprise's applications that are
    not withdrawn, oldest first."""
    rows = session.execute(_BY_ENTERPRISE, {"uscc": uscc}).all()
    return [(i, item, st, y, a) for i, item, st, y, a in rows]


def latest_of_item(session: Session, item_id: str, withdrawn: str) -> list[StandingRow]:
    """(id, USCC, status, year, approved amount) of the item's applications that are not
    `withdrawn`, oldest first."""
    rows = session.execute(
        select(Application.id, Application.enterprise_uscc, Application.status, Application.year,
               Application.approved_amount)
        .where(Application.item_id == item_id, Application.status != withdrawn)
        .order_by(Application.id)).all()
    return [(i, u, st, y, a) for i, u, st, y, a in rows]


# --- access (huiqi.grants.access): statements the access rules filter -------------------------

def department(session: Session, department_id: int) -> Department | None:
    return session.get(Department, department_id)


def applications_where(where: ColumnElement[bool]) -> Select[Any]:
    return select(Application).where(where)


def grants_where(where: ColumnElement[bool]) -> Select[Any]:
    return select(Grant).where(where)


def batch_by_id(batch_id: int) -> Select[Any]:
    return select(PayoutBatch).where(PayoutBatch.id == batch_id)




# --- applications and their materials (huiqi.grants.applications) -----------------------------

def has_active(session: Session, uscc: str, item_id: str, year: int,
               statuses: Iterable[str]) -> bool:
    """Whether the enterprise has an application of the item and year in `statuses`."""
    stmt = select(Application.id).where(
        Application.enterprise_uscc == uscc, Application.item_id == item_id,
        Application.year == year, Application.status.in_(list(statuses)))
    return session.scalar(stmt) is not None


def material_names(session: Session, application_id: int) -> set[str]:
    return set(session.scalars(select(Material.name)
                               .where(Material.application_id == application_id)))


def materials_of(session: Session, application_id: int) -> list[Material]:
    stmt = select(Material).where(Material.application_id == application_id).order_by(Material.id)
    return list(session.scalars(stmt))


def material(session: Session, material_id: int) -> Material | None:
    return session.get(Material, material_id)
