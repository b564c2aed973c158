"""The projects' rates page: 开工率, 投产率, on-time steps by department, median working days per
step, each with its definition; a Gantt chart of the portfolio; the same figures in Excel."""

from __future__ import annotations

from datetime import date

from fastapi import Request
from starlette.responses import Response

from huiqi.auth.dependencies import ExportLimited
from huiqi.kit import web
from huiqi.kit.errors import ValidationFailed
from huiqi.kit.excel import sheet_bytes, xlsx_response
from huiqi.kit.web import ClockDep, DBSession
from huiqi.models.user import Role
from huiqi.projects import service
from huiqi.projects.auth import RatesReader
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import render

router = web.router(include_in_schema=False)
register_nav(NavItem("项目统计", "/projects/rates",
                     {Role.OFFICE, Role.AUDITOR, Role.PROJECT_LEAD}, order=41,
                     description="开工率、投产率、各部门环节按时完成率、环节用时中位数、甘特图",
                     group="服务企业"))


def _as_of(value: str, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"「统计日」应为日期，如 2026-03-05，收到「{value}」。") from None


def _pct(value: object) -> str:
    return "—" if value is None else f"{value}%"


@router.get("/projects/rates")
def rates_page(request: Request, db: DBSession, clock: ClockDep, actor: RatesReader,
               as_of: str = "", region: str = "") -> Response:
    day = _as_of(as_of, clock.today_local())
    r = service.rates(db, actor, day, region)
    return render(request, "projects/rates.html", {
        "title": "项目统计", "r": r, "pct": _pct, "regions": service.REGIONS,
        "query": {"as_of": day.isoformat(), "region": region},
        "definitions": service.DEFINITIONS, "rule": service.PROGRESS_RULE,
        "gantt": service.portfolio_gantt(db, actor, clock.today_local(), region)})


@router.get("/projects/rates.xlsx")
def rates_xlsx(export_limit: ExportLimited,
               db: DBSession, clock: ClockDep, actor: RatesReader, as_of: str = "",
               region: str = "") -> Response:
    day = _as_of(as_of, clock.today_local())
    r = service.rates(db, actor, day, region)
    overall: list[list[object]] = [["指标", "数值", "分子", "分母", "定义"],
               ["开工率", _pct(r.start_rate), r.started, r.signed, service.DEFINITIONS["开工率"]],
               ["投产率", _pct(r.production_rate), r.produced, r.signed,
                service.DEFINITIONS["投产率"]]]
    head: list[object] = ["责任部门", "已完成环节", "按时完成", "按时完成率", "超期未完成"]
    depts: list[list[object]] = [head] + [
        [d.department, d.done, d.on_time, _pct(d.rate), d.open_overdue] for d in r.by_department]
    mhead: list[object] = ["环节", "已完成数", "用时中位数（工作日）"]
    medians: list[list[object]] = [mhead] + [
        [m.name, m.count, m.median if m.median is not None else "—"] for m in r.medians]
    content = sheet_bytes([("开工率投产率", overall, [14, 10, 8, 8, 60], True),
                           ("部门按时完成率", depts, [30, 12, 10, 12, 12], True),
                           ("环节用时", medians, [16, 10, 20], True)])
    return xlsx_response(f"项目统计-{day.isoformat()}.xlsx", content)
