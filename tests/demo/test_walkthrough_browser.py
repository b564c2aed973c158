"""Each demo role in Chromium at 1280×800, logged in from the printed demo logins (the second
factor answered from the printed secret): the top bar fits without overflow and every menu
opens inside the window; then the role walks its main pages through the menus, each page
checked (its heading, the menu entry marked current, no error page) and saved as a screenshot
under build/screenshots/<username>/NN-<page>.png (gitignored)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.demo import Demo
from tests.fixtures.web import browser_login, follow_menu

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"

# username → the pages of its main loop, in order: (menu entry, the page's heading).
WALKS: dict[str, list[tuple[str, str]]] = {
    "demo-enterprise": [("政策礼包", "政策礼包"), ("可申报政策", "可申报政策"),
                        ("我的申报", ""), ("我的诉求", ""), ("免申即享公示", "免申即享名单公示"),
                        ("兑现公示", "政策资金兑现公示")],
    "demo-department": [("申报审核", ""), ("免申即享", "免申即享"),
                        ("公示异议处理", "公示异议处理"), ("兑现台账", "兑现台账"),
                        ("诉求办理", "")],
    "demo-liaison": [("包联企业诉求", "")],
    "demo-office": [("申报台账", ""), ("免申即享", "免申即享"), ("公示异议处理", "公示异议处理"),
                    ("兑付批次", "兑付批次"), ("预算台账", "预算台账"), ("政策库", "政策库"),
                    ("企业政策匹配", "企业政策匹配"), ("诉求台账", ""), ("诉求统计", "诉求统计"),
                    ("诉求工具", "诉求工具"), ("账号管理", "账号管理")],
    "demo-auditor": [("审计日志", "审计日志"), ("申报台账", ""), ("兑付批次", "兑付批次"),
                     ("诉求台账", ""), ("诉求工具", "诉求工具")],
    "demo-sysadmin": [("账号管理", "账号管理")],
    "demo-security": [("角色与安全", "角色与安全")],
}

FITS = """() => {
  const bar = document.querySelector('.topbar-inner').getBoundingClientRect();
  const nav = document.querySelector('.mainnav');
  const items = [...nav.querySelectorAll(':scope > ul > li')].map(li => li.getBoundingClientRect());
  const user = document.querySelector('.usernav').getBoundingClientRect();
  return {overflow: nav.scrollWidth - nav.clientWidth, page: document.documentElement.scrollWidth,
          rows: new Set(items.map(r => Math.round(r.top))).size, count: items.length,
          right: Math.max(...items.map(r => r.right)), userLeft: user.left, barRight: bar.right};
}"""


def _shot(page: Any, username: str, n: int, name: str) -> None:
    folder = SHOTS / username
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{n:02d}-{name}.png"), full_page=True)


def _check_bar(page: Any, username: str) -> None:
    fit = page.evaluate(FITS)
    assert fit["overflow"] <= 0 and fit["page"] <= 1280, (username, fit)
    assert fit["rows"] == 1 and fit["right"] <= fit["userLeft"], (username, fit)
    assert fit["count"] <= 8, (username, fit)
    for summary in page.locator("details.navgroup > summary").all():
        summary.click()
        box = summary.locator("xpath=..").locator(".menu").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1280, (username, box)
        summary.click()


def _open(page: Any, label: str) -> None:
    follow_menu(page, label)


def _walk(page: Any, url: str, username: str, steps: list[tuple[str, str]]) -> None:
    _shot(page, username, 0, "home")
    assert page.get_by_role("heading", level=1).first.inner_text().startswith("您好")
    for n, (label, heading) in enumerate(steps, start=1):
        _open(page, label)
        page.wait_for_load_state()
        h1 = page.locator("h1").first.inner_text()
        assert not re.match(r"^\d{3}\b", h1), (username, label, h1)  # not an error page
        if heading:
            assert h1.startswith(heading), (username, label, h1)
        current = page.locator("nav.mainnav a[aria-current=page]").all_text_contents()
        assert current == [label], (username, label, current)
        menu = page.locator("details.navgroup", has=page.locator("a[aria-current=page]"))
        assert menu.count() == 0 or "current" in (menu.get_attribute("class") or "")
        _shot(page, username, n, label)


def test_every_role_fits_1280_and_walks_its_pages(demo: Demo, demo_site: str, page: Any) -> None:
    walked = []
    for login in demo.logins:
        if login.username not in WALKS and login.role.value not in ("agent", "project_lead"):
            continue  # other handlers of the same roles see the same menus
        try:
            browser_login(page, demo_site, login)
        except Exception:
            _shot(page, login.username, 99, "login-failed")
            raise
        _check_bar(page, login.username)
        if login.username in WALKS:
            _walk(page, demo_site, login.username, WALKS[login.username])
            walked.append(login.username)
    assert set(walked) == set(WALKS)
    assert all((SHOTS / u / "00-home.png").stat().st_size > 5000 for u in walked)
