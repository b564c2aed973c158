"""The grants journeys in Chromium: apply with materials → 容缺受理 → upload → approve → payout →
已兑现; and 免申即享 → confirm → paid. Screenshots go to artifacts/screenshots/grants-*.png."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.kit.db import unit_of_work
from huiqi.registry import service as registry
from tests.fixtures.web import browser_login, screenshot
from tests.grants.conftest import PDF, START, make_uscc

pytestmark = pytest.mark.browser
from tests.grants.conftest import PNG  # noqa: E402


@pytest.fixture(scope="module")
def site(live_server: Any, live_user: Any) -> dict[str, Any]:
    from huiqi.grants import endpoints, views

    if "/grants/applications" not in {getattr(r, "path", None) for r in live_server.app.routes}:
        live_server.app.include_router(views.router)  # until app.py lists the grants modules
        live_server.app.include_router(endpoints.router, prefix="/api/v1")
    live_server.clock.advance(START - datetime.now(UTC))  # policies of 2025
    uscc = make_uscc(501)
    with unit_of_work(live_server.engine) as db:
        registry.upsert(db, {"uscc": uscc, "name": "重庆江北满益餐饮有限公司", "region": "500105",
                             "legal_form": "enterprise", "industry_code": "H6210",
                             "size_class": "small", "rents_state_property": True,
                             "monthly_rent": "20250", "unemployment_insurance_paid": "50000"})
        for code, name in [("jbsw", "江北区商务委员会"), ("jbrs", "江北区人力资源和社会保障局")]:
            auth_service.create_department(db, Actor.system(), code, name)
    return {
        "url": live_server.url,
        "ent": live_user("enterprise", enterprise_uscc=uscc, display_name="满益餐饮"),
        "dept": live_user("department", department_code="jbsw", display_name="商务委李红"),
        "hr": live_user("department", department_code="jbrs", display_name="人社局周强"),
        "office": live_user("office", display_name="营商办王敏"),
        "office2": live_user("office", display_name="营商办赵刚"),  # marks paid (not the maker)
        "clock": live_server.clock, "engine": live_server.engine,
    }


class _Asked(list):  # type: ignore[type-arg]
    handler: Any = None


def _answer_dialogs(page: Any, accept: bool) -> _Asked:
    """Answer the confirmation dialogs from now on; returns their questions as they come."""
    asked = _Asked()

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    asked.handler = answer
    page.on("dialog", answer)
    return asked


def _login(page: Any, site: dict[str, Any], who: str) -> None:
    browser_login(page, site["url"], site[who])


def test_apply_gaps_upload_approve_payout_paid(page: Any, site: dict[str, Any],
                                               tmp_path: Any) -> None:
    contract, licence = tmp_path / "租赁合同.pdf", tmp_path / "营业执照.png"
    contract.write_bytes(PDF)
    licence.write_bytes(PNG)
    _login(page, site, "ent")
    page.get_by_role("link", name="可申报政策").first.click()
    page.get_by_role("link", name="承租国有房屋减免租金").click()
    page.get_by_label("房屋租赁合同").set_input_files(str(contract))
    page.get_by_label("开户银行").fill("重庆农村商业银行江北支行")
    page.get_by_label("银行账号").fill("6228480012345678")
    screenshot(page, "grants-apply")
    page.get_by_role("button", name="提交申报").click()
    page.get_by_text("待受理").first.wait_for()
    detail = page.url

    _login(page, site, "dept")
    page.goto(detail)
    page.get_by_text("规则核算").wait_for()
    gaps = page.locator("#gaps-form")
    assert gaps.get_by_label("营业执照").is_checked()  # not uploaded: ticked by default
    gaps.get_by_label("租金缴纳凭证、发票及付款凭证").uncheck()  # one material, not three
    gaps.get_by_label("补齐截止日期").fill("2025-06-13")
    screenshot(page, "grants-review")
    page.locator("#gaps-form").get_by_role("button", name="容缺受理").click()
    page.get_by_text("容缺受理：请于").wait_for()

    _login(page, site, "ent")
    page.goto(detail)
    page.locator("#upload-form").get_by_label("文件").set_input_files(str(licence))
    page.locator("#upload-form").get_by_role("button", name="上传").click()
    page.get_by_text("审核中").first.wait_for()

    _login(page, site, "dept")
    page.goto(detail)
    page.locator("#approve-form").get_by_role("button", name="审核通过").click()
    page.get_by_text("已批准·待兑现").first.wait_for()

    _login(page, site, "office")
    page.goto(site["url"] + "/grants/payouts")
    page.get_by_role("button", name="生成兑付批次").click()
    page.get_by_role("heading", name="兑付批次 PB").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="导出银行清单（Excel）").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    batch_url = page.url
    _login(page, site, "office2")  # 审批与复核分离: another person marks it paid
    page.goto(batch_url)
    page.get_by_label("银行回单号").fill("HD20250603001")
    asked = _answer_dialogs(page, accept=True)
    page.get_by_role("button", name="标记已兑付").click()
    page.get_by_text("笔已兑现").wait_for()
    assert "的 1 笔、合计 " in asked[0] and "标记为已兑付" in asked[0] and "不能撤销" in asked[0]
    screenshot(page, "grants-payout")

    _login(page, site, "ent")
    page.goto(detail)
    page.get_by_text("已兑现").first.wait_for()
    screenshot(page, "grants-paid")


def test_auto_grant_list_confirm_payout_and_public_page(page: Any, site: dict[str, Any]) -> None:
    _login(page, site, "office")
    page.goto(site["url"] + "/grants/auto-lists")
    page.get_by_role("button", name="生成名单").click()
    page.get_by_text("重庆江北满益餐饮有限公司").wait_for()
    page.get_by_role("button", name="发布公示").click()
    page.get_by_text("公示期：").wait_for()
    site["clock"].advance(timedelta(days=14))  # past the 公示 (5 working days)
    _login(page, site, "hr")
    page.get_by_role("link", name="免申即享").first.click()
    page.locator("table a").first.click()
    asked = _answer_dialogs(page, accept=False)  # cancelled: nothing is confirmed
    page.get_by_role("button", name="确认所选（不选则全部）").click()
    page.wait_for_timeout(300)
    assert asked and asked[0].startswith("确认 1 家企业的免申即享资金？")
    assert page.get_by_role("cell", name="待确认").count() == 1
    page.remove_listener("dialog", asked.handler)  # type: ignore[attr-defined]
    _answer_dialogs(page, accept=True)
    page.get_by_role("button", name="确认所选（不选则全部）").click()
    page.get_by_text("已确认").first.wait_for()
    screenshot(page, "grants-auto-list")
    _login(page, site, "office")
    page.goto(site["url"] + "/grants/payouts")
    page.get_by_label("政策事项编号（可选）").fill("testville.auto")
    page.get_by_role("button", name="生成兑付批次").click()
    with page.expect_download():
        page.get_by_role("button", name="导出银行清单（Excel）").click()
    batch_url = page.url
    _login(page, site, "office2")
    page.goto(batch_url)
    _answer_dialogs(page, accept=True)
    page.get_by_role("button", name="标记已兑付").click()
    page.get_by_text("笔已兑现").wait_for()
    _login(page, site, "ent")
    page.goto(site["url"] + "/notifications")
    page.get_by_text("免申即享：政策资金已确认").wait_for()
    page.goto(site["url"] + "/grants/applications?source=auto")
    page.get_by_role("cell", name="已兑现").wait_for()
    screenshot(page, "grants-auto-paid")
    page.context.clear_cookies()
    page.goto(site["url"] + "/public/grants")
    page.get_by_role("heading", name="政策资金兑现公示").wait_for()
    screenshot(page, "grants-public")


def _enterprise(site: dict[str, Any], live_user: Any, n: int, name: str, **facts: str) -> Any:
    uscc = make_uscc(n)
    with unit_of_work(site["engine"]) as db:
        registry.upsert(db, {"uscc": uscc, "name": name, "region": "500105",
                             "legal_form": "enterprise", "industry_code": "H6210",
                             "size_class": "small", **facts})
    return live_user("enterprise", enterprise_uscc=uscc, display_name=name)


def _inline(page: Any, form: str, text: str) -> None:
    """The refusal is shown inside the form, beside a field (422 re-rendered, not an error page)."""
    page.locator(f"{form} .help.error", has_text=text).wait_for()
    assert page.get_by_role("heading", name="信息有误").count() == 0


def test_refusals_are_shown_beside_the_fields_with_the_input_kept(
        page: Any, site: dict[str, Any], live_user: Any, tmp_path: Any) -> None:
    ent = _enterprise(site, live_user, 503, "重庆江北禾丰商贸有限公司",
                      rents_state_property="true", monthly_rent="10000")
    contract, script = tmp_path / "租赁合同.pdf", tmp_path / "说明.exe"
    contract.write_bytes(PDF)
    script.write_bytes(b"MZ\x90\x00 not a document")
    browser_login(page, site["url"], ent)
    page.goto(site["url"] + "/grants/apply/testville.rent")
    page.get_by_label("房屋租赁合同").set_input_files(str(contract))
    page.get_by_label("开户银行").fill("重庆农村商业银行江北支行")
    page.get_by_label("银行账号").fill("6228480012345679")
    page.get_by_role("button", name="提交申报").click()
    page.get_by_text("待受理").first.wait_for()
    detail = page.url
    # applying twice: said before the form is filled
    page.goto(site["url"] + "/grants/apply/testville.rent")
    page.get_by_text("请勿重复申报").wait_for()
    assert page.get_by_role("button", name="提交申报").count() == 0
    # a rejected file type: the message beside the file, the material name kept
    page.goto(detail)
    form = page.locator("#upload-form")
    form.get_by_label("材料名称").fill("补充说明材料")
    form.get_by_label("文件").set_input_files(str(script))
    form.get_by_role("button", name="上传").click()
    _inline(page, "#upload-form", "类型不受支持")
    assert page.locator("#upload-form").get_by_label("材料名称").input_value() == "补充说明材料"
    screenshot(page, "grants-upload-refused")

    _login(page, site, "dept")
    page.goto(detail)
    form = page.locator("#approve-form")
    form.get_by_label("批准金额（元）").fill("99999")
    form.get_by_role("button", name="审核通过").click()
    _inline(page, "#approve-form", "高于政策核定金额 30000")
    form = page.locator("#approve-form")
    assert form.get_by_label("批准金额（元）").input_value() == "99999"
    assert form.locator("#f-amount[aria-invalid=true]").count() == 1
    form.get_by_label("批准金额（元）").fill("20000")  # lower: needs a reason, shown at the reason
    form.get_by_role("button", name="审核通过").click()
    _inline(page, "#approve-form", "请填写调减理由")
    form = page.locator("#approve-form")
    assert form.locator("#f-reason[aria-invalid=true]").count() == 1
    assert form.get_by_label("批准金额（元）").input_value() == "20000"
    screenshot(page, "grants-approve-refused")
    form.get_by_label("调减理由").fill("部分月份已享受其他减免")
    form.get_by_role("button", name="审核通过").click()
    page.get_by_text("已批准·待兑现").first.wait_for()
    page.goto(detail)
    reject = page.locator("#reject-form")
    assert reject.count() == 0  # decided: nothing left to refuse


def test_auto_list_publicity_objection_holds_the_row_until_decided(
        page: Any, site: dict[str, Any], live_user: Any) -> None:
    ent = _enterprise(site, live_user, 502, "重庆江北新禾物流有限公司",
                      unemployment_insurance_paid="30000")
    _login(page, site, "office")
    page.goto(site["url"] + "/grants/auto-lists")
    form = page.locator("#generate-form")
    default = form.get_by_label("测算日期").input_value()
    assert default  # prefilled with the policy date
    form.get_by_label("测算日期").fill("")  # blank: the policy date is used, no 409
    form.get_by_role("button", name="生成名单").click()
    page.get_by_text("重庆江北新禾物流有限公司").wait_for()
    page.get_by_role("button", name="发布公示").click()
    page.get_by_text("公示期：").wait_for()
    page.goto(site["url"] + "/grants/auto-lists")  # a date out of force: said beside the form
    page.locator("#generate-form").get_by_label("测算日期").fill("2019-06-30")
    page.locator("#generate-form").get_by_role("button", name="生成名单").click()
    page.wait_for_load_state()
    _inline(page, "#generate-form", "")
    assert page.locator("#generate-form").get_by_label("测算日期").input_value() == "2019-06-30"
    assert page.url.removeprefix(site["url"]) == "/grants/auto-lists"

    page.context.clear_cookies()  # the 公示 is public: name, amount, dates, how to object
    page.goto(site["url"] + "/public/auto-lists")
    row = page.locator("tr", has_text="重庆江北新禾物流有限公司")
    assert "18,000.00" in row.inner_text()
    page.get_by_text("如何提出异议").wait_for()
    assert make_uscc(502) not in page.content()
    screenshot(page, "grants-auto-public")

    browser_login(page, site["url"], ent)
    page.goto(site["url"] + "/public/auto-lists")
    row = page.locator("tr", has_text="重庆江北新禾物流有限公司")
    row.get_by_role("button", name="提交").click()  # no reason written: refused inline
    page.locator("tr", has_text="重庆江北新禾物流有限公司").locator(".help.error").wait_for()
    row = page.locator("tr", has_text="重庆江北新禾物流有限公司")
    row.get_by_label("异议内容或放弃原因").fill("测算所用失保费含补缴部分，金额应核减")
    row.get_by_role("button", name="提交").click()
    page.get_by_text("异议核实中，暂不兑现").wait_for()

    site["clock"].advance(timedelta(days=14))  # past the 公示
    _login(page, site, "hr")
    page.goto(site["url"] + "/grants/auto-lists")
    page.locator("table a").first.click()
    screenshot(page, "grants-objection-held")
    page.get_by_text("公示异议待处理").first.wait_for()
    _answer_dialogs(page, accept=True)
    page.get_by_role("button", name="确认所选（不选则全部）").click()
    page.get_by_text("未能确认").wait_for()  # held: not granted, hence not paid
    held = page.locator("tr", has_text="重庆江北新禾物流有限公司")
    assert "待确认" in held.inner_text() and "公示异议待处理" in held.inner_text()
    list_url = page.url

    _login(page, site, "office")
    page.goto(site["url"] + "/grants/objections")
    section = page.locator("section", has_text="重庆江北新禾物流有限公司")
    section.get_by_text("测算所用失保费含补缴部分").wait_for()
    section.get_by_role("button", name="异议不成立，继续兑现").click()  # no decision written
    _inline(page, "section", "请写明核实情况和处理结果")
    section = page.locator("section", has_text="重庆江北新禾物流有限公司")
    section.get_by_label("核实情况和处理结果").fill("经核实，补缴部分属上年度应缴费用，测算无误。")
    section.get_by_role("button", name="异议不成立，继续兑现").click()
    page.get_by_text("没有待处理的公示异议").wait_for()
    screenshot(page, "grants-objection-decided")

    _login(page, site, "hr")
    page.goto(list_url)
    _answer_dialogs(page, accept=True)
    page.get_by_role("button", name="确认所选（不选则全部）").click()
    page.get_by_text("已确认").first.wait_for()
    assert "已确认" in page.locator("tr", has_text="重庆江北新禾物流有限公司").inner_text()
