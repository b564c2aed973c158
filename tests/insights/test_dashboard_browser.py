"""Journeys in Chromium: a department enters a monthly indicator value; the office's home shows
money and appeals tiles whose links lead to lists with the same counts, and the dashboard draws
its charts. Screenshots go to artifacts/screenshots/insights-*.png."""

from __future__ import annotations

import re
from typing import Any

import pytest

from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.insights import indicators, indicators_excel
from huiqi.kit.db import unit_of_work
from tests.fixtures import web as web_fixtures
from tests.fixtures.web import browser, live_server, live_user, page, screenshot  # noqa: F401
from tests.insights import data

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(live_server: Any, live_user: Any) -> dict[str, Any]:  # noqa: F811
    data.seed_weeks(live_server.engine)
    with unit_of_work(live_server.engine) as db:
        dept = auth_service.create_department(db, Actor.system(), "dbjx", "东宝区经济和信息化局")
        rows = [["03.01", "获得电力", "接电效率", "低压小微企业接电平均时间", "天", "越低越好",
                 dept.name, "每月", 5, "部门填报"]]
        indicators_excel.import_catalog(db, Actor.system(), live_server.clock, _catalog(rows))
    return {"url": live_server.url, "clock": live_server.clock,
            "office": live_user("office", display_name="营商办王敏"),
            "dept": live_user("department", department_code="dbjx", display_name="经信局李红")}


def _catalog(rows: list[list[object]]) -> bytes:
    from huiqi.kit.excel import workbook_bytes

    return workbook_bytes("指标目录", indicators_excel.COLUMNS, rows)


def test_department_enters_a_monthly_value(page: Any, site: dict[str, Any]) -> None:  # noqa: F811
    period = indicators.previous_month(indicators.month_of(site["clock"].today_local()))
    web_fixtures.browser_login(page, site["url"], site["dept"])
    page.get_by_role("link", name="指标台账").first.click()
    page.get_by_role("link", name=f"填报 {period} 指标").click()
    page.get_by_label("低压小微企业接电平均时间", exact=True).fill("4.5")
    screenshot(page, "insights-indicator-entry")
    page.get_by_role("button", name="保存").click()
    page.get_by_text(f"已保存 1 项 {period} 指标值").wait_for()
    row = page.locator("tr", has_text="低压小微企业接电平均时间")
    assert "4.5" in row.inner_text() and "达标" in row.inner_text()
    screenshot(page, "insights-indicator-ledger")


def _count_of(page: Any) -> int:  # noqa: F811
    found = re.search(r"共 (\d+) 条", page.locator("main").inner_text())
    return int(found.group(1)) if found else 0


def test_office_tiles_lead_to_lists_with_the_same_counts(page: Any,  # noqa: F811
                                                         site: dict[str, Any]) -> None:
    web_fixtures.browser_login(page, site["url"], site["office"])
    screenshot(page, "insights-office-home")
    for label in ("已兑现", "已批准", "未办结", "已超期未办结"):
        tile = page.locator(".tile a", has_text=label).first
        count = int(tile.get_attribute("data-tile-count"))
        assert count > 0, label
        tile.click()
        page.wait_for_load_state()
        assert _count_of(page) == count, label
        page.go_back()
    page.get_by_role("link", name="数据看板").first.click()
    page.locator(".chart svg").first.wait_for()
    screenshot(page, "insights-dashboard")
