"""Smoke test in a real browser (Debian's Chromium through Playwright): log in, look around,
log out. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from huiqi.auth.dependencies import CurrentUser
from huiqi.kit.db import unit_of_work
from huiqi.kit.errors import Conflict
from huiqi.notify import service as notify
from huiqi.ui.templating import add_template_dir, render
from tests.fixtures.web import _MFA, browser_login, next_code, screenshot

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
    page.wait_for_url("**/login/otp")  # the office's second step
    page.get_by_label("动态口令", exact=False).fill(
        next_code(next(k for k in _MFA if k[1] == user.username), live_server.clock.now()))
    page.get_by_role("button", name="验证并登录").click()
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
    browser_login(page, live_server.url, auditor)
    page.get_by_role("link", name="审计日志").first.click()
    page.get_by_role("heading", name="审计日志").wait_for()
    assert page.locator("table tbody tr").count() >= 1
    screenshot(page, "audit-log")


def _log_in(page, live_server, creds) -> None:
    browser_login(page, live_server.url, creds)  # with the second step for the office


def test_htmx_error_becomes_a_toast_and_csrf_header_is_sent(
    page, live_server, live_user, tmp_path
) -> None:
    """An htmx button on a page: the CSRF header comes from the layout's hx-headers, and a domain
    error comes back as a toast, the page left as it was."""
    (tmp_path / "probe.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>测试页</h1>'
        '<button class="button" hx-post="/probe/toast/{{ outcome }}" hx-target="#out">办理</button>'
        '<div id="out">未办理</div>{% endblock %}', encoding="utf-8")
    add_template_dir(tmp_path)
    router = APIRouter(include_in_schema=False)

    @router.get("/probe/page/{outcome}")
    def probe_page(request: Request, actor: CurrentUser, outcome: str) -> Response:
        return render(request, "probe.html", {"outcome": outcome})

    @router.post("/probe/toast/{outcome}")
    def probe_action(actor: CurrentUser, outcome: str) -> HTMLResponse:
        if outcome == "fail":
            raise Conflict("该诉求已办结，不能再转办。")
        return HTMLResponse("已转办")

    live_server.app.include_router(router)
    _log_in(page, live_server, live_user("office"))

    page.goto(live_server.url + "/probe/page/ok")
    page.get_by_role("button", name="办理").click()
    page.locator("#out").filter(has_text="已转办").wait_for()  # CSRF header accepted

    page.goto(live_server.url + "/probe/page/fail")
    page.get_by_role("button", name="办理").click()
    toast = page.locator(".toast-error").filter(has_text="该诉求已办结，不能再转办。")
    toast.wait_for()
    assert page.locator("#out").inner_text() == "未办理"
    screenshot(page, "htmx-toast")


def test_api_docs_render_under_the_csp(page, live_server, live_user) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _log_in(page, live_server, live_user("office"))
    page.goto(live_server.url + "/api/docs")
    # the first /openapi.json builds the schema of every route: slow on a loaded CI machine
    page.get_by_role("button", name="Authorize").wait_for(timeout=60_000)
    page.get_by_text("/api/v1/me").first.wait_for()
    assert page.locator(".usermenu").count() == 1  # the docs page is a normal logged-in page
    assert not [e for e in errors if "Content Security Policy" in e]
    screenshot(page, "api-docs")


def test_office_creates_an_account_in_the_browser(page, live_server, live_user) -> None:
    _log_in(page, live_server, live_user("office", display_name="营商办赵磊"))
    page.get_by_role("link", name="账号管理").first.click()
    page.get_by_role("link", name="新建账号").click()
    page.get_by_label("用户名").fill("liaison-zhou")
    page.get_by_label("名称").fill("服务专员周颖")
    page.get_by_label("角色").select_option("liaison")
    page.get_by_role("button", name="创建账号").click()
    link = page.locator("#set-password-link").inner_text()
    assert "/account/set-password/" in link
    page.get_by_role("link", name="返回账号列表").click()
    page.get_by_role("cell", name="服务专员周颖").wait_for()
    screenshot(page, "admin-users")
