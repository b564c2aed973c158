"""Every demo loop carried out in Chromium by the roles that own its steps, logged in from the
logins `make run` prints (the table read back as a person reads it: the role heading a group,
the 说明 naming the department) — never from the database:

- grants: the enterprise applies without one material (容缺), the item's department accepts
  with the gap, the enterprise uploads it, the department approves, the 财政局 reviewer does the
  财政复核, one 营商办 person makes the payout batch and another marks it paid; the payment is on
  the public 兑现公示;
- appeals: the enterprise raises an appeal, the office dispatches it, the lead department signs
  and replies, the enterprise confirms it with a rating, the liaison's return visit, the office's
  销号;
- the liaison logs a visit; the auditor reads the audit log and finds the loops' steps there.

Screenshots: build/screenshots/loops/NN-<step>.png (gitignored)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from huiqi.cli.serve_cmd import demo_logins_table
from tests.demo.conftest import LiveDemo
from tests.fixtures.demo import Demo
from tests.fixtures.web import _MFA, browser_login, follow_menu, know_secret

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots" / "loops"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass(frozen=True)
class Printed:
    """One row of the printed demo logins."""

    role: str
    username: str
    password: str
    note: str
    secret: str | None


def printed_logins(demo: Demo) -> list[Printed]:
    """The demo logins as `make run` prints them, read back from the printed table."""
    out = io.StringIO()
    Console(file=out, width=240).print(demo_logins_table(demo.logins))
    rows, role = [], ""
    for line in out.getvalue().splitlines():
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.split("│")[1:-1]]
        role = cells[0] or role
        rows.append(Printed(role, cells[1], cells[2], cells[3],
                            None if cells[4] in ("—", "") else cells[4]))
    return rows


class Logins:
    def __init__(self, rows: list[Printed]) -> None:
        self.rows = rows

    def of_role(self, label: str) -> list[Printed]:
        return [r for r in self.rows if r.role == label]

    def of_department(self, name: str) -> list[Printed]:
        return [r for r in self.of_role("部门经办人") if r.note.startswith(name)]


@pytest.fixture(scope="module")
def logins(demo: Demo, demo_live: LiveDemo) -> Logins:
    rows = printed_logins(demo)
    for row in rows:  # the second factor: the printed secret in an authenticator
        if row.secret and (str(demo.engine.url), row.username) not in _MFA:
            know_secret(demo.engine, row.username, row.secret)
    return Logins(rows)


class Steps:
    """The loops' people, each in a browser of their own (logged in once per module, as at a
    desk of their own), the pages they reach saved as screenshots."""

    def __init__(self, browser: Any, url: str, limiter: Any) -> None:
        self.browser, self.url, self.limiter = browser, url, limiter
        self.desks: dict[str, Any] = {}
        self.page: Any = None
        self.folder, self.n = SHOTS, 0

    def login(self, who: Printed | None) -> Any:
        """Switch to `who`'s browser, logging in from the printed login the first time (None:
        a browser without a login)."""
        key = who.username if who else ""
        if key not in self.desks:
            context = self.browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                               viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.on("dialog", lambda d: d.accept())  # the confirmations: read, then accepted
            if who:
                self.limiter()  # many roles log in from one address within a minute
                browser_login(page, self.url, who)
            self.desks[key] = page
        self.page = self.desks[key]
        return self.page

    def go(self, path: str) -> None:
        self.page.goto(self.url + path)

    def shot(self, name: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.n += 1
        self.page.screenshot(path=str(self.folder / f"{self.n:02d}-{name}.png"), full_page=True)

    def head(self) -> str:
        return str(self.page.locator(".page-head").inner_text())

    def close(self) -> None:
        for page in self.desks.values():
            page.context.close()


@pytest.fixture(scope="module")
def desks(browser: Any, demo_live: LiveDemo) -> Iterator[Steps]:
    walk = Steps(browser, demo_live.url, demo_live.app.state.limiter.reset)
    yield walk
    walk.close()


@pytest.fixture
def steps(desks: Steps, request: pytest.FixtureRequest) -> Iterator[Steps]:
    desks.folder, desks.n = SHOTS / request.node.name.removeprefix("test_"), 0
    yield desks
    if desks.page is not None:
        desks.shot("last")  # where the walk ended (or stopped)


def test_grant_loop_from_the_printed_logins(steps: Steps, logins: Logins,
                                            tmp_path: Path) -> None:
    enterprise = logins.of_role("企业用户")[0]
    page = steps.login(enterprise)
    follow_menu(page, "政策礼包")  # the items it qualifies for: 申报 offered where it can succeed
    steps.shot("enterprise-package")
    page.locator("a.button.primary", has_text="申报").first.click()
    page.locator("#apply-form").wait_for()
    title = page.locator("h1").inner_text()
    files = page.locator("#apply-form input[type=file]:not([name=material_extra])")
    assert files.count() >= 2, title
    for n in range(files.count() - 1):  # the last material is not ready yet: 容缺
        path = tmp_path / f"material-{n}.pdf"
        path.write_bytes(PDF)
        files.nth(n).set_input_files(str(path))
    missing = page.locator(f"label[for='{files.last.get_attribute('id')}']").inner_text()
    bank = page.get_by_label("开户银行")
    if bank.count():
        bank.fill("湖北农村商业银行东宝支行")
        page.get_by_label("银行账号").fill("6228480012345678")
    steps.shot("enterprise-apply")
    page.get_by_role("button", name="提交申报").click()
    page.get_by_text("待受理").first.wait_for()
    detail = page.url.removeprefix(steps.url)
    facts = page.locator("section[aria-labelledby=facts]").inner_text()
    assert "true" not in facts and "false" not in facts, facts  # 是/否, as the form said
    steps.shot("enterprise-applied")
    owners = page.locator("main p.muted").first.inner_text()
    enterprise_name = owners.split(" · ")[0]
    department = re.search(r"主管部门 (\S+)", owners).group(1)
    finance = re.search(r"财政复核 (\S+)", owners)

    handler = logins.of_department(department)[0]
    page = steps.login(handler)
    steps.go(detail)
    gaps = page.locator("#gaps-form")
    assert gaps.get_by_label(missing).is_checked()  # not uploaded: ticked
    gaps.get_by_label("补齐截止日期").fill((date.today() + timedelta(days=14)).isoformat())
    steps.shot("department-gap")
    gaps.get_by_role("button", name="容缺受理").click()
    page.get_by_text("容缺受理：请于").wait_for()

    page = steps.login(enterprise)
    steps.go(detail)
    form = page.locator("#upload-form")
    assert form.get_by_label("材料名称").input_value() == missing
    later = tmp_path / "late.pdf"
    later.write_bytes(PDF)
    form.get_by_label("文件").set_input_files(str(later))
    form.get_by_role("button", name="上传").click()
    page.get_by_text("审核中").first.wait_for()
    steps.shot("enterprise-uploaded")

    page = steps.login(handler)
    steps.go(detail)
    page.locator("#approve-form").get_by_role("button", name="审核通过").click()
    page.wait_for_load_state()
    if finance:
        page.get_by_text("待财政复核").first.wait_for()
        steps.shot("department-approved")
        reviewer = logins.of_department(finance.group(1))[0]
        page = steps.login(reviewer)
        steps.go(detail)
        page.get_by_role("button", name="复核通过").click()
    page.get_by_text("已批准·待兑现").first.wait_for()
    steps.shot("approved")

    maker, payer = logins.of_role("营商办")[:2]
    page = steps.login(maker)
    steps.go("/grants/payouts")
    page.get_by_role("button", name="生成兑付批次").click()
    page.get_by_role("heading", name="兑付批次 PB").wait_for()
    batch = page.url.removeprefix(steps.url)
    with page.expect_download() as download:
        page.get_by_role("button", name="导出银行清单（Excel）").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    steps.shot("office-batch")
    page = steps.login(payer)
    steps.go(batch)
    page.get_by_label("银行回单号").fill("HD20250603001")
    page.get_by_role("button", name="标记已兑付").click()
    page.get_by_text("笔已兑现").wait_for()
    steps.shot("office-paid")

    page = steps.login(enterprise)
    steps.go(detail)
    page.get_by_text("已兑现").first.wait_for()
    page = steps.login(None)  # anyone, not logged in
    steps.go("/public/grants")
    page.get_by_role("heading", name="政策资金兑现公示").wait_for()
    item_title = title.removeprefix("申报：")
    row = page.locator("main tr", has_text=item_title).filter(has_text=enterprise_name)
    assert "已兑现" in row.inner_text()
    steps.shot("public-grants")



def _act(page: Any, action: str, fields: dict[str, str] | None = None) -> None:
    form = page.locator(f"#form-{action}")
    for label, value in (fields or {}).items():
        form.get_by_label(label).fill(value)
    with page.expect_navigation():  # htmx posts, then HX-Redirect reloads the page
        form.get_by_role("button").click()


def test_appeal_loop_from_the_printed_logins(steps: Steps, logins: Logins) -> None:
    enterprise = logins.of_role("企业用户")[0]
    office = logins.of_role("营商办")[0]
    title = "新建冷库用电增容迟迟未办"
    page = steps.login(enterprise)
    follow_menu(page, "我的诉求")
    page.get_by_role("link", name="提交诉求").click()
    page.get_by_label("诉求类别").select_option(index=1)
    page.get_by_label("标题").fill(title)
    page.get_by_label("诉求内容").fill("养殖场新建冷库需增容至 400 千伏安，申请一个月仍无答复。")
    steps.shot("enterprise-appeal")
    page.get_by_role("button", name="提交诉求").click()
    page.get_by_text("诉求已提交").wait_for()
    detail = page.url.removeprefix(steps.url)
    assert "待交办" in steps.head()

    page = steps.login(office)
    steps.go(detail)
    form = page.locator("#dispatch-form")
    if not form.get_by_label("牵头部门").input_value():
        form.get_by_label("牵头部门").select_option(index=1)
    lead = form.get_by_label("牵头部门").input_value()
    steps.shot("office-dispatch")
    form.get_by_role("button", name="交办").click()
    page.locator("#lead").wait_for()
    assert "已交办" in steps.head()

    page = steps.login(logins.of_department(lead)[0])
    follow_menu(page, "诉求办理")
    page.get_by_role("link", name=title).first.click()
    _act(page, "sign", {"备注": "已签收，联系供电所现场勘查"})
    page.locator("#form-reply").wait_for()
    _act(page, "reply", {"答复内容": "已协调供电公司完成现场勘查，增容方案本周内批复。"})
    assert "已回复" in steps.head()
    steps.shot("department-reply")

    page = steps.login(enterprise)
    steps.go(detail)
    _act(page, "confirm", {"评价意见": "问题已解决，感谢"})
    assert "企业已确认" in steps.head()
    steps.go("/ratings/new")  # the enterprise rates the case (好差评)
    case = page.locator("#f-case option", has_text=title).first.get_attribute("value")
    page.get_by_label("办件").select_option(case)
    page.locator("#level-field input[type=radio]").first.check()
    page.get_by_label("评价内容").fill("办理及时")
    steps.shot("enterprise-rating")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_load_state()
    assert page.locator("#form-error").count() == 0

    page = steps.login(office)
    steps.go(detail)
    form = page.locator("#form-visit")
    form.locator("input[type=radio][value='5']").check()
    form.get_by_label("评价意见").fill("回访：企业满意")
    with page.expect_navigation():
        form.get_by_role("button").click()
    _act(page, "close", {"备注": "企业满意，予以销号"})
    assert "已销号" in steps.head()
    timeline = page.locator("#timeline").inner_text()
    for step in ("提交诉求", "交办", "签收", "答复", "确认解决", "回访", "销号"):
        assert step in timeline
    steps.shot("office-closed")


def test_liaison_visit_and_audit_log_from_the_printed_logins(steps: Steps,
                                                             logins: Logins) -> None:
    page = steps.login(logins.of_role("服务专员")[0])
    steps.go("/liaison")
    page.locator("main table a[href^='/liaison/enterprises/']").first.click()
    page.get_by_role("link", name="记录走访/联系").click()
    form = page.locator("#visit-form")
    form.get_by_label("见面人员").fill("总经理张先生")
    form.get_by_label("交流内容").fill("讲解知识产权质押融资贴息的申报流程")
    steps.shot("liaison-visit")
    form.get_by_role("button", name="保存走访记录").click()
    page.locator("#contact-ledger", has_text="总经理张先生").wait_for()
    steps.shot("liaison-ledger")

    page = steps.login(logins.of_role("审计管理员")[0])
    follow_menu(page, "审计日志")
    page.get_by_role("heading", name="审计日志").wait_for()
    log = page.locator("main").inner_text()
    assert "走访" in log, log[:500]
    steps.shot("auditor-log")

