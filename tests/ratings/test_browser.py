"""The 好差评 journey in Chromium: an enterprise rates a service 差评 from the portal, the
department verifies and rectifies it, the rater is re-visited (and told), and the office's
figures move from 0% to the 三个100%; a window's QR code is rated without logging in.
Screenshots go to artifacts/screenshots/ratings-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from huiqi.appeals import service as appeals
from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.kit.db import unit_of_work
from huiqi.models.user import Role
from huiqi.ratings import service
from huiqi.registry import service as registry
from tests.appeals.conftest import make_uscc
from tests.fixtures import web as web_fixtures
from tests.fixtures.web import browser, live_server, live_user, page, screenshot  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(live_server: Any, live_user: Any) -> dict[str, Any]:  # noqa: F811
    uscc = make_uscc(717)
    with unit_of_work(live_server.engine) as db:
        registry.upsert(db, {"uscc": uscc, "name": "重庆九龙坡精工机械有限公司",
                             "region": "500107", "legal_form": "enterprise",
                             "industry_code": "C3484", "size_class": "small"})
        auth_service.create_department(db, Actor.system(), "jlpsc", "九龙坡区市场监督管理局")
    users = {
        "ent": live_user("enterprise", enterprise_uscc=uscc, display_name="精工机械"),
        "office": live_user("office", display_name="营商办刘洁"),
        "dept": live_user("department", department_code="jlpsc", display_name="市场监管局唐军"),
    }
    office = Actor(users["office"].id, users["office"].username, "营商办刘洁", Role.OFFICE)
    ent = Actor(users["ent"].id, users["ent"].username, "精工机械", Role.ENTERPRISE,
                enterprise_uscc=uscc)
    with unit_of_work(live_server.engine) as db:
        appeals.create_category(db, office, live_server.clock, code="permit", name="审批许可",
                                sign_within_workdays=1, resolve_within_workdays=10)
        a = appeals.submit(db, ent, live_server.clock, appeals.AppealIn(
            category="审批许可", title="食品经营许可证变更三次被退回",
            description="变更经营场所，材料三次被要求补正。"))
        appeals.act(db, office, live_server.clock, a.id, appeals.AppealAction.DISPATCH,
                    {"lead_department": "九龙坡区市场监督管理局"})
        window = service.create_window(db, office, live_server.clock, code="JLP-QY",
                                       name="九龙坡区政务服务中心企业开办窗口",
                                       department="jlpsc", items=["企业开办"],
                                       staff=[{"no": "Q01", "name": "何静"}])
        qr = service.qr_path(live_server.app.state.secret_key, window)
    return {"url": live_server.url, "appeal": a.id, "qr": qr, **users}


def _login(page: Any, site: dict[str, Any], who: str) -> None:  # noqa: F811
    web_fixtures.browser_login(page, site["url"], site[who])


def _figures(page: Any, site: dict[str, Any]) -> dict[str, str]:  # noqa: F811
    page.goto(site["url"] + "/ratings/stats")
    return {k: page.locator(f"#fig-{k}").inner_text()
            for k in ("total", "good", "negatives", "verified", "rectified", "revisited")}


def test_bad_rating_verified_rectified_revisited_and_figures_move(
        page: Any, site: dict[str, Any]) -> None:  # noqa: F811
    _login(page, site, "office")
    before = _figures(page, site)
    assert before["negatives"] == "0" and before["verified"] == "—"

    _login(page, site, "ent")
    page.get_by_role("link", name="好差评").first.click()
    page.locator("#cases").get_by_role("link", name="去评价").first.click()
    page.get_by_label("不满意", exact=True).check()
    page.get_by_label("材料反复要求").check()
    page.get_by_label("评价内容").fill("同一份材料三次被要求补正，每次说法不一。")
    screenshot(page, "ratings-portal")
    page.get_by_role("button", name="提交评价").click()
    page.get_by_text("差评已转责任部门核实整改").wait_for()
    rating_url = page.url
    assert "待核实" in page.locator("#stage").inner_text()

    _login(page, site, "office")
    mid = _figures(page, site)
    assert (mid["negatives"], mid["verified"], mid["revisited"]) == ("1", "0.0%", "0.0%")
    assert mid["good"] == "0.0%"

    _login(page, site, "dept")
    page.get_by_role("link", name="差评整改").first.click()
    page.locator("#ratings").get_by_role("link").first.click()
    assert page.url == rating_url
    form = page.locator("#form-verify")
    form.get_by_label("属实", exact=True).check()
    form.get_by_label("核实情况").fill("经查受理台账，确有三次补正，补正告知未一次讲清。")
    form.get_by_role("button").click()
    page.get_by_text("已核实。").wait_for()
    form = page.locator("#form-rectify")
    form.get_by_label("整改措施").fill("制定食品经营许可变更一次性告知单，窗口人员专题培训。")
    form.get_by_role("button").click()
    page.get_by_text("已记录整改。").wait_for()
    form = page.locator("#form-revisit")
    form.get_by_label("满意", exact=True).check()
    form.get_by_label("回访情况").fill("电话回访企业负责人，认可整改措施。")
    screenshot(page, "ratings-department")
    form.get_by_role("button").click()
    page.get_by_text("已记录回访。").wait_for()
    assert "满意" in page.locator("#revisit").inner_text()

    _login(page, site, "ent")
    page.goto(site["url"] + "/notifications")
    page.get_by_text("您的评价已回访").first.wait_for()
    page.goto(rating_url)
    assert "差评·已回访" in page.locator("#stage").inner_text()

    _login(page, site, "office")
    after = _figures(page, site)
    assert (after["verified"], after["rectified"], after["revisited"]) == \
        ("100.0%", "100.0%", "100.0%")
    assert "已实现" in page.locator("#hundred").inner_text()
    page.locator(".chart svg, .chart canvas").first.wait_for()
    screenshot(page, "ratings-stats")


def test_qr_code_rating_without_login(page: Any, site: dict[str, Any]) -> None:  # noqa: F811
    page.context.clear_cookies()
    page.goto(site["url"] + site["qr"])
    page.get_by_label("办理事项").select_option("企业开办")
    page.get_by_label("窗口工作人员").select_option("Q01")
    page.get_by_label("非常满意").check()
    page.get_by_label("一次办好").check()
    screenshot(page, "ratings-qr")
    page.get_by_role("button", name="提交评价").click()
    page.locator("#thanks").wait_for()
    _login(page, site, "dept")
    page.goto(site["url"] + "/ratings?negative=0")
    assert "何静" in page.locator("#ratings").inner_text()
