"""The 政策礼包 journey in Chromium: an enterprise opens its pack, supplies a missing fact, sees the
item become eligible, applies with materials; the handler accepts with 容缺; the enterprise
uploads the missing material; the handler approves; the office pays; the enterprise sees 已兑现.
Screenshots go to artifacts/screenshots/gift-pack-*.png."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.kit.db import unit_of_work
from huiqi.registry import service as registry
from tests.fixtures.web import browser_login, screenshot, test_uscc
from tests.matching.packs.conftest import PROFILE

pytestmark = pytest.mark.browser
START = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)  # Monday 2 June 2025, 10:00 in Beijing
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
from tests.grants.conftest import PNG  # noqa: E402


@pytest.fixture(scope="module")
def site(live_server: Any, live_user: Any) -> dict[str, Any]:
    live_server.clock.advance(START - live_server.clock.now())  # the 2025 test policies
    uscc = test_uscc()
    with unit_of_work(live_server.engine) as db:
        registry.upsert(db, {"uscc": uscc, "name": "重庆江北精工机械有限公司", **PROFILE})
        auth_service.create_department(db, Actor.system(), "jbsw", "江北区商务委员会")
    return {
        "url": live_server.url,
        "ent": live_user("enterprise", enterprise_uscc=uscc, display_name="精工机械"),
        "dept": live_user("department", department_code="jbsw", display_name="商务委李红"),
        "office": live_user("office", display_name="营商办王敏"),
        "office2": live_user("office", display_name="营商办赵刚"),  # marks paid (not the maker)
    }


def _login(page: Any, site: dict[str, Any], who: str) -> None:
    browser_login(page, site["url"], site[who])


def test_gift_pack_fact_apply_gaps_upload_approve_payout_paid(
        page: Any, site: dict[str, Any], tmp_path: Any) -> None:
    invoice, licence = tmp_path / "设备发票.pdf", tmp_path / "营业执照.png"
    invoice.write_bytes(PDF)
    licence.write_bytes(PNG)

    _login(page, site, "ent")
    page.get_by_role("link", name="政策礼包").first.click()
    page.get_by_role("heading", name="政策礼包", exact=True).wait_for()
    unknown = page.locator("#item-giftville\\.equipment")
    assert "承租国有房屋减免租金" in page.locator("section[aria-labelledby=eligible]").inner_text()
    assert "还需：生产性设备投资实际完成额" in unknown.inner_text()
    screenshot(page, "gift-pack")

    # A bad value is refused inline; then the right one moves the item to 可享受.
    form = page.locator("#facts-form")
    form.get_by_label("生产性设备投资实际完成额（元）").fill("两百万")
    form.get_by_role("button", name="保存并重新匹配").click()
    page.get_by_text("填报信息有误，未保存").wait_for()
    page.locator("#facts-form").get_by_label("生产性设备投资实际完成额（元）").fill("2000000")
    page.locator("#facts-form").get_by_role("button", name="保存并重新匹配").click()
    page.get_by_text("新符合条件：设备更新补助").first.wait_for()
    section = page.locator("section[aria-labelledby=eligible]")
    entry = section.locator("#item-giftville\\.equipment")
    assert "测算 100,000.00" in entry.inner_text()
    entry.get_by_text("为什么？逐条说明与政策原文").click()
    entry.get_by_text("结论：符合条件").wait_for()
    entry.get_by_text("按投资额的5%给予补助").wait_for()
    screenshot(page, "gift-pack-eligible")

    entry.get_by_role("link", name="申报").click()
    page.get_by_role("heading", name="申报：设备更新补助").wait_for()
    assert page.get_by_label("生产性设备投资实际完成额").input_value() in ("2000000", "2000000.00")
    page.get_by_label("设备购置发票").set_input_files(str(invoice))
    page.get_by_label("开户银行").fill("重庆农村商业银行江北支行")
    page.get_by_label("银行账号").fill("6228480012345678")
    screenshot(page, "gift-pack-apply")
    page.get_by_role("button", name="提交申报").click()
    page.get_by_text("待受理").first.wait_for()
    detail = page.url

    _login(page, site, "dept")
    page.goto(detail)
    gaps = page.locator("#gaps-form")
    assert gaps.get_by_label("营业执照").is_checked()  # the one not uploaded, ticked by id
    gaps.get_by_label("补齐截止日期").fill("2025-06-13")
    gaps.get_by_role("button", name="容缺受理").click()
    page.get_by_text("容缺受理：请于").wait_for()
    screenshot(page, "gift-pack-gaps")

    _login(page, site, "ent")
    page.goto(detail)
    upload = page.locator("#upload-form")
    assert upload.get_by_label("材料名称").input_value() == "营业执照"
    upload.get_by_label("文件").set_input_files(str(licence))
    upload.get_by_role("button", name="上传").click()
    page.get_by_text("审核中").first.wait_for()

    _login(page, site, "dept")
    page.goto(detail)
    assert page.locator("#approve-form").get_by_label("批准金额（元）").input_value() \
        in ("100000.00", "100000")
    page.locator("#approve-form").get_by_role("button", name="审核通过").click()
    page.get_by_text("已批准·待兑现").first.wait_for()

    _login(page, site, "office")
    page.goto(site["url"] + "/grants/payouts")
    page.get_by_label("政策事项编号（可选）").fill("giftville.equipment")
    page.get_by_role("button", name="生成兑付批次").click()
    page.get_by_role("heading", name="兑付批次 PB").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="导出银行清单（Excel）").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    batch_url = page.url
    _login(page, site, "office2")  # 审批与复核分离: another person marks the batch paid
    page.goto(batch_url)
    page.get_by_label("银行回单号").fill("HD20250603009")
    page.once("dialog", lambda d: d.accept())  # "将批次…标记为已兑付？"
    page.get_by_role("button", name="标记已兑付").click()
    page.get_by_text("笔已兑现").wait_for()

    # The office's read-only view of the enterprise's pack.
    page.goto(site["url"] + "/gift-pack/enterprises?q=精工机械")
    page.get_by_role("link", name="查看政策礼包").click()
    page.get_by_role("heading", name="重庆江北精工机械有限公司 的政策礼包").wait_for()
    assert page.locator("#facts-form").count() == 0
    screenshot(page, "gift-pack-office")

    _login(page, site, "ent")
    page.goto(detail)
    page.get_by_text("已兑现").first.wait_for()
    screenshot(page, "gift-pack-paid")
