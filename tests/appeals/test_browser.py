"""The appeals journeys in Chromium: enterprise raises → office dispatches → department signs and
replies → enterprise confirms → liaison's return visit with a rating → office closes (销号); and a
退单 (requested, approved, re-dispatched) followed by an escalation to a 工作专班.
Screenshots go to artifacts/screenshots/appeals-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from huiqi.appeals import categories, intake, service
from huiqi.appeals.vocab import AppealAction
from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.kit.db import unit_of_work
from huiqi.models.user import Role
from huiqi.registry import service as registry
from tests.appeals.conftest import make_uscc
from tests.fixtures import web as web_fixtures
from tests.fixtures.web import browser, live_server, live_user, page, screenshot  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(live_server: Any, live_user: Any) -> dict[str, Any]:  # noqa: F811
    uscc = make_uscc(601)
    with unit_of_work(live_server.engine) as db:
        registry.upsert(db, {"uscc": uscc, "name": "荆门东宝精密机械有限公司", "region": "420802",
                             "legal_form": "enterprise", "industry_code": "C3484",
                             "size_class": "small"})
        for code, name in [("dbrs", "东宝区人力资源和社会保障局"),
                           ("dbjx", "东宝区经济和信息化局")]:
            auth_service.create_department(db, Actor.system(), code, name)
    users = {
        "ent": live_user("enterprise", enterprise_uscc=uscc, display_name="精密机械"),
        "office": live_user("office", display_name="营商办王敏"),
        "hr": live_user("department", department_code="dbrs", display_name="人社局周强"),
        "econ": live_user("department", department_code="dbjx", display_name="经信局李红"),
        "liaison": live_user("liaison", display_name="服务专员陈刚"),
    }
    office = Actor(users["office"].id, users["office"].username, "营商办王敏", Role.OFFICE)
    with unit_of_work(live_server.engine) as db:
        categories.create_category(db, office, live_server.clock, code="labour", name="用工招聘",
                                   sign_within_workdays=1, resolve_within_workdays=5,
                                   usual_departments=["dbrs", "dbjx"])
        intake.assign_liaison(db, office, live_server.clock, users["liaison"].id, uscc)
    return {"url": live_server.url, "uscc": uscc, **users}


def _login(page: Any, site: dict[str, Any], who: str) -> None:  # noqa: F811
    web_fixtures.browser_login(page, site["url"], site[who])


def _do(page: Any, action: str, fields: dict[str, str] | None = None) -> None:  # noqa: F811
    form = page.locator(f"#form-{action}")
    for label, value in (fields or {}).items():
        form.get_by_label(label).fill(value)
    with page.expect_navigation():  # htmx posts, then HX-Redirect reloads the page
        form.get_by_role("button").click()


def test_raise_dispatch_sign_reply_confirm_visit_close(page: Any, site: dict[str, Any]  # noqa: F811
                                                        ) -> None:
    page.on("dialog", lambda d: d.accept())
    _login(page, site, "ent")
    page.get_by_role("link", name="我的诉求").first.click()
    page.get_by_role("link", name="提交诉求").click()
    page.get_by_label("诉求类别").select_option("用工招聘")
    page.get_by_label("标题").fill("扩产招工难，缺少数控车工")
    page.get_by_label("诉求内容").fill("今年新增两条产线，需数控车工15名，招聘两个月仅到岗3人。")
    screenshot(page, "appeals-raise")
    page.get_by_role("button", name="提交诉求").click()
    page.get_by_text("诉求已提交").wait_for()
    detail = page.url
    assert "待交办" in page.locator(".page-head").inner_text()

    _login(page, site, "office")
    page.goto(site["url"] + "/appeals?status=submitted")
    screenshot(page, "appeals-office-list")
    page.goto(detail)
    form = page.locator("#dispatch-form")
    assert form.get_by_label("牵头部门").input_value() == "东宝区人力资源和社会保障局"
    form.get_by_label("责任划分").fill("东宝区经济和信息化局：提供园区用工数据")
    screenshot(page, "appeals-dispatch")
    form.get_by_role("button", name="交办").click()
    page.locator("#lead").wait_for()
    assert "已交办" in page.locator(".page-head").inner_text()

    _login(page, site, "hr")
    page.get_by_role("link", name="诉求办理").first.click()
    page.get_by_role("link", name="扩产招工难，缺少数控车工").click()
    screenshot(page, "appeals-department")
    _do(page, "sign", {"备注": "已报到"})
    page.locator("#form-reply").wait_for()
    _do(page, "reply", {"答复内容": "已在东宝人才市场专场推荐数控车工12名，3名已到岗试用。"})
    assert "已回复" in page.locator(".page-head").inner_text()

    _login(page, site, "ent")
    page.goto(detail)
    page.locator("#reply").wait_for()
    screenshot(page, "appeals-confirm")
    _do(page, "confirm", {"评价意见": "人员基本到位，感谢"})
    assert "企业已确认" in page.locator(".page-head").inner_text()

    _login(page, site, "liaison")
    page.goto(detail)
    form = page.locator("#form-visit")
    form.get_by_label("5 分（非常满意）").check()
    form.get_by_label("评价意见").fill("企业很满意")
    form.get_by_role("button").click()
    page.locator(".page-head").get_by_text("已回访").wait_for()

    _login(page, site, "office")
    page.goto(detail)
    _do(page, "close", {"备注": "企业满意，予以销号"})
    assert "已销号" in page.locator(".page-head").inner_text()
    timeline = page.locator("#timeline").inner_text()
    for step in ("提交诉求", "交办", "签收", "答复", "确认解决", "回访", "销号"):
        assert step in timeline
    screenshot(page, "appeals-closed")
    page.goto(detail + "/lists")
    page.get_by_text("反馈销号单").first.wait_for()
    screenshot(page, "appeals-four-lists")
    page.goto(site["url"] + "/appeals/rates")
    page.locator(".chart svg").first.wait_for()
    assert page.locator("#rate-dispatched").inner_text() == "1"
    screenshot(page, "appeals-rates")


def test_return_redispatch_and_escalation(page: Any, site: dict[str, Any]) -> None:  # noqa: F811
    page.on("dialog", lambda d: d.accept())
    _login(page, site, "ent")
    page.goto(site["url"] + "/appeals/new")
    page.get_by_label("诉求类别").select_option("用工招聘")
    page.get_by_label("标题").fill("园区通勤班车不足")
    page.get_by_label("诉求内容").fill("夜班员工下班无车，希望增开园区班车。")
    page.get_by_role("button", name="提交诉求").click()
    page.get_by_text("诉求已提交").wait_for()
    detail = page.url

    _login(page, site, "office")
    page.goto(detail)
    page.locator("#f-lead").select_option("东宝区经济和信息化局")
    page.locator("#f-co").select_option([])
    page.locator("#dispatch-form").get_by_role("button", name="交办").click()
    page.locator("#lead").wait_for()

    _login(page, site, "econ")
    page.goto(detail)
    _do(page, "request_return", {"理由": "班车属交通部门职责，建议改派"})
    page.get_by_text("退单 · 待审批").wait_for()

    _login(page, site, "office")
    page.goto(detail)
    _do(page, "approve_return", {"备注": "同意改派"})
    page.locator("#dispatch-form").wait_for()
    page.locator("#f-lead").select_option("东宝区人力资源和社会保障局")
    page.locator("#f-co").select_option([])
    page.locator("#dispatch-form").get_by_role("button", name="交办").click()
    page.locator("#lead").wait_for()
    assert page.locator("#lead").inner_text() == "东宝区人力资源和社会保障局"
    _do(page, "escalate", {"专班牵头领导": "王副区长", "理由": "涉及交通、人社多个部门"})
    page.locator("#escalated").wait_for()
    assert "王副区长" in page.locator("#escalated").inner_text()
    screenshot(page, "appeals-escalated")

    _login(page, site, "econ")  # still reads what it once handled, acts on nothing
    page.goto(detail)
    assert page.locator("#form-sign").count() == 0
    assert "已退单" in page.inner_text("body")


def test_refused_action_shows_the_message_and_keeps_the_form(
        page: Any, site: dict[str, Any], live_server: Any) -> None:  # noqa: F811
    page.on("dialog", lambda d: d.accept())
    _login(page, site, "ent")
    page.goto(site["url"] + "/appeals/new")
    page.get_by_label("诉求类别").select_option("用工招聘")
    page.get_by_label("标题").fill("厂房消防验收排期")
    page.get_by_label("诉求内容").fill("新厂房消防验收一直排不上，影响投产。")
    page.get_by_role("button", name="提交诉求").click()
    page.get_by_text("诉求已提交").wait_for()
    detail = page.url
    appeal_id = int(detail.rsplit("/", 1)[1])

    _login(page, site, "office")
    page.goto(detail)
    form = page.locator("#dispatch-form")  # 422: the form comes back with the message inline
    form.get_by_label("责任划分").fill("不存在的局：负责验收")
    form.get_by_label("交办意见").fill("请本周内安排")
    form.get_by_role("button", name="交办").click()
    page.locator("#dispatch-form .form-error").wait_for()
    assert "不存在" in page.locator("#dispatch-form .form-error").inner_text()
    assert page.locator("#f-dnote").input_value() == "请本周内安排"
    assert page.url == detail
    screenshot(page, "appeals-refused-inline")
    page.locator("#f-resp").fill("")
    with page.expect_navigation():
        page.locator("#dispatch-form").get_by_role("button", name="交办").click()
    page.locator("#lead").wait_for()

    # 409: someone else escalated meanwhile; a toast says so and the typed form stays
    office = Actor(site["office"].id, site["office"].username, "营商办王敏", Role.OFFICE)
    with unit_of_work(live_server.engine) as db:
        service.act(db, office, live_server.clock, appeal_id, AppealAction.ESCALATE,
                    {"lead_official": "王副区长", "reason": "同事已提交"})
    form = page.locator("#form-escalate")
    form.get_by_label("专班牵头领导").fill("李副区长")
    form.get_by_label("理由").fill("消防、住建需协同")
    form.get_by_role("button").click()
    page.locator(".toast-error").wait_for()
    assert page.locator("#form-escalate").get_by_label("专班牵头领导").input_value() == "李副区长"
    assert page.url == detail
    screenshot(page, "appeals-refused-toast")
