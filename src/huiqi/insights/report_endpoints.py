"""Weekly reports and dashboard figures as JSON under /api/v1 (office)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from huiqi.auth.dependencies import OfficeUser
from huiqi.insights import dashboard, report_service
from huiqi.insights.access import Reader
from huiqi.kit import web
from huiqi.kit.pagination import PageQuery, paginate
from huiqi.kit.web import ClockDep, DBSession

router = web.router(tags=["数据看板与周报"])


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: date
    end: date


class ReportOut(BaseModel):
    id: int
    kind: str
    title: str
    period_start: date
    period_end: date
    figures: dict[str, Any]
    xlsx_url: str
    pdf_url: str


class TileOut(BaseModel):
    label: str
    count: int
    amount: str | None
    href: str


class DashboardOut(BaseModel):
    year: int
    money: list[TileOut]
    appeals: list[TileOut]
    rates: dict[str, str]
    pushes: list[TileOut] = []


def _out(row: Any) -> ReportOut:
    base = f"/insights/reports/{row.id}"
    return ReportOut(id=row.id, kind=row.kind, title=row.title, period_start=row.period_start,
                     period_end=row.period_end, figures=row.figures,
                     xlsx_url=f"{base}/report.xlsx", pdf_url=f"{base}/report.pdf")


@router.get("/insights/reports", response_model=list[ReportOut], summary="周报列表")
def reports(db: DBSession, actor: Reader, params: PageQuery) -> list[ReportOut]:
    return [_out(r) for r in paginate(db, report_service.listing(actor), params).items]


@router.post("/insights/reports", response_model=ReportOut, status_code=201,
             summary="按时段生成报告（Excel 与 PDF 一并保存）")
def generate(body: ReportIn, db: DBSession, clock: ClockDep, actor: OfficeUser) -> ReportOut:
    return _out(report_service.generate(db, actor, clock, body.start, body.end))


@router.get("/insights/reports/{report_id}", response_model=ReportOut, summary="一份周报")
def report(report_id: int, db: DBSession, actor: Reader) -> ReportOut:
    return _out(report_service.get(db, actor, report_id))


@router.get("/insights/reports/{report_id}/report.pdf", summary="周报 PDF",
            response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def report_pdf(report_id: int, db: DBSession, actor: Reader) -> Response:
    row = report_service.get(db, actor, report_id)
    return Response(row.pdf, media_type="application/pdf")


def _tiles(tiles: list[Any]) -> list[TileOut]:
    return [TileOut(label=t.label, count=t.count, href=t.href,
                    amount=None if t.amount is None else f"{t.amount:.2f}") for t in tiles]


@router.get("/insights/dashboard", response_model=DashboardOut, summary="数据看板的数字")
def dashboard_figures(db: DBSession, clock: ClockDep, actor: Reader, year: str = ""
                      ) -> DashboardOut:
    chosen = dashboard.year_of(clock, year)
    money = dashboard.money(db, actor, chosen, breakdowns=False)
    appeals = dashboard.appeals_figures(db, actor, clock, chosen, by_age=False)
    rates = {"响应率": appeals.rates.response.percent, "按时办结率": appeals.rates.on_time.percent,
             "办结率": appeals.rates.resolution.percent,
             "满意率": appeals.rates.satisfaction.percent}
    return DashboardOut(year=chosen, money=_tiles(money.tiles), appeals=_tiles(appeals.tiles),
                        rates=rates, pushes=_tiles(dashboard.push_tiles(db)))
