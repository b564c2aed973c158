"""The personal-information data dictionary (security/pi_dictionary.yaml) against the schema:
every column that looks personal is in it with purpose, legal basis and retention; every entry
names a real column; `encrypted` says what the column type does. And the anonymisation job that
applies its retention rules (huiqi security anonymise, the scheduled tick)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import select, text

import huiqi.models
from huiqi.kit.clock import FixedClock
from huiqi.models.appeal import Appeal
from huiqi.models.appeal_category import AppealCategory
from huiqi.models.audit import AuditLog
from huiqi.models.types import EncryptedString
from huiqi.models.user import User
from huiqi.security import anonymise, pi_dictionary, tasks
from huiqi.security.repository import ALSO_SEALED
from tests.grants.conftest import World

PERSONAL = re.compile(
    r"phone|mobile|(^|_)tel$|bank_account|account_name|id_number|id_card|idcard|id_no$|"
    r"contact_name|email|address|rater_name|staff_name|staff_no|display_name|username|"
    r"user_name|people_met|(^|_)ip$|user_agent|password|totp|recovery|cert_no|legal_rep|"
    r"birth|gender|passport|wechat|openid|person")
NOT_PERSONAL = re.compile(r"_at$|_step$")  # when a password changed, a TOTP step counter
PERSON_TABLES = {"users", "sv_officers"}  # tables whose rows are people: `name` is a person's


def looks_personal(table: sa.Table, column: sa.Column[object]) -> bool:
    if NOT_PERSONAL.search(column.name):
        return False
    return bool(PERSONAL.search(column.name)) or isinstance(column.type, EncryptedString) or (
        table.name in PERSON_TABLES and column.name == "name")


def _entries() -> dict[tuple[str, str], pi_dictionary.Entry]:
    return {(e.table, e.column): e for e in pi_dictionary.entries()}


def test_every_personal_looking_column_is_in_the_dictionary() -> None:
    known = _entries()
    missing = [f"{t.name}.{c.name}" for t in huiqi.models.metadata.sorted_tables
               for c in t.columns if looks_personal(t, c) and (t.name, c.name) not in known]
    assert missing == [], f"add these columns to security/pi_dictionary.yaml: {missing}"


def test_the_scan_catches_a_new_personal_column() -> None:
    meta = sa.MetaData()
    t = sa.Table("visits", meta, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("guest_mobile", sa.String(20)), sa.Column("title", sa.String(20)),
                 sa.Column("id_number", sa.String(18)), sa.Column("note", EncryptedString()))
    assert [c.name for c in t.columns if looks_personal(t, c)] == [
        "guest_mobile", "id_number", "note"]


def test_every_entry_is_complete_and_names_a_real_column() -> None:
    tables = huiqi.models.metadata.tables
    for (name, column), e in _entries().items():
        assert name in tables and column in tables[name].c, f"{name}.{column} does not exist"
        assert e.purpose and e.legal_basis and e.retention and e.masking
        sealed = isinstance(tables[name].c[column].type, EncryptedString) or \
            (name, column) in ALSO_SEALED
        assert e.encrypted == sealed, f"{name}.{column}: encrypted should be {sealed}"
        if e.anonymise:
            assert e.anonymise.after in tables[name].c
            assert all(k in tables[name].c for k, _ in e.anonymise.where)
            assert e.anonymise.to is not None or tables[name].c[column].nullable
    sensitive = {k for k, e in _entries().items() if e.category == "敏感"}
    assert ("grant_applications", "bank_account") in sensitive  # PIPL art 28: 金融账户


def test_a_broken_entry_is_refused() -> None:
    with pytest.raises(ValueError, match="missing"):
        pi_dictionary._entry({"table": "t", "column": "c", "category": "一般", "purpose": "",
                              "legal_basis": "x", "retention": "x", "clear_to": [],
                              "masking": "x", "encrypted": False})


def test_months_before_is_calendar_months_in_beijing() -> None:
    now = datetime(2026, 3, 31, 1, 0, tzinfo=UTC)  # 31 March 09:00 in Beijing
    assert anonymise.months_before(now, 1).date().isoformat() == "2026-02-28"
    assert anonymise.months_before(now, 36).date().isoformat() == "2023-03-31"


NOW = datetime(2029, 6, 10, 2, 0, tzinfo=UTC)


def _appeal(n: int, closed_at: datetime | None) -> Appeal:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    return Appeal(enterprise_uscc="x", enterprise_name="企业", category_id=1,
                  category_name="其他", title=f"诉求{n}", description="内容", source="web",
                  via="web", status="closed" if closed_at else "dispatched", submitted_at=at,
                  updated_at=at, closed_at=closed_at, contact_name=f"张{n}",
                  contact_phone=f"1380000000{n}", address=f"某路{n}号")


def test_anonymisation_past_retention_only(world: World) -> None:
    old, recent = datetime(2026, 6, 9, tzinfo=UTC), datetime(2026, 6, 11, tzinfo=UTC)
    with world.tx() as s:
        users = [User(username=f"gone{i}", display_name=f"李{i}", role="enterprise",
                      password_hash="!", is_active=active, last_login_at=at)
                 for i, (active, at) in enumerate([(False, old), (False, recent), (True, old)])]
        s.add(AppealCategory(id=1, code="other", name="其他", sign_within_workdays=1,
                             resolve_within_workdays=5, updated_at=old))
        s.add_all(users)
        s.flush()
        s.add_all([_appeal(1, old), _appeal(2, recent), _appeal(3, None)])
        ids = [u.id for u in users]
    result = world.do(tasks.tick, clock=FixedClock(NOW))
    assert result["personal_data_anonymised"] == 2 + 3  # one user (2 columns), one appeal (3)
    with world.tx() as s:
        got = {u.id: (u.username, u.display_name) for u in s.scalars(
            select(User).where(User.id.in_(ids)))}
        appeals = [(a.contact_name, a.contact_phone, a.address)
                   for a in s.scalars(select(Appeal).order_by(Appeal.id))]
        raw = s.execute(text("SELECT contact_phone FROM appeals ORDER BY id")).scalars().all()
        rows = list(s.scalars(select(AuditLog).where(AuditLog.action == "security.anonymise")))
    assert got == {ids[0]: (f"deleted-{ids[0]}", "已注销用户"), ids[1]: ("gone1", "李1"),
                   ids[2]: ("gone2", "李2")}
    assert appeals == [("（已匿名）", None, None), ("张2", "13800000002", "某路2号"),
                       ("张3", "13800000003", "某路3号")]
    assert raw[0] is None and str(raw[1]).startswith("enc:")
    assert len(rows) == 1 and rows[0].after == {"users.username": 1, "users.display_name": 1,
                                                "appeals.contact_name": 1,
                                                "appeals.contact_phone": 1, "appeals.address": 1}
    again = world.do(tasks.tick, clock=FixedClock(NOW))
    assert again["personal_data_anonymised"] == 0
