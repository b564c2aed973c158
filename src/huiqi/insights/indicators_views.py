"""指标台账 pages: the ledger (filters, the chosen month and the months before), one indicator's
trend and entries, the department's monthly entry form, the league table by department, the
catalog import (office) and the Excel ledger for submitting upward."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from huiqi.auth.dependencies import ExportLimited, OfficeUser
from huiqi.insights import dashboard_charts, indicators, indicators_excel
from huiqi.insights import indicators_repository as repo
from huiqi.insights.indicators_auth import LedgerUser
from huiqi.kit import numbers, web
from huiqi.kit.errors import ValidationFailed
from huiqi.kit.excel import xlsx_response
from huiqi.kit.web import ClockDep, DBSession, FormDep
from huiqi.models.user import Role
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
READERS = {Role.OFFICE, Role.DEPARTMENT, Role.LEADER}
register_nav(NavItem("指标台账", "/insights/indicators", READERS,
                     order=7,
                     description="营商环境评价监测指标：按月填报、自动计算、趋势与部门排名",
                     group="数据分析"))
SHOWN_MONTHS = 3
TREND_MONTHS = 12


def _period(clock: ClockDep, value: str) -> str:
    if value:
        return indicators.parse_period(value)
    return indicators.previous_month(indicators.month_of(clock.today_local()))


def _filters(request: Request) -> dict[str, str]:
    keys = ("period", "department_id", "level1", "q")
    return {k: request.query_params.get(k, "").strip() for k in keys}


def _ledger_rows(db: DBSession, actor: Any, q: dict[str, str], periods: list[str]) -> list[Any]:
    dept = int(q["department_id"]) if numbers.is_id(q.get("department_id", "")) else None
    return indicators.ledger(db, actor, periods, department_id=dept,
                             level1=q.get("level1") or None, q=q.get("q") or None)


@router.get("/insights/indicators")
def ledger_page(request: Request, db: DBSession, clock: ClockDep, actor: LedgerUser
                ) -> Response:
    q = _filters(request)
    period = _period(clock, q["period"])
    periods = indicators.months_back(period, SHOWN_MONTHS)
    rows = _ledger_rows(db, actor, q, periods)
    return render(request, "insights/indicators.html", {
        "title": "营商环境评价指标台账", "rows": rows, "periods": periods, "period": period,
        "q": {**q, "period": period}, "departments": repo.departments(db),
        "level1s": sorted({r.indicator.level1 for r in rows}),
        "is_department": actor.role is Role.DEPARTMENT, "plain": indicators.plain})


@router.get("/insights/indicators/ledger.xlsx")
def ledger_xlsx(export_limit: ExportLimited,
                request: Request, db: DBSession, clock: ClockDep, actor: LedgerUser
                ) -> Response:
    q = _filters(request)
    period = _period(clock, q["period"])
    periods = indicators.months_back(period, 12 if period.endswith("-12") else int(period[5:]))
    rows = _ledger_rows(db, actor, q, periods)
    depts = repo.departments(db)
    shown = [("统计月份", period)]
    if numbers.is_id(q["department_id"]):
        shown.append(("责任单位", depts.get(int(q["department_id"]), "")))
    if q["level1"]:
        shown.append(("一级指标", q["level1"]))
    title = f"营商环境评价监测指标台账（{period[:4]}年{int(period[5:])}月）"
    return xlsx_response(f"{title}.xlsx", indicators_excel.ledger_bytes(title, shown, periods,
                                                                        rows))


@router.get("/insights/indicators/league")
def league_page(request: Request, db: DBSession, clock: ClockDep, actor: LedgerUser,
                period: str = "") -> Response:
    chosen = _period(clock, period)
    return render(request, "insights/league.html", {
        "title": "监测指标部门排名", "rows": indicators.league(db, actor, chosen),
        "period": chosen})


@router.get("/insights/indicators/entry")
def entry_page(request: Request, db: DBSession, clock: ClockDep, actor: LedgerUser,
               period: str = "") -> Response:
    chosen = _period(clock, period)
    rows = [r for r in indicators.ledger(db, actor, [chosen])
            if r.indicator.source == "manual" and actor.role is Role.DEPARTMENT]
    return render(request, "insights/entry.html", {
        "title": f"填报 {chosen} 监测指标", "rows": rows, "period": chosen,
        "plain": indicators.plain})


@router.post("/insights/indicators/entry")
def entry_submit(request: Request, db: DBSession, clock: ClockDep, actor: LedgerUser,
                 form: FormDep) -> Response:
    period = indicators.parse_period(str(form.get("period") or ""))
    saved = 0
    for key, raw in form.multi_items():
        if not key.startswith("value_") or not isinstance(raw, str) or not raw.strip():
            continue
        ident = key.removeprefix("value_")
        if not numbers.is_id(ident):
            continue
        value = indicators.parse_value(raw)
        note = form.get(f"note_{ident}")
        indicators.enter(db, actor, clock, int(ident), period, value,
                         note if isinstance(note, str) else "")
        saved += 1
    if not saved:
        raise ValidationFailed("没有填写任何指标值。")
    flash(request, f"已保存 {saved} 项 {period} 指标值。")
    return redirect(request, f"/insights/indicators?period={period}")


@router.get("/insights/indicators/import")
def import_page(request: Request, actor: OfficeUser) -> Response:
    return render(request, "insights/import.html", {"title": "导入指标目录", "report": None})


@router.get("/insights/indicators/template.xlsx")
def import_template(export_limit: ExportLimited,
                    actor: OfficeUser) -> Response:
    return xlsx_response("指标目录导入模板.xlsx", indicators_excel.template_bytes())


@router.post("/insights/indicators/import",
             max_body_size=indicators_excel.MAX_BYTES + 1024 * 1024)
def import_upload(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                  form: FormDep) -> Response:
    f = form.get("file")
    if not isinstance(f, UploadFile) or not f.filename:
        raise ValidationFailed("请选择要导入的 Excel（.xlsx）文件。")
    data = f.file.read(indicators_excel.MAX_BYTES + 1)
    report = indicators_excel.import_catalog(db, actor, clock, data)
    return render(request, "insights/import.html", {"title": "导入指标目录", "report": report})


@router.get("/insights/indicators/{indicator_id}")
def indicator_page(request: Request, db: DBSession, clock: ClockDep, actor: LedgerUser,
                   indicator_id: int) -> Response:
    latest = indicators.month_of(clock.today_local())
    periods = indicators.months_back(latest, TREND_MONTHS)
    ind, vals = indicators.trend(db, actor, indicator_id, periods)
    chart = dashboard_charts.trend(periods, [v.value if v else None for v in vals], ind.target,
                                   ind.name, ind.unit)
    return render(request, "insights/indicator.html", {
        "title": ind.name, "ind": ind, "rows": list(zip(periods, vals, strict=True))[::-1],
        "chart": chart, "department": repo.departments(db).get(ind.department_id, ""),
        "directions": indicators.DIRECTIONS, "frequencies": indicators.FREQUENCIES,
        "may_enter": actor.role is Role.DEPARTMENT and ind.source == "manual",
        "default_period": indicators.previous_month(latest), "meets": indicators.meets,
        "plain": indicators.plain})


@router.post("/insights/indicators/{indicator_id}/values")
def indicator_enter(request: Request, db: DBSession, clock: ClockDep, actor: LedgerUser,
                    indicator_id: int, form: FormDep) -> Response:
    note = form.get("note")
    row = indicators.enter(db, actor, clock, indicator_id, str(form.get("period") or ""),
                           indicators.parse_value(str(form.get("value") or "")),
                           note if isinstance(note, str) else "")
    flash(request, f"已保存 {row.period} 的指标值。")
    return redirect(request, f"/insights/indicators/{indicator_id}")
