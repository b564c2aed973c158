"""The office in a real browser: open an item's targeting list, filter by street, push to the
unknown group; the push is then what insights.service reports and the dashboard's 政策推送
tile counts, and its list shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from huiqi.insights import service
from huiqi.kit.db import unit_of_work
from tests.fixtures.web import browser_login, follow_menu, screenshot
from tests.insights.conftest import TECH, populate

pytestmark = pytest.mark.browser


def test_office_pushes_to_the_unknown_group_of_a_street(page, live_server, live_user,
                                                        tmp_path: Path) -> None:
    populate(live_server.engine, tmp_path)
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


def _office():  # type: ignore[no-untyped-def]
    from huiqi.auth.actor import Actor
    from huiqi.models.user import Role

    return Actor(None, "o", "o", Role.OFFICE)
