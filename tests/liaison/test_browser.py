"""The 包联 journey in Chromium: a grid specialist, at a phone-sized viewport, logs a visit — two
policies picked from the enterprise's 礼包, a missing fact recorded (the enterprise becomes
eligible and is notified), a problem raised as an appeal (包联走访) — and the office sees
coverage and 知晓 move. Screenshots: artifacts/screenshots/liaison-*.png."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from huiqi.kit.db import unit_of_work
from huiqi.liaison import service
from huiqi.models.appeal import Appeal
from huiqi.models.appeal_category import AppealCategory
from huiqi.models.notification import Notification
from huiqi.registry import service as registry
from tests.fixtures.web import browser_login, screenshot, test_uscc
from tests.liaison.conftest import PROFILE
from tests.liaison.worlds import OFFICE, _grant

pytestmark = pytest.mark.browser
START = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)  # Monday 2 June 2025, 10:00 in Beijing
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def site(live_server: Any, live_user: Any) -> dict[str, Any]:
    live_server.clock.advance(START - live_server.clock.now())  # the 2025 test policies
    uscc = test_uscc()
    clock = live_server.clock
    grid = live_user("liaison", display_name="网格专员陈静")
    with unit_of_work(live_server.engine) as db:
        registry.upsert(db, {"uscc": uscc, "name": "重庆江北渝味火锅店", **PROFILE,
                             "rents_state_property": True, "monthly_rent": "6000",
                             "street": "观音桥街道"})
        db.add(AppealCategory(code="site", name="经营场所", sign_within_workdays=1,
                              resolve_within_workdays=5, active=True, usual_departments=[],
                              updated_at=clock.now()))
        service.save_tier(db, OFFICE, clock, code="grid", name="全部市场主体",
                          official_label="网格专员", rule="TRUE", stale_days=30)
        service.assign(db, OFFICE, clock, uscc=uscc, official=grid.username, tier="grid")
    return {"url": live_server.url, "uscc": uscc, "grid": grid,
            "ent": live_user("enterprise", enterprise_uscc=uscc, display_name="渝味火锅"),
            "office": live_user("office", display_name="营商办王敏"),
            "engine": live_server.engine, "clock": clock}


def _rates(page: Any, site: dict[str, Any]) -> tuple[str, str, str]:
    browser_login(page, site["url"], site["office"])
    page.goto(site["url"] + "/liaison/rates")
    page.get_by_role("heading", name="指标定义").wait_for()
    row = page.locator("#rates-tier tbody tr", has_text="全部市场主体")
    cells = row.locator("td")
    page.locator("#rates-chart svg").first.wait_for()  # the ECharts chart is drawn
    return cells.nth(2).inner_text(), cells.nth(3).inner_text(), cells.nth(4).inner_text()


def test_grid_specialist_logs_a_visit_from_a_phone(page: Any, site: dict[str, Any]) -> None:
    before = _rates(page, site)
    assert before[0].startswith("0.0%") and before[1].startswith("0.0%")

    page.set_viewport_size(PHONE)
    browser_login(page, site["url"], site["grid"])
    page.goto(site["url"] + "/liaison")
    page.get_by_role("link", name="重庆江北渝味火锅店").click()
    page.get_by_role("link", name="记录走访/联系").click()
    form = page.locator("#visit-form")
    form.wait_for()
    boxes = form.locator("#policies input[type=checkbox]")
    assert boxes.count() >= 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    form.get_by_label("见面人员").fill("店主刘女士")
    form.get_by_label("上年度实际缴纳失业保险费（元）").fill("18000")
    form.get_by_label("企业反映的问题").fill("店门前道路施工围挡影响客流，希望协调缩短工期")
    form.get_by_label("将问题作为诉求提交（来源：包联走访）").check()
    form.get_by_label("诉求类别").select_option("site")
    screenshot(page, "liaison-visit-phone")
    form.get_by_role("button", name="保存走访记录").click()
    page.get_by_text("企业新增可享受政策").first.wait_for()
    page.get_by_text("已发起诉求").first.wait_for()
    assert "店主刘女士" in page.locator("#contact-ledger").inner_text()
    screenshot(page, "liaison-ledger-phone")

    with unit_of_work(site["engine"]) as db:
        appeal = db.scalar(select(Appeal).where(Appeal.enterprise_uscc == site["uscc"]))
        assert appeal is not None and appeal.source == "liaison_visit"
        notes = db.scalars(select(Notification.body).where(
            Notification.user_id == site["ent"].id)).all()
        assert any("新增可享受" in n for n in notes)

    page.set_viewport_size({"width": 1280, "height": 800})
    after = _rates(page, site)
    assert after[0].startswith("100.0%") and after[1].startswith("100.0%"), after
    assert after[2].startswith("0.0%"), after  # eligible, no grant yet
    with unit_of_work(site["engine"]) as db:  # the rent relief is granted (grants domain)
        _grant(db, site["uscc"], site["clock"])
    assert _rates(page, site)[2].startswith("100.0%")  # 受益 moves
    screenshot(page, "liaison-rates")
