"""The audit log as JSON, for auditors' tools (mounted under /api/v1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from huiqi.audit import repository as repo
from huiqi.audit.dependencies import AuditFilterQuery
from huiqi.auth.dependencies import AuditorUser
from huiqi.kit import web
from huiqi.kit.pagination import PageQuery, paginate
from huiqi.kit.web import DBSession

router = web.router(tags=["审计"])


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor_id: int | None
    actor_username: str | None
    actor_role: str | None
    source_ip: str | None
    action: str
    subject_type: str | None
    subject_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditPage(BaseModel):
    items: list[AuditEntry]
    total: int
    page: int
    per_page: int


@router.get("/audit", response_model=AuditPage, summary="查询审计日志（审计管理员）")
def audit_log(
    db: DBSession, actor: AuditorUser, filters: AuditFilterQuery, params: PageQuery
) -> AuditPage:
    page = paginate(db, repo.query(filters), params)
    return AuditPage(
        items=[AuditEntry.model_validate(r, from_attributes=True) for r in page.items],
        total=page.total, page=page.page, per_page=page.per_page,
    )
