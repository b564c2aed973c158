"""The four lists as printable pages and Excel: for one appeal, and for a filtered set (the same
filters as the appeals list). Everyone sees only the appeals they may see."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from huiqi.appeals import categories, lists, service, webforms
from huiqi.appeals.vocab import AppealStatus, Source
from huiqi.auth.dependencies import CurrentUser, ExportLimited
from huiqi.kit import web
from huiqi.kit.excel import workbook_bytes, xlsx_response
from huiqi.kit.web import ClockDep, DBSession
from huiqi.ui.templating import render

router = web.router(include_in_schema=False)


def _filtered(request: Request, db: DBSession, actor: CurrentUser) -> list[object]:
    flt = webforms.appeal_filter(webforms.query_of(request))
    return lists.appeals_of(db, service.list_query(actor, flt))


@router.get("/appeals/{appeal_id:int}/lists")
def one_appeal(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
               appeal_id: int) -> Response:
    appeal = service.get(db, actor, appeal_id)
    return render(request, "appeals/lists_one.html", {
        "title": f"诉求 #{appeal.id} 四单", "a": appeal,
        "sheets": lists.all_sheets(db, [appeal]), "display": lists.display,
        "printed_at": clock.now()})


@router.get("/appeals/{appeal_id:int}/lists/{kind}.xlsx")
def one_appeal_xlsx(export_limit: ExportLimited,
                    db: DBSession, actor: CurrentUser, appeal_id: int, kind: str) -> Response:
    appeal = service.get(db, actor, appeal_id)
    sheet = lists.sheet(db, kind, [appeal])
    data = workbook_bytes(sheet.title, sheet.headers, sheet.rows, lists.WIDTHS[kind])
    return xlsx_response(f"{sheet.title}-{appeal.id}.xlsx", data)


@router.get("/appeals/lists")
def filtered(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
             kind: str = "problem") -> Response:
    title = lists.kind_title(kind)
    appeals = _filtered(request, db, actor)
    query = webforms.query_of(request)
    return render(request, "appeals/lists.html", {
        "title": title, "kind": kind, "kinds": lists.KINDS,
        "sheet": lists.sheet(db, kind, appeals), "display": lists.display, "query": query,
        "capped": len(appeals) >= lists.MAX_ROWS, "printed_at": clock.now(),
        "statuses": list(AppealStatus), "sources": list(Source),
        "categories": categories.list_categories(db, active_only=False),
        "departments": webforms.department_options(db)})


@router.get("/appeals/lists/{kind}.xlsx")
def filtered_xlsx(export_limit: ExportLimited,
                  request: Request, db: DBSession, actor: CurrentUser, kind: str) -> Response:
    lists.kind_title(kind)
    sheet = lists.sheet(db, kind, _filtered(request, db, actor))
    data = workbook_bytes(sheet.title, sheet.headers, sheet.rows, lists.WIDTHS[kind])
    return xlsx_response(f"{sheet.title}.xlsx", data)
