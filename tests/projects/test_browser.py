"""The projects journey in Chromium: the agent records a step on the countdown table and its row
turns green; weeks later another step is red, the agent marks it blocked (an appeal goes to the
responsible department) and, being overdue, it escalates to the lead official (五个一), who
finds it in the notifications and on the table. Screenshots: artifacts/screenshots/projects-*."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from huiqi.appeals import categories
from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.kit.db import unit_of_work
from huiqi.kit.workdays import add_workdays, remaining_workdays
from huiqi.models.user import Role
from huiqi.projects import service
from tests.fixtures import web as web_fixtures
from tests.fixtures.web import (  # noqa: F401 - fixtures
    browser,
    follow_menu,
    live_server,
    live_user,
    page,
    screenshot,
)
from tests.projects.conftest import DEPARTMENTS, make_uscc

pytestmark = pytest.mark.browser


def _signed_for_yellow(today: Any) -> Any:
    """A signing date whose 注册 (5 working days) is due today or on the next working day."""
    d = today
    while remaining_workdays(today, add_workdays(d, 5)) > 1:
        d -= timedelta(days=1)
    return d


@pytest.fixture(scope="module")
def site(live_server: Any, live_user: Any) -> dict[str, Any]:  # noqa: F811
    with unit_of_work(live_server.engine) as db:
        for code, name in DEPARTMENTS:
            auth_service.create_department(db, Actor.system(), code, name)
    users = {"agent": live_user("agent", display_name="代办员周敏"),
             "lead": live_user("project_lead", display_name="副区长陈立"),
             "office": live_user("office", display_name="营商办王敏", mfa=False),
             "gh": live_user("department", department_code="gh", display_name="规资局张华")}
    office = Actor(users["office"].id, users["office"].username, "营商办王敏", Role.OFFICE)
    today = live_server.clock.today_local()
    with unit_of_work(live_server.engine) as db:
        categories.create_category(db, office, live_server.clock, code="permit",
                                   name="审批许可", sign_within_workdays=1,
                                   resolve_within_workdays=10)
        project = service.create_project(db, office, live_server.clock, service.ProjectIn(
            name="巴南智能装备产业园项目", enterprise_name="重庆巴南智能装备有限公司",
            region="500113", signed_on=_signed_for_yellow(today), enterprise_uscc=make_uscc(7),
            amount="120000000", land_mu="85", agent=users["agent"].username,
            lead=users["lead"].username))
        pid = project.id
    return {"url": live_server.url, "project": pid, "today": today, **users}


def _row(page: Any, key: str) -> Any:  # noqa: F811
    return page.locator(f"#step-{key}")


def test_agent_turns_a_step_green_and_an_overdue_one_escalates(
        page: Any, site: dict[str, Any], live_server: Any) -> None:  # noqa: F811
    url = f"{site['url']}/projects/{site['project']}"
    web_fixtures.browser_login(page, site["url"], site["agent"])
    page.get_by_role("link", name="我的代办项目").first.click()
    page.get_by_role("link", name="巴南智能装备产业园项目").click()
    register = _row(page, "register")
    assert "row-yellow" in (register.get_attribute("class") or "")
    screenshot(page, "projects-countdown-before")
    register.get_by_label("「注册」完成日期").fill(site["today"].isoformat())
    register.get_by_role("button", name="登记").click()
    page.get_by_text("环节日期已登记").wait_for()
    register = _row(page, "register")
    assert "row-green" in (register.get_attribute("class") or "")
    assert "按时完成" in register.inner_text()
    assert page.locator("#stage").inner_text() == "注册"
    screenshot(page, "projects-countdown-green")

    # Weeks later 拿地 (40 working days after 注册) is past its planned date: red.
    live_server.clock.advance(days=80)
    web_fixtures.browser_login(page, site["url"], site["agent"])
    page.goto(url)
    land = _row(page, "land")
    assert "row-red" in (land.get_attribute("class") or "")
    assert "已超期" in land.inner_text()
    land.get_by_text("标为受阻").click()
    land.get_by_label("受阻原因").fill("土地挂牌出让公告推迟，需规划和自然资源局明确出让时间。")
    land.get_by_role("button", name="提出诉求").click()
    page.get_by_text("已标为受阻").wait_for()
    land = _row(page, "land")
    assert "已升级牵头领导" in land.inner_text() and "诉求 #" in land.inner_text()
    screenshot(page, "projects-blocked-escalated")

    web_fixtures.browser_login(page, site["url"], site["lead"])
    page.get_by_role("link", name="消息通知").first.click()
    page.get_by_text("项目环节超期，请牵头领导调度：拿地").first.wait_for()
    page.goto(url)
    assert "已升级牵头领导" in _row(page, "land").inner_text()
    assert page.locator("#lead").inner_text() == "副区长陈立"
    screenshot(page, "projects-lead")
    page.locator("#gantt svg").first.wait_for()  # ECharts drew the Gantt chart
    follow_menu(page, "项目统计")
    assert page.locator("#rate-signed").inner_text() == "1"
    assert page.locator("#rate-start").inner_text() == "0.0%"
    page.locator("#gantt svg").first.wait_for()
    screenshot(page, "projects-rates")

    web_fixtures.browser_login(page, site["url"], site["gh"])
    page.goto(site["url"] + "/appeals")
    page.get_by_text("巴南智能装备产业园项目：拿地受阻").first.wait_for()


def test_office_imports_a_file_with_one_bad_row_and_downloads_the_error_report(
        page: Any, site: dict[str, Any], live_server: Any, live_user: Any,  # noqa: F811
        tmp_path: Any) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    from huiqi.kit.excel import workbook_bytes

    signed = site["today"].isoformat()
    upload = tmp_path / "招商项目.xlsx"
    upload.write_bytes(workbook_bytes("项目", ["项目名称", "企业名称", "所在区", "签约日期"], [
        ["巴南冷链物流园项目", "重庆冷链物流有限公司", "巴南区", signed],
        ["巴南新材料项目", "重庆新材料有限公司", "500113", "2025-13-40"],
        ["巴南生物医药项目", "重庆生物医药有限公司", "500113", signed]]))
    live_server.app.state.limiter.reset()  # the other test logged in four times from here
    # an office account enrolled in MFA (the site's is not, and its grace has run out on the
    # server's clock, which the other test moved on)
    office = live_user("office", display_name="营商办李娜")
    web_fixtures.browser_login(page, site["url"], office)
    page.goto(site["url"] + "/projects/import")
    page.get_by_label("Excel（.xlsx）或 CSV 文件").set_input_files(str(upload))
    page.get_by_role("button", name="导入", exact=True).click()
    result = page.locator("#import-result")
    result.wait_for()
    assert "共 3 行，已导入 2 个项目，错误 1 行" in result.inner_text()
    [row] = page.locator("#import-errors tbody tr").all()
    assert "第 3 行" in row.inner_text()
    assert "签约日期「2025-13-40」不是有效日期" in row.inner_text()
    screenshot(page, "projects-import-errors")
    with page.expect_download() as info:
        page.get_by_role("button", name="下载错误报告").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    rows = list(load_workbook(BytesIO(download.path().read_bytes())).active.iter_rows(
        values_only=True))
    assert rows[0] == ("行号", "项目名称", "企业名称", "所在区", "签约日期", "错误原因", "错误代码")
    assert rows[1][:5] == (3, "巴南新材料项目", "重庆新材料有限公司", "500113", "2025-13-40")
    assert "不是有效日期" in rows[1][5] and rows[1][6] == "bad_date" and len(rows) == 2
    page.goto(site["url"] + "/projects")
    listed = page.locator("main").inner_text()
    assert "巴南冷链物流园项目" in listed and "巴南生物医药项目" in listed
    assert "巴南新材料项目" not in listed
