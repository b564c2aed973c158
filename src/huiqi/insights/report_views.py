"""周报 pages: the stored reports (newest first), one report's figures, its Excel and PDF, and a
form to generate one for any period."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

from fastapi import Request
from starlette.responses import Response

from huiqi.auth.dependencies import ExportLimited, OfficeUser
from huiqi.insights import report_service
from huiqi.insights.access import Reader
from huiqi.kit import web
from huiqi.kit.errors import ValidationFailed
from huiqi.kit.excel import xlsx_response
from huiqi.kit.pagination import PageQuery, paginate
from huiqi.kit.web import ClockDep, DBSession, FormDep
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
register_nav(NavItem("周报", "/insights/reports", set(report_service.READERS), order=6,
                     description="每周五自动生成的工作周报，可按任意时段生成，导出 Excel、PDF",
                     group="数据分析"))


def parse_day(value: str, label: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationFailed(f"「{label}」应为日期，如 2025-06-01，收到「{value}」。") from None


@router.get("/insights/reports")
def report_list(request: Request, db: DBSession, clock: ClockDep, actor: Reader,
                params: PageQuery) -> Response:
    page = paginate(db, report_service.listing(actor), params)
    today = clock.today_local()
    return render(request, "insights/reports.html", {
        "title": "周报", "page": page,
        "default_start": (today - timedelta(days=7)).isoformat(),
        "default_end": (today - timedelta(days=1)).isoformat()})


@router.post("/insights/reports")
def report_generate(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                    form: FormDep) -> Response:
    start = parse_day(str(form.get("start") or ""), "起始日期")
    end = parse_day(str(form.get("end") or ""), "截止日期")
    row = report_service.generate(db, actor, clock, start, end)
    flash(request, f"已生成“{row.title}”。")
    return redirect(request, f"/insights/reports/{row.id}")


@router.get("/insights/reports/{report_id}")
def report_detail(request: Request, db: DBSession, actor: Reader, report_id: int
                  ) -> Response:
    row = report_service.get(db, actor, report_id)
    return render(request, "insights/report.html", {"title": row.title, "report": row,
                                                    "r": row.figures})


@router.get("/insights/reports/{report_id}/report.xlsx")
def report_xlsx(export_limit: ExportLimited,
                db: DBSession, actor: Reader, report_id: int) -> Response:
    row = report_service.get(db, actor, report_id)
    return xlsx_response(f"{row.title}.xlsx", row.xlsx)


@router.get("/insights/reports/{report_id}/report.pdf")
def report_pdf(db: DBSession, actor: Reader, report_id: int) -> Response:
    row = report_service.get(db, actor, report_id)
    disposition = f"attachment; filename=\"weekly-report-{row.id}.pdf\"; " \
                  f"filename*=UTF-8''{quote(row.title + '.pdf')}"
    return Response(row.pdf, media_type="application/pdf",
                    headers={"Content-Disposition": disposition})
