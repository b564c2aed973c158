"""Who may see and change what. Missing and forbidden give the same 404.

- office (营商办): every department's catalogs, plans, draws, settings and records;
- supervisor (部门监管负责人): its own department's catalogs, plans it takes part in, their
  inspections (records, 整改, 公示);
- inspector (执法检查人员): the inspections whose team it is on (via its 名录库 row);
- enterprise: its own inspections, once drawn;
- credit grades: officials only (office, supervisor, inspector).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.kit.errors import NotFound
from huiqi.models.supervision import Inspection, Plan
from huiqi.models.user import Role
from huiqi.supervision import repository as repo

OFFICIALS = (Role.OFFICE, Role.SUPERVISOR, Role.INSPECTOR)
MISSING = "记录不存在，或您没有访问权限。"


def departments_of(actor: Actor) -> list[int] | None:
    """None: all departments (the office)."""
    if actor.role is Role.OFFICE:
        return None
    if actor.role in (Role.SUPERVISOR, Role.INSPECTOR) and actor.department_id is not None:
        return [actor.department_id]
    return []


def may_manage_department(actor: Actor, department_id: int) -> bool:
    scope = departments_of(actor)
    return actor.role in (Role.OFFICE, Role.SUPERVISOR) and (
        scope is None or department_id in scope)


def plan_for(session: Session, actor: Actor, plan_id: int, *, for_update: bool = False) -> Plan:
    """The plan if the actor may plan it; `for_update` locks the row (commit, beacon entry:
    two officials entering at once must not both become "the first")."""
    plan = repo.plan(session, plan_id, for_update=for_update)
    if plan is None:
        raise NotFound(MISSING)
    if actor.role is Role.OFFICE:
        return plan
    if actor.role is Role.SUPERVISOR and actor.department_id in plan.department_ids:
        return plan
    raise NotFound(MISSING)


def inspection_for(session: Session, actor: Actor, inspection_id: int) -> Inspection:
    row = repo.inspection(session, inspection_id)
    if row is None:
        raise NotFound(MISSING)
    if actor.role is Role.OFFICE:
        return row
    if actor.role is Role.ENTERPRISE and actor.enterprise_uscc == row.uscc:
        return row
    if actor.role is Role.SUPERVISOR:
        plan = repo.plan(session, row.plan_id)
        if plan is not None and actor.department_id in plan.department_ids:
            return row
    if actor.role is Role.INSPECTOR:
        officer = repo.officer_of_user(session, actor.user_id)
        if officer is not None and officer.id in row.officer_ids:
            return row
    raise NotFound(MISSING)


def visible_inspections(session: Session, actor: Actor) -> list[Inspection]:
    if actor.role is Role.OFFICE:
        return repo.inspections(session)
    if actor.role is Role.ENTERPRISE:
        return repo.inspections(session, uscc=actor.enterprise_uscc or "-")
    if actor.role is Role.SUPERVISOR and actor.department_id is not None:
        return repo.inspections(session, department_id=actor.department_id)
    if actor.role is Role.INSPECTOR:
        officer = repo.officer_of_user(session, actor.user_id)
        return repo.inspections(session, officer_id=officer.id) if officer else []
    return []
