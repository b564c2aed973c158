"""The auditor's pages: the log with filters and pagination, and its Excel export."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from huiqi import audit
from huiqi.audit import labels
from huiqi.audit import repository as repo
from huiqi.audit.dependencies import AuditFilterQuery
from huiqi.auth.dependencies import AuditorUser, ExportLimited
from huiqi.kit import web
from huiqi.kit.excel import workbook_bytes, xlsx_response
from huiqi.kit.pagination import PageQuery, paginate
from huiqi.kit.web import ClockDep, DBSession
from huiqi.models.audit import AuditLog
from huiqi.ui.templating import render

router = web.router(include_in_schema=False)
EXPORT_LIMIT = 100_000
HEADERS = ["时间（北京时间）", "操作人", "角色", "来源 IP", "操作", "对象", "对象编号",
           "变更内容（项目：变更前 → 变更后）"]


@router.get("/audit")
def audit_log(
    request: Request, db: DBSession, actor: AuditorUser, filters: AuditFilterQuery,
    params: PageQuery,
) -> Response:
    page = paginate(db, repo.query(filters), params)
    subject_types = repo.subject_types(db)
    return render(request, "audit/list.html", {
        "page": page, "filters": filters, "query": filters.as_query(),
        "subject_types": subject_types, "labels": labels,
    })


@router.get("/audit/export.xlsx")
def export(
    export_limit: ExportLimited, db: DBSession, clock: ClockDep, actor: AuditorUser,
    filters: AuditFilterQuery,
) -> Response:
    rows = repo.first_rows(db, filters, EXPORT_LIMIT)
    content = workbook_bytes("审计日志", HEADERS, (_row(r) for r in rows),
                             widths=[20, 16, 12, 16, 24, 16, 12, 80])
    audit.record(db, actor, "audit.export", None, after={"filters": filters.as_query()},
                 at=clock.now())
    stamp = clock.today_local().strftime("%Y%m%d")
    return xlsx_response(f"审计日志-{stamp}.xlsx", content)


def _row(r: AuditLog) -> list[object]:
    role = "系统" if r.actor_role == "system" else labels.value_text(r.actor_role)
    changed = "\n".join(f"{name}：{old} → {new}" if old else f"{name}：{new}"
                        for name, old, new in labels.changes(r.before, r.after))
    return [r.at, labels.actor_name(r.actor_username, r.actor_role), role, r.source_ip,
            labels.action_label(r.action), labels.subject_label(r.subject_type), r.subject_id,
            changed]
