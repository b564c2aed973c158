"""Who may see and log what: an official (服务专员) its assigned enterprises only, the office
every enterprise (read), the auditor reads; anyone else — and an enterprise not assigned to the
official — gets the same 404 as a missing one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.kit.errors import NotFound
from huiqi.liaison import repository as repo
from huiqi.models.user import Role

NOT_FOUND = "页面不存在，或您没有访问权限。"
READERS = (Role.LIAISON, Role.OFFICE, Role.AUDITOR)


def enterprise(session: Session, actor: Actor, uscc: str, *, write: bool = False) -> Row[Any]:
    """The enterprise row (id, uscc, name, street, region) if `actor` may read it (or log a
    contact with it: `write`, the assigned official only)."""
    code = (uscc or "").strip().upper()
    row = repo.enterprise_row(session, code)
    if row is None or actor.role not in READERS:
        raise NotFound(NOT_FOUND)
    mine = actor.role is Role.LIAISON and actor.user_id is not None and \
        repo.is_assigned(session, actor.user_id, code)
    if (actor.role is Role.LIAISON or write) and not mine:
        raise NotFound(NOT_FOUND)
    return row


def office(actor: Actor, *, read: bool = False) -> None:
    allowed = (Role.OFFICE, Role.AUDITOR) if read else (Role.OFFICE,)
    if actor.role not in allowed:
        raise NotFound(NOT_FOUND)


def official(actor: Actor) -> int:
    if actor.role is not Role.LIAISON or actor.user_id is None:
        raise NotFound(NOT_FOUND)
    return actor.user_id
