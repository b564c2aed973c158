"""Who may see which appeal: the only place that decides it. "Missing" and "not yours" raise the
same NotFound, so a caller cannot probe for appeal numbers.

- enterprise: the appeals of its own USCC;
- department: appeals dispatched to it (lead or co-handler, in any dispatch round: a department
  keeps reading what it once handled, but acts only on the current dispatch);
- liaison: the appeals of the enterprises assigned to it (包联, `liaison_assignments`);
- office: all; auditor and leaders: all, read-only (mutations refused by `require_writer` and
  the request guard).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, false, true
from sqlalchemy.orm import Session

from huiqi.appeals import repository as repo
from huiqi.appeals.state import AppealState, role_of_department
from huiqi.appeals.vocab import Role as AppealRole
from huiqi.auth.actor import Actor
from huiqi.auth.guards import require_office as require_office  # the domain's callers use
from huiqi.auth.guards import require_writer as require_writer  # access.require_*
from huiqi.kit.db import fetch_one
from huiqi.models.appeal import Appeal, AppealAssignment
from huiqi.models.user import Role

NOT_FOUND = "诉求不存在，或您没有访问权限。"
READ_ALL = (Role.OFFICE, Role.AUDITOR, Role.LEADER)  # leaders read, the guard refuses writes


def appeal_filter(actor: Actor) -> Any:
    if actor.role in READ_ALL:
        return true()
    if actor.role is Role.ENTERPRISE and actor.enterprise_uscc:
        return Appeal.enterprise_uscc == actor.enterprise_uscc
    if actor.role is Role.DEPARTMENT and actor.department_id is not None:
        return exists().where(AppealAssignment.appeal_id == Appeal.id,
                              AppealAssignment.department_id == actor.department_id)
    if actor.role is Role.AGENT and actor.user_id is not None:
        return Appeal.submitted_by == actor.user_id  # raised for its projects' blocked steps
    if actor.role is Role.LIAISON and actor.user_id is not None:
        return Appeal.enterprise_uscc.in_(repo.liaison_enterprises(actor.user_id))
    return false()


def visible_appeals(actor: Actor) -> Select[Appeal]:
    return repo.appeals_where(appeal_filter(actor))


def access_appeal(session: Session, actor: Actor, appeal_id: int, *,
                  for_update: bool = False) -> Appeal:
    stmt = visible_appeals(actor).where(Appeal.id == appeal_id)
    return fetch_one(session, stmt, NOT_FOUND, for_update=for_update)


def department_name(session: Session, actor: Actor) -> str | None:
    if actor.department_id is None:
        return None
    dept = repo.department(session, actor.department_id)
    return dept.name if dept else None


def looks_after(session: Session, liaison_user_id: int | None, uscc: str) -> bool:
    if liaison_user_id is None:
        return False
    return repo.looks_after(session, liaison_user_id, uscc)


def role_on(session: Session, actor: Actor, appeal: Appeal, state: AppealState
            ) -> AppealRole | None:
    """The actor's role on this appeal (None: may read it, but holds no part in it now)."""
    if actor.role is Role.OFFICE:
        return AppealRole.OFFICE
    if actor.role is Role.ENTERPRISE and actor.enterprise_uscc == appeal.enterprise_uscc:
        return AppealRole.ENTERPRISE
    if actor.role is Role.LIAISON and looks_after(session, actor.user_id, appeal.enterprise_uscc):
        return AppealRole.LIAISON
    if actor.role is Role.DEPARTMENT:
        name = department_name(session, actor)
        return role_of_department(state, name) if name else None
    return None
