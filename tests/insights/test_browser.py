"""The office in a real browser: open an item's targeting list, filter by street, push to the
unknown group; the push is then what insights.service reports and the dashboard's 政策推送
tile counts, and its list shows. Then it filters by liaison tier and creates visit tasks: the
tier's official finds them among the visit plans of its 包联台账, the unassigned are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from huiqi.auth.actor import Actor
from huiqi.insights import service
from huiqi.kit.db import unit_of_work
from huiqi.liaison import service as liaison
from huiqi.models.user import Role
from tests.fixtures.web import browser_login, follow_menu, screenshot
from tests.insights.conftest import TECH, populate

pytestmark = pytest.mark.browser


def test_office_pushes_to_the_unknown_group_of_a_street(page, live_server, live_user,
                                                        tmp_path: Path) -> None:
    populate(live_server.engine, tmp_path)
    official = live_user("liaison", display_name="包联干部丙")
    served = _tier_and_official(live_server, official.username)
    office = live_user("office", display_name="营商办推送")
    browser_login(page, live_server.url, office)
    page.get_by_role("link", name="政策精准推送").first.click()
    page.get_by_role("heading", name="政策精准推送").wait_for()
    page.locator(f'a[href="/insights/targeting/{TECH}"]').click()
    page.get_by_role("heading", name="工业领域技术改造和设备更新补助").wait_for()
    streets = [o for o in page.locator("#f-street option").all_inner_texts() if o != "全部"]
    assert streets
    page.get_by_label("街道（镇）").select_option(label=streets[0])
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**street=**")
    rows = page.locator("table.table tbody tr").count()
    assert rows >= 1
    screenshot(page, "insights-targeting-street")
    page.get_by_label("对当前名单的全部", exact=False).select_option("push")
    page.get_by_role("button", name="执行").click()
    page.get_by_text("推送通知：选中").first.wait_for()
    screenshot(page, "insights-targeting-pushed")
    with unit_of_work(live_server.engine) as db:
        pushed = [p for p in service.pushes(db) if p.kind == "push" and p.item_id == TECH]
        t = service.targeting(db, service.item_for(db, _office(), TECH),
                              live_server.clock.now().date(), filters={"street": streets[0]})
    assert pushed and pushed[0].actions == len(t.rows) == t.counts["unknown"]
    follow_menu(page, "数据看板")
    page.get_by_role("heading", name="政策精准推送").wait_for()
    tile = page.locator('a[href="/insights/pushes"]')
    assert tile.get_attribute("data-tile-count") == str(len(t.rows))
    tile.click()
    page.get_by_role("heading", name="政策推送记录").wait_for()
    assert page.locator("#pushes tbody tr").count() == min(len(t.rows), 50)
    assert all(page.get_by_text(r.uscc).count() for r in t.rows[:50])
    _visit_tasks_by_tier(page, live_server, official, served)


def _tier_and_official(live_server, username: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """A tier of small and micro firms; the official serves two of its members in the
    tech-upgrade item's unknown group: (uscc, name) of those two."""
    clock = live_server.clock
    with unit_of_work(live_server.engine) as db:
        liaison.save_tier(db, _office(), clock, code="small", name="小微企业",
                          official_label="部门", rule="size_class IN ('small', 'micro')",
                          stale_days=30)
        t = service.targeting(db, service.item_for(db, _office(), TECH), clock.now().date())
        small = [r for r in t.rows if r.size_class in ("small", "micro")]
        assert len(small) >= 3
        for r in small[:2]:
            liaison.assign(db, _office(), clock, uscc=r.uscc, official=username, tier="small")
    return [(r.uscc, r.name) for r in small[:2]]


def _visit_tasks_by_tier(page, live_server, official, served) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/insights/targeting/{TECH}")
    page.get_by_role("heading", name="工业领域技术改造和设备更新补助").wait_for()
    options = page.locator("#f-liaison option").all_inner_texts()
    assert "包联干部丙" in options  # by name, not by user id
    page.get_by_label("包联层级").select_option(label="小微企业")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**tier=**")
    with unit_of_work(live_server.engine) as db:
        t = service.targeting(db, service.item_for(db, _office(), TECH),
                              live_server.clock.now().date(), filters={"tier": _tier_id(db)})
    assert all(r.size_class in ("small", "micro") for r in t.rows) and len(t.rows) >= 3
    assert page.get_by_text(f"对当前名单的全部 {len(t.rows)} 家企业").count() == 1
    page.get_by_label("对当前名单的全部", exact=False).select_option("visit")
    page.get_by_role("button", name="执行").click()
    page.get_by_text("走访任务：选中").first.wait_for()
    page.get_by_text(f"{len(t.rows) - 2} 家无包联干部").first.wait_for()
    screenshot(page, "insights-targeting-visits")
    page.get_by_label("对当前名单的全部", exact=False).select_option("visit")
    page.get_by_role("button", name="执行").click()  # again: nothing new
    page.get_by_text("新建走访计划 0 项").first.wait_for()

    browser_login(page, live_server.url, official)
    page.goto(live_server.url + "/insights/visits")  # the old page: the 包联台账 now
    page.wait_for_url("**/liaison")
    plans = page.locator("#plans li")
    assert plans.count() == 2
    for uscc, name in served:
        item = page.locator("#plans li", has_text=name)
        assert item.count() == 1 and "工业领域技术改造和设备更新补助" in item.inner_text()
        assert item.get_by_role("link").get_attribute("href") == f"/liaison/enterprises/{uscc}"
    screenshot(page, "insights-liaison-visit-plans")


def _tier_id(db) -> str:  # type: ignore[no-untyped-def]
    return next(str(i) for i, name in liaison.tier_names(db) if name == "小微企业")


def _office() -> Actor:
    return Actor(None, "o", "o", Role.OFFICE)
