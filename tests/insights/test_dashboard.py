"""Dashboards: every tile on the office's home and dashboard leads to a list showing exactly its
count (SQLite and PostgreSQL); the money figures equal the grants ledger's rows; a department
cannot open the office dashboard; the public dashboard needs no login and shows no enterprise."""

from __future__ import annotations

import html
import io
import re
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine

from huiqi.insights import dashboard
from huiqi.insights.dashboard_public import reader
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import unit_of_work
from huiqi.ui.dashboard import PANELS, Panel, Tile
from tests.fixtures.service_db import *  # noqa: F403 - engine: a fresh database per test
from tests.fixtures.web import *  # noqa: F403 - app, logged_in, make_user (module database)
from tests.insights import data

TILE = re.compile(r'<a href="([^"]+)" data-tile-count="(\d+)">')
TOTAL = re.compile(r"共 (\d+) 条")


def tiles_of(page: str) -> list[tuple[str, int]]:
    return [(html.unescape(href), int(n)) for href, n in TILE.findall(page)]


def listed(client: TestClient, href: str) -> int:
    response = client.get(href)
    assert response.status_code == 200, (href, response.status_code)
    found = TOTAL.search(response.text)
    return int(found.group(1)) if found else 0


def test_every_tile_leads_to_a_list_with_its_count(app: Any, app_engine: Engine,
                                                   logged_in: Any) -> None:
    data.seed_weeks(app_engine)
    office = logged_in("office")
    for page in ("/", "/insights/dashboard?year=2025", "/insights/dashboard?year=2024"):
        response = office.get(page)
        assert response.status_code == 200
        found = tiles_of(response.text)
        assert len(found) >= 9, page  # five money tiles, four appeals tiles
        for href, count in found:
            assert listed(office, href) == count, (page, href, count)
    home = tiles_of(office.get("/").text)
    assert dict((h, n) for h, n in home)["/appeals?status=open&overdue=1"] >= 1
    assert sum(n for h, n in home if h.startswith("/grants/grants")) > 0


def test_money_equals_the_grants_ledger(app: Any, app_engine: Engine, logged_in: Any) -> None:
    data.seed_weeks(app_engine)
    office = logged_in("office")
    ws = load_workbook(io.BytesIO(office.get("/grants/ledgers/grants.xlsx?year=2025").content))
    rows = list(ws.worksheets[0].iter_rows(min_row=5, values_only=True))
    with unit_of_work(app_engine) as db:
        money = dashboard.money(db, reader(), 2025)
    tiles = {t.label: t for t in money.tiles}
    approved = sum((Decimal(str(r[7])) for r in rows), Decimal("0"))
    paid = sum((Decimal(str(r[7])) for r in rows if r[8] == "已兑现"), Decimal("0"))
    assert (tiles["已批准"].count, tiles["已批准"].amount) == (len(rows), approved)
    assert tiles["已兑现"].amount == paid
    assert sum((r.approved for r in money.by_department), Decimal("0")) == approved
    assert sum((r.paid for r in money.by_month), Decimal("0")) == paid
    assert sum((r.approved for r in money.by_item), Decimal("0")) == approved
    assert sum(r.applied for r in money.by_month) == tiles["申报（测算金额）"].count


def test_open_by_age_counts_every_open_appeal(app_engine: Engine) -> None:
    data.seed_weeks(app_engine)
    clock = FixedClock(data.at(data.Week().end))
    with unit_of_work(app_engine) as db:
        figures = dashboard.appeals_figures(db, reader(), clock, 2025)
    tiles = {t.label: t.count for t in figures.tiles}
    assert sum(n for _, n in figures.open_by_age) == tiles["未办结"]
    assert figures.rates.response.denominator > 0


def test_only_the_office_opens_the_dashboard(app: Any, logged_in: Any) -> None:
    assert logged_in("department").get("/insights/dashboard").status_code == 404
    assert logged_in("enterprise").get("/insights/dashboard").status_code == 404
    page = logged_in("office").get("/insights/dashboard")
    assert 'data-echarts=' in page.text and "<script>" not in page.text


def test_public_dashboard_is_aggregate_only(app: Any, app_engine: Engine,
                                            client: TestClient) -> None:
    data.seed_weeks(app_engine)
    response = client.get("/public/dashboard")
    assert response.status_code == 200
    assert "营商环境数据公开" in response.text
    assert "测试企业" not in response.text and "诉求企业" not in response.text
    assert "91500105" not in response.text


def test_other_domains_add_panels_to_the_dashboard(app: Any, app_engine: Engine,
                                                   logged_in: Any) -> None:
    """The mechanism liaison, supervision, ratings and projects use: one register_panel call
    with the shared tiles template; its tiles are held to the same rule (count = list)."""
    from huiqi.appeals import service as appeals
    from huiqi.models.user import Role

    def context(db: Any, actor: Any) -> dict[str, Any]:
        closed = appeals.list_query(actor, appeals.AppealFilter(status="closed"))
        n = len(list(db.scalars(closed)))
        return {"title": "测试专题", "tiles": [Tile("已销号（专题）", n, "/appeals?status=closed")]}

    panel = Panel(Role.OFFICE, "_tiles_panel.html", context, order=50, page="dashboard")
    PANELS.append(panel)
    try:
        data.seed_weeks(app_engine)
        office = logged_in("office")
        page = office.get("/insights/dashboard").text
        assert "测试专题" in page and "已销号（专题）" in page
        assert "测试专题" not in office.get("/").text  # the home page is another page
        for href, count in tiles_of(page):
            assert listed(office, href) == count
    finally:
        PANELS.remove(panel)


def test_api_dashboard_figures_match_the_page(app: Any, app_engine: Engine, make_user: Any,
                                              logged_in: Any) -> None:
    from huiqi.auth import service as auth_service
    from huiqi.auth.actor import Actor
    from huiqi.models.user import User

    data.seed_weeks(app_engine)
    creds = make_user("office")
    with unit_of_work(app_engine) as db:
        user = db.get(User, creds.id)
        assert user is not None
        _, secret = auth_service.create_api_token(db, Actor.of(user), FixedClock(data.at(
            data.Week().end)), "测试")
    api = TestClient(app, headers={"Authorization": f"Bearer {secret}"})
    body = api.get("/api/v1/insights/dashboard?year=2025").json()
    page = tiles_of(logged_in("office").get("/insights/dashboard?year=2025").text)
    assert [(t["href"], t["count"]) for t in body["money"] + body["appeals"] + body["pushes"]] \
        == page
    assert set(body["rates"]) == {"响应率", "按时办结率", "办结率", "满意率"}
