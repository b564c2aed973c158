"""Reading the audit log (there is no write path here besides service.record, and no update or
delete path at all)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select

from huiqi.kit.clock import local_day_bounds
from huiqi.models.audit import AuditLog


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""          # username, contains (case-insensitive)
    action: str = ""         # prefix: "auth." or "grant.approve"
    subject_type: str = ""   # table name, exact
    subject_id: str = ""     # exact
    date_from: date | None = None  # Beijing calendar days, inclusive
    date_to: date | None = None

    def as_query(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()
                if v not in ("", None)}


def query(f: AuditFilter) -> Select[tuple[AuditLog]]:
    stmt = select(AuditLog)
    if f.actor:
        stmt = stmt.where(func.lower(AuditLog.actor_username).contains(f.actor.lower(),
                                                                       autoescape=True))
    if f.action:
        stmt = stmt.where(AuditLog.action.startswith(f.action, autoescape=True))
    if f.subject_type:
        stmt = stmt.where(AuditLog.subject_type == f.subject_type)
    if f.subject_id:
        stmt = stmt.where(AuditLog.subject_id == f.subject_id)
    if f.date_from:
        stmt = stmt.where(AuditLog.at >= local_day_bounds(f.date_from)[0])
    if f.date_to:
        stmt = stmt.where(AuditLog.at < local_day_bounds(f.date_to)[1])
    return stmt.order_by(AuditLog.id.desc())


def subject_types() -> Select[tuple[str]]:
    return (select(AuditLog.subject_type).where(AuditLog.subject_type.is_not(None))
            .distinct().order_by(AuditLog.subject_type))
