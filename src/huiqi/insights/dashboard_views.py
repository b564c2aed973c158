"""Dashboard pages: the office home's panels (money, appeals), the office dashboard
(/insights/dashboard, with the panels other domains register for `page="dashboard"`), and the
public dashboard of aggregate figures (/public/dashboard, no login)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from huiqi.auth.actor import Actor
from huiqi.insights import dashboard, dashboard_charts, dashboard_public, targeting_repository
from huiqi.insights.access import READ_ALL, Reader
from huiqi.insights.targeting import SEGMENTS
from huiqi.kit import web
from huiqi.kit.clock import Clock
from huiqi.kit.pagination import PageQuery, paginate
from huiqi.kit.settings import policy_date, policy_date_for
from huiqi.kit.web import ClockDep, DBSession
from huiqi.ui.dashboard import Panel, panels_for, register_panel
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import render

router = web.router(include_in_schema=False)
READERS = set(READ_ALL)

register_nav(NavItem("数据看板", "/insights/dashboard", READERS, order=5,
                     description="政策资金、企业诉求的全景数据，按事项、部门和月份",
                     group="数据分析"))


def home_money(db: Session, actor: Actor) -> dict[str, Any]:
    return {"money": dashboard.money(db, actor, None, breakdowns=False),
            "year": policy_date().year}


def home_appeals(db: Session, actor: Actor) -> dict[str, Any]:
    return {"appeals": dashboard.appeals_figures(db, actor, Clock(), None, by_age=False)}


for _role in READ_ALL:
    register_panel(Panel(_role, "insights/_home_money.html", home_money, order=5))
    register_panel(Panel(_role, "insights/_home_appeals.html", home_appeals, order=6))


@router.get("/insights/dashboard")
def dashboard_page(request: Request, db: DBSession, clock: ClockDep, actor: Reader,
                   year: str = "") -> Response:
    chosen = dashboard.year_of(clock, year) if year else \
        policy_date_for(clock, web.settings_of(request)).year
    money = dashboard.money(db, actor, chosen)
    appeals = dashboard.appeals_figures(db, actor, clock, chosen)
    charts = {"month": dashboard_charts.money_by_month(money.by_month),
              "department": dashboard_charts.money_by_department(money.by_department),
              "budget": dashboard_charts.budget_use(money.by_item),
              "age": dashboard_charts.open_by_age(appeals.open_by_age)}
    return render(request, "insights/dashboard.html", {
        "title": "数据看板", "money": money, "appeals": appeals, "charts": charts,
        "pushes": dashboard.push_tiles(db),
        "panels": panels_for(db, actor, page="dashboard")})


@router.get("/insights/pushes")
def pushes_page(request: Request, db: DBSession, actor: Reader, params: PageQuery,
                item_id: str = "") -> Response:
    """The pushes the dashboard's 政策推送 tile counts (same statement), newest first."""
    page = paginate(db, targeting_repository.push_query(item_id or None), params)
    return render(request, "insights/pushes.html", {
        "title": "政策推送记录", "page": page, "item_id": item_id, "segments": SEGMENTS,
        "tiles": dashboard.push_tiles(db, item_id)})


@router.get("/public/dashboard")
def public_dashboard(request: Request, db: DBSession, clock: ClockDep) -> Response:
    as_of = policy_date_for(clock, web.settings_of(request))
    return render(request, "insights/public.html", {
        "title": "营商环境数据公开", "figures": dashboard_public.public_figures(db, clock, as_of)})
