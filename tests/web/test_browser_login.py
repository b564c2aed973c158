"""Smoke test in a real browser (Debian's Chromium through Playwright): log in, look around,
log out. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import pytest

from huiqi.kit.db import unit_of_work
from huiqi.notify import service as notify
from tests.fixtures.web import screenshot

pytestmark = pytest.mark.browser


def test_login_bell_and_logout(page, live_server, live_user) -> None:
    user = live_user("office", display_name="营商办王敏")
    page.goto(live_server.url + "/")
    page.wait_for_url("**/login?next=%2F")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    screenshot(page, "login")

    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill("Not-the-password-1")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("alert").filter(has_text="用户名或密码错误").wait_for()

    page.get_by_label("密码").fill(user.password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")
    page.get_by_role("heading", name="您好，营商办王敏").wait_for()

    with unit_of_work(live_server.engine) as db:
        notify.notify(db, [user.id], "新诉求待分派", "企业反映用电报装周期长。", "/notifications")
    page.reload()
    page.locator("#bell-count .badge").filter(has_text="1").wait_for()
    screenshot(page, "home")

    page.locator(".bell").click()
    page.get_by_role("heading", name="新诉求待分派").wait_for()
    screenshot(page, "notifications")

    page.locator(".usermenu summary").click()
    page.get_by_role("menuitem", name="退出登录").click()
    page.get_by_text("您已安全退出。").wait_for()


def test_auditor_log_page(page, live_server, live_user) -> None:
    auditor = live_user("auditor", display_name="审计员李静")
    page.goto(live_server.url + "/login")
    page.get_by_label("用户名").fill(auditor.username)
    page.get_by_label("密码").fill(auditor.password)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="审计日志").first.click()
    page.get_by_role("heading", name="审计日志").wait_for()
    assert page.locator("table tbody tr").count() >= 1
    screenshot(page, "audit-log")
