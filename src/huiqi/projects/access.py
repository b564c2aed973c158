"""Who may see which project: the only place that decides it. "Missing" and "not yours" raise the
same NotFound.

- office, auditor: all projects (the auditor reads only);
- agent (代办员 or 项目秘书): the projects it is the agent or the secretary of;
- lead official (五个一): the projects it leads;
- anyone else: none.
Writing: the office everything; an agent its projects' steps and weekly notes; the lead official
reads and is told, it records nothing (its work is done in the 专班, not on the table).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, or_, select, true
from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.auth.guards import require_office as require_office  # the domain's callers use
from huiqi.auth.guards import require_writer as require_writer  # access.require_*
from huiqi.kit.db import fetch_one
from huiqi.kit.errors import PermissionDenied
from huiqi.models.project import Project
from huiqi.models.user import Role

NOT_FOUND = "项目不存在，或您没有访问权限。"
READERS = frozenset({Role.OFFICE, Role.AUDITOR, Role.AGENT, Role.PROJECT_LEAD})


def project_filter(actor: Actor) -> Any:
    if actor.role in (Role.OFFICE, Role.AUDITOR):
        return true()
    if actor.role is Role.AGENT and actor.user_id is not None:
        return or_(Project.agent_id == actor.user_id, Project.secretary_id == actor.user_id)
    if actor.role is Role.PROJECT_LEAD and actor.user_id is not None:
        return Project.lead_id == actor.user_id
    return false()


def visible_projects(actor: Actor) -> Select[Project]:
    return select(Project).where(project_filter(actor))


def access_project(session: Session, actor: Actor, project_id: int, *,
                   for_update: bool = False) -> Project:
    stmt = visible_projects(actor).where(Project.id == project_id)
    return fetch_one(session, stmt, NOT_FOUND, for_update=for_update)


def require_step_writer(actor: Actor) -> None:
    """The office, or the project's agent (access_project has checked it is theirs)."""
    require_writer(actor)
    if actor.role not in (Role.OFFICE, Role.AGENT):
        raise PermissionDenied("只有项目代办员和营商办可以登记环节进度。")
