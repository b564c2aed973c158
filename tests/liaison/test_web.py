"""The liaison pages over HTTP: an official logs a visit (policies from the 礼包, a missing fact
collected → eligible and notified, a problem → an appeal with source 包联走访, a photo); a visit
for an enterprise not assigned is 404; the office's import reports bad rows; rates and Excel."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import Engine, select

from huiqi.kit.db import unit_of_work
from huiqi.models.appeal import Appeal
from huiqi.models.appeal_category import AppealCategory
from huiqi.models.liaison import LiaisonContact, LiaisonPhoto
from huiqi.models.notification import Notification
from huiqi.registry import service as registry
from tests.fixtures.web import csrf_token
from tests.liaison.worlds import OFFICE


def _png() -> bytes:
    """A valid 1×1 PNG (chunks with their CRCs: the upload check reads the whole structure)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


PNG = _png()


def _category(app_engine: Engine, clock: Any) -> str:
    with unit_of_work(app_engine) as db:
        if db.scalar(select(AppealCategory.id).where(AppealCategory.code == "policy")) is None:
            db.add(AppealCategory(code="policy", name="政策咨询", sign_within_workdays=1,
                                  resolve_within_workdays=5, active=True,
                                  usual_departments=[], updated_at=clock.now()))
    return "policy"


def test_official_logs_a_visit(app_engine: Engine, logged_in: Callable[..., Any],
                               make_user: Callable[..., Any], register: Callable[..., str],
                               clock: Any) -> None:
    from huiqi.liaison import service

    uscc, other = register(rents_state_property=True), register()
    ent_user = make_user("enterprise", enterprise_uscc=uscc)
    liaison = logged_in("liaison")
    category = _category(app_engine, clock)
    with unit_of_work(app_engine) as db:
        service.save_tier(db, OFFICE, clock, code="grid", name="全部市场主体",
                          official_label="网格专员", rule="TRUE", stale_days=30)
        service.assign(db, OFFICE, clock, uscc=uscc, official=liaison.creds.username,
                       tier="grid")
    assert liaison.get(f"/liaison/enterprises/{other}/visit").status_code == 404
    page = liaison.get(f"/liaison/enterprises/{uscc}/visit")
    assert page.status_code == 200
    assert 'name="fact_monthly_rent"' in page.text  # the 礼包 needs the rent: collect it
    assert 'name="fact_unemployment_insurance_paid"' in page.text  # and this decides eligibility
    assert 'name="policies"' in page.text
    with unit_of_work(app_engine) as db:
        ent = service.access_enterprise(db, OFFICE, uscc)
        offer = list(service.offered(service.pack_for(db, clock, None, ent)))
    today = clock.today_local().isoformat()
    data = {"csrf_token": csrf_token(liaison), "channel": "visit", "contacted_on": today,
            "people_met": "李经理", "topics": "房租减免", "policies": offer[:2],
            "fact_monthly_rent": "8000", "fact_unemployment_insurance_paid": "20000",
            "problems": "厂房漏水，需协调产权单位维修",
            "raise_appeal": "1", "appeal_category": category, "materials": "2", "cards": "1"}
    bad = liaison.post(f"/liaison/enterprises/{uscc}/visit",
                       data={**data, "fact_monthly_rent": "八千"})
    assert bad.status_code == 422 and "月租金" in bad.text and "八千" in bad.text
    ok = liaison.post(f"/liaison/enterprises/{uscc}/visit", data=data,
                      files=[("photos", ("现场.png", PNG, "image/png"))])
    assert ok.status_code == 303, ok.text
    with unit_of_work(app_engine) as db:
        contact = db.scalar(select(LiaisonContact).where(LiaisonContact.enterprise_uscc == uscc))
        assert contact.policy_count == len(offer[:2]) and contact.materials == 2
        appeal = db.get(Appeal, contact.appeal_id)
        assert appeal.source == "liaison_visit" and "漏水" in appeal.description
        assert registry.get_by_uscc(db, uscc).monthly_rent == 8000
        assert db.scalar(select(LiaisonPhoto.id).where(LiaisonPhoto.contact_id == contact.id))
        notes = db.scalars(select(Notification.body).where(
            Notification.user_id == ent_user.id)).all()
        assert any("新增可享受" in n for n in notes)
    ledger = liaison.get(f"/liaison/enterprises/{uscc}")
    assert "李经理" in ledger.text and f"诉求 #{contact.appeal_id}" in ledger.text
    home = liaison.get("/liaison")
    assert uscc in home.text
    photo_id = ledger.text.split("/liaison/photos/")[1].split('"')[0]
    assert liaison.get(f"/liaison/photos/{photo_id}").content == PNG


def test_office_pages_and_import(app_engine: Engine, logged_in: Callable[..., Any],
                                 register: Callable[..., str], clock: Any) -> None:
    from huiqi.kit.excel import workbook_bytes

    office = logged_in("office")
    liaison = logged_in("liaison")
    good = register(high_tech=True, street="观音桥街道")
    token = csrf_token(office)
    saved = office.post("/liaison/tiers", data={
        "csrf_token": token, "code": "key", "name": "重点企业", "official_label": "区领导",
        "rule": "high_tech", "stale_days": "30"})
    assert saved.status_code == 303
    refused = office.post("/liaison/tiers", data={
        "csrf_token": token, "code": "bad", "name": "x", "rule": "revenue >", "stale_days": "30"})
    assert refused.status_code == 422 and "revenue &gt;" in refused.text
    bad = good[:-1] + ("1" if good[-1] == "0" else "0")  # a wrong check character, always
    book = workbook_bytes("名单", ["统一社会信用代码", "包联干部账号", "层级代码"], [
        [good, liaison.creds.username, "key"], [bad, liaison.creds.username, "key"],
        [good, "ghost", "key"]])
    imported = office.post("/liaison/assignments/import", data={"csrf_token": token},
                           files={"file": ("名单.xlsx", book)})
    assert imported.status_code == 422
    assert "导入 1 行" in imported.text
    assert "第 3 行" in imported.text and "第 4 行" in imported.text
    assert "invalid_uscc</code>" in imported.text and "unknown_official</code>" in imported.text
    for url in ("/liaison/tiers", "/liaison/assignments", "/liaison/coverage", "/liaison/rates",
                "/liaison/campaigns", f"/liaison/officials/{liaison.creds.id}"):
        assert office.get(url).status_code == 200, url
    xlsx = office.get("/liaison/rates.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content))["按层级"]
    assert [c.value for c in sheet[1]][:2] == ["范围", "企业数"]
    assert "重点企业" in [c.value for c in sheet["A"]]
    assert liaison.get("/liaison/rates").status_code == 404
    assert liaison.get("/liaison/assignments").status_code == 404
    created = office.post("/liaison/campaigns", data={
        "csrf_token": token, "name": "百千万走访周", "starts_on": "2025-06-01",
        "ends_on": "2025-06-07", "tier_id": "", "targets": good})
    assert created.status_code == 303
    assert "百千万走访周" in office.get("/liaison/campaigns").text
