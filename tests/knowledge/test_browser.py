# ruff: noqa: F811 - the web fixtures are imported by name and used as arguments
"""Knowledge in a real browser: an enterprise asks, gets a cited answer and opens the clause;
asks what the corpus cannot answer and turns it into an appeal; the office drafts a policy file
from seed 003's clauses and checks it in the editor. Screenshots in artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest

from huiqi.appeals.categories import create_category, list_categories
from huiqi.kit.clock import Clock
from huiqi.kit.db import unit_of_work
from huiqi.knowledge import service
from tests.fixtures.web import (  # noqa: F401 - fixtures
    browser,
    browser_login,
    live_server,
    live_user,
    page,
    screenshot,
)
from tests.knowledge.conftest import NOW, OFFICE, POLICIES, SEEDS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def corpus_server(live_server):  # type: ignore[no-untyped-def]
    with unit_of_work(live_server.engine) as s:
        service.ingest_policies(s, OFFICE, POLICIES, now=NOW)
        service.ingest_paths(s, OFFICE, [SEEDS], now=NOW)
        if not list_categories(s):
            create_category(s, OFFICE, Clock(), code="policy", name="政策咨询",
                            sign_within_workdays=1, resolve_within_workdays=5)
    return live_server


def test_ask_open_the_clause_and_turn_the_unknown_into_an_appeal(
        page, corpus_server, live_user) -> None:  # type: ignore[no-untyped-def]
    firm = live_user("enterprise", display_name="测试企业")
    browser_login(page, corpus_server.url, firm)
    page.get_by_role("link", name="政策问答").first.click()
    page.get_by_role("heading", name="政策问答与检索").wait_for()
    page.get_by_label("您的问题").fill("301首贷户贷款贴息是多少？")
    page.get_by_role("button", name="提问").click()
    answer = page.locator("#qa-answer .qa-text")
    answer.wait_for()
    assert "2%" in answer.inner_text()
    screenshot(page, "knowledge-answer")
    page.locator("#qa-answer sup a").first.click()
    page.locator(".clause-current").wait_for()
    assert "2%" in page.locator(".clause-current").inner_text()
    screenshot(page, "knowledge-clause")

    page.go_back()
    page.get_by_label("您的问题").fill("商标注册需要多长时间？")
    page.get_by_role("button", name="提问").click()
    page.get_by_text("不知道。").wait_for()
    page.get_by_role("button", name="转为诉求，请部门答复").click()
    page.wait_for_url(re.compile(r"/appeals/\d+$"))
    assert "商标注册需要多长时间" in page.content()
    screenshot(page, "knowledge-appeal")


def test_office_drafts_from_clauses_and_checks_in_the_editor(
        page, corpus_server, live_user) -> None:  # type: ignore[no-untyped-def]
    office = live_user("office", display_name="营商办政策科")
    browser_login(page, corpus_server.url, office)
    page.goto(corpus_server.url + "/knowledge/documents")
    page.get_by_role("link", name=re.compile("东宝")).filter(
        has_not_text="汇编").first.click()
    boxes = page.locator("li.clause").filter(has_text="生产性设备").locator(
        "input[type=checkbox]")
    assert boxes.count() >= 1
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.get_by_role("button", name="据所选条款起草政策规则").click()
    page.get_by_text("项待决定").wait_for()
    source = page.get_by_label("政策文件 YAML").input_value()
    assert "equipment_investment >= 5000000" in source and "TODO" in source
    page.get_by_role("button", name="检查").click()
    page.locator("#check-result .notice-success").filter(has_text="校验通过").wait_for()
    screenshot(page, "knowledge-draft-checked")
