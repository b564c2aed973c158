"""In Chromium: the 政策礼包 of an enterprise with a fen amount shows the fen, and an amount that
needs a fact shows "金额待补充" until the fact is given. Screenshot: gift-pack-fen.png."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from huiqi.kit.db import unit_of_work
from huiqi.registry import service as registry
from tests.fixtures.web import browser_login, screenshot, test_uscc
from tests.matching.packs.conftest import PROFILE
from tests.matching.packs.test_pack_amounts import PENDING, _gift_policies  # noqa: F401

pytestmark = pytest.mark.browser
START = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)


def test_the_pack_shows_the_fen_and_a_pending_amount(page: Any, live_server: Any,
                                                       live_user: Any) -> None:
    live_server.clock.advance(START - live_server.clock.now())
    uscc = test_uscc()
    with unit_of_work(live_server.engine) as db:
        registry.upsert(db, {"uscc": uscc, "name": "重庆江北分厘机械有限公司",
                             **{**PROFILE, "monthly_rent": "11062.46"}})
    browser_login(page, live_server.url,
                  live_user("enterprise", enterprise_uscc=uscc, display_name="分厘机械"))
    page.get_by_role("link", name="政策礼包").first.click()
    page.get_by_role("heading", name="政策礼包", exact=True).wait_for()
    rent = page.locator("#item-giftville\\.rent")
    assert "测算 33,187.38元" in rent.inner_text()
    assert "45,187.38" in page.locator(".pack-total").inner_text()  # + 12,000.00 稳岗返还

    form = page.locator("#facts-form")
    form.get_by_label("生产性设备购置额（元）").fill("45000000")
    form.get_by_role("button", name="保存并重新匹配").click()
    robot = page.locator("section[aria-labelledby=eligible] #item-giftville\\.robot")
    robot.get_by_text("金额待补充").first.wait_for()
    assert PENDING in robot.inner_text()
    screenshot(page, "gift-pack-fen")
