"""Personal data (等保 8.1.4.8/8.1.4.11, requirements 16–17): bank accounts and contact phones are
ciphertext in the database, masked on pages and in exports, clear only in the office's bank
file and after an audited 显示完整号码."""

from __future__ import annotations

import re
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select, text

from huiqi.appeals import categories, intake
from huiqi.grants import applications as apps
from huiqi.grants import payouts, review
from huiqi.grants.applications import BankInfo
from huiqi.kit import fieldcrypt
from huiqi.kit.masking import mask_account, mask_id, mask_phone
from huiqi.models.audit import AuditLog
from tests.fixtures.web import csrf_token
from tests.grants.conftest import World, upload
from tests.grants.web import Clients

ACCOUNT = "6222021234567891234"
PHONE = "13812345678"


def _approved_with_bank(w: World) -> int:
    bank = BankInfo("重庆银行江北支行", "测试企业1有限公司", ACCOUNT)
    app = w.do(apps.submit, w.ent_a, item_id="testville.rent", bank=bank,
               files=[upload("房屋租赁合同"), upload("营业执照")])
    w.do(review.approve, w.dept, app.id)
    return int(app.id)


def _appeal_with_phone(w: World) -> int:
    with w.tx() as s:
        categories.create_category(s, w.office, w.clock, code="labour", name="用工招聘",
                                   sign_within_workdays=1, resolve_within_workdays=5)
    appeal = w.do(intake.submit, w.ent_a, data=intake.AppealIn(
        category="用工招聘", title="招工难", description="缺少熟练焊工", contact_name="张三",
        contact_phone=PHONE))
    return int(appeal.id)


def _rows(data: bytes) -> list[tuple[object, ...]]:
    return [tuple(r) for r in load_workbook(BytesIO(data)).active.iter_rows(values_only=True)]


def test_masks() -> None:
    assert mask_account(ACCOUNT) == "6222 **** **** 1234"
    assert mask_account("6222 0212 3456 7891 234") == "6222 **** **** 1234"
    assert mask_phone(PHONE) == "138****5678"
    assert mask_phone("023-6789 1234") == "*******1234"
    assert mask_phone("zhang@example.com") == "z***@example.com"
    assert mask_id("110101199003071234") == "110***********1234"
    assert mask_account(None) == mask_phone("") == ""


def test_columns_hold_ciphertext_and_code_reads_clear(world: World) -> None:
    app_id, appeal_id = _approved_with_bank(world), _appeal_with_phone(world)
    with world.engine.connect() as conn:
        raw_account = conn.execute(text(
            "SELECT bank_account FROM grant_applications WHERE id = :i"), {"i": app_id}
        ).scalar_one()
        raw_phone = conn.execute(text("SELECT contact_phone FROM appeals WHERE id = :i"),
                                 {"i": appeal_id}).scalar_one()
        audit_text = " ".join(str(r) for r in conn.execute(text(
            "SELECT before, after FROM audit_log")).all())
    for raw, clear in ((raw_account, ACCOUNT), (raw_phone, PHONE)):
        assert raw.startswith(fieldcrypt.PREFIX) and clear not in raw
        assert fieldcrypt.decrypt(raw) == clear
    assert ACCOUNT not in audit_text and PHONE not in audit_text  # requirement 14
    assert world.do(apps.get, world.ent_a, app_id).bank_account == ACCOUNT


def test_bank_file_is_clear_for_the_office_only_and_pages_mask(world: World, web: Clients) -> None:
    app_id = _approved_with_bank(world)
    batch = world.do(payouts.create_batch, world.office)
    office = web.page("office")
    exported = office.post(f"/grants/payouts/{batch.id}/export",
                           data={"csrf_token": csrf_token(office)})
    assert exported.status_code == 200 and ACCOUNT in str(_rows(exported.content))
    auditor_file = web.page("auditor").get(f"/grants/payouts/{batch.id}/file.xlsx")
    assert auditor_file.status_code == 200
    cells = str(_rows(auditor_file.content))
    assert ACCOUNT not in cells and "6222 **** **** 1234" in cells
    page = office.get(f"/grants/payouts/{batch.id}").text
    assert "6222 **** **** 1234" in page and ACCOUNT not in page \
        and not re.search(r"(?<![\d.=])6\d{15,18}(?!\d)", page)
    assert f"/grants/applications/{app_id}/reveal-account" in page


def test_reveal_is_explicit_audited_and_for_staff_only(world: World, web: Clients) -> None:
    app_id = _approved_with_bank(world)
    office = web.page("office")
    shown = office.post(f"/grants/applications/{app_id}/reveal-account",
                        headers={"X-CSRF-Token": csrf_token(office), "HX-Request": "true"})
    assert shown.status_code == 200 and ACCOUNT in shown.text
    ent = web.page("ent_a")
    refused = ent.post(f"/grants/applications/{app_id}/reveal-account",
                       headers={"X-CSRF-Token": csrf_token(ent)})
    assert refused.status_code == 404 and ACCOUNT not in refused.text
    auditor = web.page("auditor")
    assert auditor.post(f"/grants/applications/{app_id}/reveal-account",
                        headers={"X-CSRF-Token": csrf_token(auditor)}).status_code == 403
    with world.tx() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "pii.reveal")).all()
    assert [(r.actor_username, r.subject_id, r.after) for r in rows] == [
        (world.office.username, str(app_id), {"field": "银行账号"})]


def test_appeal_phone_masked_on_page_and_export_revealed_by_staff(world: World,
                                                                   web: Clients) -> None:
    appeal_id = _appeal_with_phone(world)
    office = web.page("office")
    page = office.get(f"/appeals/{appeal_id}").text
    assert "138****5678" in page and PHONE not in page
    sheet = office.get(f"/appeals/{appeal_id}/lists/problem.xlsx")
    assert sheet.status_code == 200
    assert "138****5678" in str(_rows(sheet.content)) and PHONE not in str(_rows(sheet.content))
    shown = office.post(f"/appeals/{appeal_id}/reveal-phone",
                        headers={"X-CSRF-Token": csrf_token(office)})
    assert shown.status_code == 200 and PHONE in shown.text
    ent = web.page("ent_a")
    assert PHONE not in ent.get(f"/appeals/{appeal_id}").text
    with world.tx() as s:
        actions = s.scalars(select(AuditLog.action).where(
            AuditLog.subject_type == "appeals", AuditLog.subject_id == str(appeal_id))).all()
    assert actions.count("pii.reveal") == 1


def test_text_typed_like_ciphertext_is_sealed_too(world: World) -> None:
    with world.tx() as s:
        categories.create_category(s, world.office, world.clock, code="labour", name="用工招聘",
                                   sign_within_workdays=1, resolve_within_workdays=5)
    forged = "enc:1:aesgcm:k1:AAAA"
    appeal = world.do(intake.submit, world.ent_a, data=intake.AppealIn(
        category="用工招聘", title="招工难", description="缺少熟练焊工", contact_phone=forged))
    with world.engine.connect() as conn:
        raw = conn.execute(text("SELECT contact_phone FROM appeals WHERE id = :i"),
                           {"i": appeal.id}).scalar_one()
    assert raw != forged and fieldcrypt.decrypt(raw) == forged
