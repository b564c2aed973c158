"""Rates (响应率, 按时办结率, 办结率, 满意率) per period, department and category, with their
definitions; the department league table; weekly trends per category against the four weeks
before (苗头性、倾向性), as a chart; the same for 营商前哨 appeals; Excel of what is shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from huiqi.appeals import categories, rates, stats, webforms
from huiqi.appeals.rates import AppealRates, CategoryTrend
from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import CurrentUser, ExportLimited
from huiqi.kit import web
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.kit.excel import workbook_bytes, xlsx_response
from huiqi.kit.web import ClockDep, DBSession
from huiqi.models.user import Role
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import render

router = web.router(include_in_schema=False)
READERS = {Role.DEPARTMENT, Role.LIAISON, Role.OFFICE, Role.AUDITOR, Role.LEADER}
register_nav(NavItem("诉求统计", "/appeals/rates", READERS, order=31,
                     description="响应率、按时办结率、办结率、满意率，部门排名，类别趋势",
                     group="诉求办理"))
DEFAULT_DAYS = 84  # twelve weeks


def _reader(actor: Actor) -> None:
    if actor.role not in READERS:
        raise NotFound("页面不存在，或您没有访问权限。")


def _day(value: str, label: str, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"「{label}」应为日期，如 2025-06-01，收到「{value}」。") from None


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    week: date
    department: str
    category: str
    overall: AppealRates
    by_department: dict[str, AppealRates]
    by_category: dict[str, AppealRates]
    league: list[rates.LeagueRow]
    trends: list[CategoryTrend]


def report(db: Session, actor: Actor, clock: Clock, q: dict[str, str]) -> Report:
    today = clock.today_local()
    end = _day(q.get("end", ""), "截止日期", today)
    start = _day(q.get("start", ""), "起始日期", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise ValidationFailed("起始日期不能晚于截止日期。")
    week = rates.week_of(_day(q.get("week", ""), "统计周", today))
    category, department = q.get("category", ""), q.get("department", "")
    recs = stats.records(db, actor, category=category or None)
    chosen = [r for r in rates.dispatched_between(recs, start, end)
              if not department or r.department == department]
    now = clock.now()
    return Report(start, end, week, department, category, rates.appeal_rates(chosen, now),
                  rates.rates_by(chosen, rates.by_department, now),
                  rates.rates_by(chosen, rates.by_category, now),
                  rates.league_table(chosen, now), rates.weekly_trends(recs, week))


def _params(request: Request) -> dict[str, str]:
    keys = ("start", "end", "week", "department", "category")
    return {k: request.query_params.get(k, "").strip() for k in keys}


def trend_chart(trends: list[CategoryTrend], week: date) -> dict[str, Any]:
    """ECharts option: this week's count per category against the mean of the four before;
    rising categories in red."""
    names = [t.category for t in trends]
    weeks = [(week - timedelta(weeks=k)).strftime("%m-%d") for k in range(4, 0, -1)]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["前四周周均", "本周"], "top": 24},
        "grid": {"left": 40, "right": 20, "bottom": 70, "top": 64},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0, "rotate": 30}},
        "yAxis": {"type": "value", "name": "件", "minInterval": 1},
        "series": [
            {"name": "前四周周均", "type": "bar", "itemStyle": {"color": "#9bb3d9"},
             "data": [round(float(t.mean), 2) for t in trends]},
            {"name": "本周", "type": "bar",
             "data": [{"value": t.this_week,
                       "itemStyle": {"color": "#c8322f" if t.rising else "#1f5fbf"}}
                      for t in trends]},
        ],
        "aria": {"enabled": True},
        "title": {"text": f"本周（{week.isoformat()} 起）与前四周（{weeks[0]} 起）",
                  "textStyle": {"fontSize": 13}},
    }


@router.get("/appeals/rates")
def rates_page(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser
               ) -> Response:
    _reader(actor)
    q = _params(request)
    r = report(db, actor, clock, q)
    return render(request, "appeals/rates.html", {
        "title": "诉求统计", "r": r, "q": q, "definitions": rates.DEFINITIONS,
        "chart": trend_chart(r.trends, r.week), "trends": r.trends,
        "league_rows": [(x.department, x.rates, x.rank, x.score) for x in r.league],
        "category_rows": [(k, x, None, None) for k, x in r.by_category.items()],
        "categories": categories.list_categories(db, active_only=False),
        "departments": [n for _, n in webforms.department_options(db)]})


RATE_HEADERS = ["范围", "名称", "交办数", "响应率", "按时签收/交办", "按时办结率",
                "按期办结/应办结", "办结率", "已办结/交办", "满意率", "满意/回访",
                "超期未办结", "已销号", "综合得分", "排名"]


def _rate_row(scope: str, name: str, x: AppealRates, score: object = None,
              rank: object = None) -> list[object]:
    row: list[object] = [scope, name, x.dispatched]
    for rate in (x.response, x.on_time, x.resolution, x.satisfaction):
        row += [rate.percent, f"{rate.numerator}/{rate.denominator}"]
    return [*row, x.overdue_open, x.closed, score, rank]


@router.get("/appeals/rates.xlsx")
def rates_xlsx(export_limit: ExportLimited,
               request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser
               ) -> Response:
    _reader(actor)
    r = report(db, actor, clock, _params(request))
    rows = [_rate_row("合计", f"{r.start.isoformat()} 至 {r.end.isoformat()}", r.overall)]
    rows += [_rate_row("部门排名", row.department, row.rates,
                       str(row.score) if row.score is not None else "—", row.rank)
             for row in r.league]
    rows += [_rate_row("类别", name, x) for name, x in r.by_category.items()]
    data = workbook_bytes("诉求统计", RATE_HEADERS, rows, [10, 24] + [12] * 13)
    return xlsx_response(f"诉求统计-{r.start.isoformat()}-{r.end.isoformat()}.xlsx", data)


TREND_HEADERS = ["类别", "前第4周", "前第3周", "前第2周", "前第1周", "前四周周均", "本周",
                 "苗头性、倾向性"]


def _trend_rows(trends: list[CategoryTrend]) -> list[list[object]]:
    return [[t.category, *t.previous, f"{float(t.mean):.2f}", t.this_week,
             "上升" if t.rising else ""] for t in trends]


@router.get("/appeals/trends.xlsx")
def trends_xlsx(export_limit: ExportLimited,
                request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
                sentinel: str = "") -> Response:
    _reader(actor)
    q = _params(request)
    week = rates.week_of(_day(q.get("week", ""), "统计周", clock.today_local()))
    trends = stats.sentinel_trends(db, actor, week) if sentinel == "1" else \
        rates.weekly_trends(stats.records(db, actor), week)
    title = "营商前哨趋势" if sentinel == "1" else "诉求类别趋势"
    data = workbook_bytes(title, TREND_HEADERS, _trend_rows(trends), [20] + [12] * 7)
    return xlsx_response(f"{title}-{week.isoformat()}.xlsx", data)


@router.get("/appeals/sentinels/trends")
def sentinel_trends(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
                    week: str = "") -> Response:
    _reader(actor)
    monday = rates.week_of(_day(week, "统计周", clock.today_local()))
    trends = stats.sentinel_trends(db, actor, monday)
    recs = stats.records(db, actor, sentinel_only=True)
    return render(request, "appeals/sentinel_trends.html", {
        "title": "营商前哨趋势", "trends": trends, "week": monday,
        "chart": trend_chart(trends, monday), "total": len(recs),
        "overall": rates.appeal_rates(recs, clock.now()), "definitions": rates.DEFINITIONS})
