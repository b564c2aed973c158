"""The supervision journey in Chromium: the office plans a joint inspection, publishes the
commitment, two officials enter the beacon and the draw runs; an inspector records a 包容免罚
finding; the supervisor publishes it and the 公示 page shows it. Screenshots:
artifacts/screenshots/supervision-*.png."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.kit.db import unit_of_work
from huiqi.models.supervision import CreditGrade
from huiqi.models.user import Role
from huiqi.registry import service as registry
from huiqi.supervision import catalogs
from tests.fixtures import web as web_fixtures
from tests.fixtures.web import browser, live_server, live_user, page, screenshot  # noqa: F401
from tests.supervision.conftest import make_uscc

pytestmark = pytest.mark.browser
VALUE = "3e" * 32


@pytest.fixture(scope="module")
def site(live_server: Any, live_user: Any) -> dict[str, Any]:  # noqa: F811
    clock = live_server.clock
    with unit_of_work(live_server.engine) as db:
        for code, name in [("qyscjg", "青原区市场监督管理局"), ("qysthj", "青原区生态环境分局")]:
            auth_service.create_department(db, Actor.system(), code, name)
        for n in range(1, 11):
            registry.upsert(db, {"uscc": make_uscc(700 + n), "name": f"青原食品加工厂{n}",
                                 "region": "360803", "legal_form": "enterprise",
                                 "industry_code": "C1391"})
            db.add(CreditGrade(uscc=make_uscc(700 + n), field="market",
                               grade="D" if n <= 2 else "A", risk="-", source="评定等级",
                               effective_from=date(2026, 1, 1), created_at=clock.now()))
    users = {
        "office": live_user("office", display_name="营商办刘洋"),
        "office2": live_user("office", display_name="营商办赵琳"),
        "supervisor": live_user("supervisor", department_code="qyscjg", display_name="市监局张科"),
        "inspector": live_user("inspector", department_code="qyscjg",
                               display_name="市监执法员孙强"),
    }
    office = Actor(users["office"].id, users["office"].username, "营商办刘洋", Role.OFFICE)
    with unit_of_work(live_server.engine) as db:
        catalogs.add_item(db, office, clock, catalogs.ItemIn(
            "qyscjg", "食品生产企业监督检查", "《食品安全法》第一百一十条", "原料查验、生产记录",
            "industry_code LIKE 'C13%'", "每年一次", "market"))
        catalogs.add_item(db, office, clock, catalogs.ItemIn(
            "qysthj", "排污许可执行检查", "《排污许可管理条例》第三十条", "排污口、台账",
            "industry_code LIKE 'C%'", "每年一次", "environment"))
        catalogs.add_exemption(db, office, catalogs.ExemptionIn(
            "qyscjg", "未在经营场所醒目位置悬挂营业执照", "《行政处罚法》第三十三条第一款",
            "首次发现、及时改正、没有造成危害后果", ["营业执照"]))
        catalogs.add_exemption(db, office, catalogs.ExemptionIn(
            "qysthj", "环保台账记录不完整", "《行政处罚法》第三十三条第一款",
            "首次发现、未造成污染后果", ["台账"]))
        valid = date.today() + timedelta(days=400)
        catalogs.add_officer(db, office, clock, catalogs.OfficerIn(
            "孙强", "qyscjg", "JX-SC-001", valid, ["market"], [], users["inspector"].username))
        for k in (1, 2):
            catalogs.add_officer(db, office, clock, catalogs.OfficerIn(
                f"环保执法员{k}", "qysthj", f"JX-HB-00{k}", valid, ["environment"], [], ""))
    return {"url": live_server.url, "clock": clock, **users}


def _login(page: Any, site: dict[str, Any], who: str) -> None:  # noqa: F811
    web_fixtures.browser_login(page, site["url"], site[who])


def test_plan_draw_record_and_publish(page: Any, site: dict[str, Any]) -> None:  # noqa: F811
    _login(page, site, "office")
    page.get_by_role("link", name="双随机抽查").first.click()
    page.get_by_role("link", name="新建抽查计划").click()
    page.get_by_label("计划名称").fill("青原区食品生产与排污联合抽查")
    page.get_by_label("青原区市场监督管理局").check()
    page.get_by_label("青原区生态环境分局").check()
    page.get_by_label("食品生产企业监督检查", exact=False).check()
    page.get_by_label("排污许可执行检查", exact=False).check()
    start = date.today()
    page.get_by_label("开始日期").fill(start.isoformat())
    page.get_by_label("结束日期").fill((start + timedelta(days=45)).isoformat())
    screenshot(page, "supervision-plan-new")
    page.get_by_role("button", name="保存计划").click()
    page.locator("#commit-form").wait_for()
    page.get_by_role("button", name="公布承诺").click()
    page.locator("#beacon-form").wait_for()
    assert "D：2 家" in page.locator("#quotas").inner_text()
    screenshot(page, "supervision-committed")
    plan_url = page.url

    site["clock"].advance(minutes=15)  # the drand round named in the commitment now exists
    page.get_by_label("公开随机数").fill(VALUE)
    page.get_by_role("button", name="录入").click()
    page.get_by_text("请另一名工作人员复核录入").wait_for()
    _login(page, site, "office2")
    page.goto(plan_url)
    page.get_by_label("公开随机数").fill(VALUE)
    page.get_by_role("button", name="录入").click()
    page.locator("#draw-table").wait_for()
    assert page.locator("#draw-table tbody tr").count() == 2
    screenshot(page, "supervision-drawn")

    _login(page, site, "inspector")
    page.get_by_role("link", name="检查任务").first.click()
    page.locator("#inspection-table a").first.click()
    page.get_by_label("检查发现").fill("未在经营场所醒目位置悬挂营业执照")
    page.get_by_role("button", name="查找匹配的包容免罚事项").click()
    assert "【匹配】" in page.locator("#f-exemption option:checked").inner_text()
    screenshot(page, "supervision-record")
    page.get_by_role("button", name="保存结果").click()
    page.locator("#notice").wait_for()
    assert "不予行政处罚" in page.locator("#notice").inner_text()
    inspection_url = page.url

    _login(page, site, "supervisor")
    page.goto(inspection_url)
    page.get_by_role("button", name="公示结果").click()
    page.get_by_text("已公示").first.wait_for()

    page.context.clear_cookies()
    page.goto(site["url"] + "/public/supervision")
    results = page.locator("#public-results").inner_text()
    assert "包容免罚（未在经营场所醒目位置悬挂营业执照），已告知，不予处罚" in results
    page.get_by_role("link", name="青原区食品生产与排污联合抽查").click()
    assert VALUE in page.locator("#beacon-value").inner_text()
    assert page.get_by_text("如何复现").count() == 1
    screenshot(page, "supervision-public")


def test_office_edits_and_deactivates_catalog_rows(page: Any, site: dict[str, Any]) -> None:  # noqa: F811
    """After the journey above: the drawn plan's item is deactivated, not deleted; an unused
    包容免罚 entry is deleted; a bad certificate date is refused beside its field."""
    _login(page, site, "office")
    web_fixtures.follow_menu(page, "监管清单")
    officers = page.locator("#officer-table")
    officers.get_by_role("link", name="编辑环保执法员2").click()
    page.get_by_label("有效期至").fill("2020-01-31")
    page.get_by_label("执法领域").fill("环保，食品卫生")
    page.get_by_role("button", name="保存").click()
    error = page.locator("#f-valid_until-help")
    assert "执法证已于 2020-01-31 过期" in error.inner_text()
    assert page.get_by_label("执法领域").input_value() == "环保，食品卫生"  # input kept
    screenshot(page, "supervision-catalog-edit-refused")
    page.get_by_label("有效期至").fill((date.today() + timedelta(days=700)).isoformat())
    page.get_by_role("button", name="保存").click()
    page.get_by_text("已保存").first.wait_for()
    assert "食品卫生" in page.locator("#officer-table").inner_text()
    page.locator("#exemption-table").get_by_role(
        "button", name="删除或停用环保台账记录不完整").click()
    page.get_by_text("包容免罚事项已删除").wait_for()
    page.locator("#item-table").get_by_role("button",
                                            name="删除或停用排污许可执行检查").click()
    page.get_by_text("抽查事项已停用").wait_for()  # the drawn plan refers to it
    assert "已停用" in page.locator("#item-table").inner_text()
    screenshot(page, "supervision-catalog-deactivated")
