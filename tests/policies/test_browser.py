"""The office in a real browser: open the editor, paste a bad policy file, see the error next to
its line, fix it, check again, save and publish. Screenshots in artifacts/screenshots/."""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures.web import browser_login, follow_menu, screenshot
from tests.policies.conftest import policy_yaml

pytestmark = pytest.mark.browser


def test_office_edits_checks_and_publishes_a_policy(page, live_server, live_user) -> None:
    office = live_user("office", display_name="营商办政策科")
    doc_id = f"tst.b{uuid.uuid4().hex[:8]}"
    good = policy_yaml(doc_id, title="测试区国有房屋租金补贴").replace(
        "effective_to: 2025-12-31", "effective_to: null")
    bad = good.replace("租金达标: monthly_rent >= 20000", "租金达标: monthly_rnt >= 20000")

    browser_login(page, live_server.url, office)  # answers the office's second factor
    follow_menu(page, "政策库")
    page.get_by_role("heading", name="政策库").wait_for()
    page.get_by_role("link", name="在线编写").click()

    page.get_by_label("政策文件 YAML").fill(bad)
    page.get_by_label("文件名").fill("rent-subsidy.yaml")
    page.get_by_role("button", name="检查").click()
    problem = page.locator("#check-result tr.problem").first
    problem.wait_for()
    assert "monthly_rnt" in problem.inner_text() and "租金达标" in problem.inner_text()
    assert page.locator("#check-result tr.has-problem .ln").first.inner_text() == "17"
    assert "rent-subsidy.yaml:17:" in page.locator("#check-result .problem-list").inner_text()
    screenshot(page, "policies-editor-error")

    page.get_by_label("政策文件 YAML").fill(good)
    page.get_by_role("button", name="检查").click()
    page.locator("#check-result .notice-success").filter(has_text="校验通过").wait_for()
    screenshot(page, "policies-editor-ok")

    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    page.get_by_role("button", name="保存并发布").click()
    page.get_by_text("已发布第 1 版").first.wait_for()
    assert asked and asked[0].startswith("保存并发布") and "立即用于匹配全部企业" in asked[0]
    page.get_by_role("heading", name="测试区国有房屋租金补贴").wait_for()
    assert page.locator("table").first.get_by_text(f"{doc_id}-rent").count() == 1
    screenshot(page, "policies-document")

    follow_menu(page, "政策库")
    page.get_by_role("link", name="测试区国有房屋租金补贴").wait_for()
    screenshot(page, "policies-list")
