"""The auditor's log page: filters, pagination, Excel export."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.db import unit_of_work
from huiqi.models.user import Role


@pytest.fixture(scope="module")
def seeded(app_engine) -> str:
    """Audit rows of one made-up actor: 30 grant approvals and two around Beijing midnight."""
    who = Actor(user_id=None, username="seed-handler", display_name="经办", role=Role.DEPARTMENT,
                ip="192.0.2.8")
    with unit_of_work(app_engine) as db:
        for i in range(30):
            audit.record(db, who, "grant.approve", ("grant_applications", i),
                         before={"status": "submitted"}, after={"status": "approved"},
                         at=datetime(2025, 5, 10, 2, i, tzinfo=UTC))
        # 2025-05-31 23:30 and 2025-06-01 00:30 in Beijing.
        audit.record(db, who, "grant.reject", ("grant_applications", 100),
                     at=datetime(2025, 5, 31, 15, 30, tzinfo=UTC))
        audit.record(db, who, "grant.reject", ("grant_applications", 101),
                     after={"reason": "=HYPERLINK(\"http://evil\")"},
                     at=datetime(2025, 5, 31, 16, 30, tzinfo=UTC))
    return who.username


def _rows(html: str) -> int:
    return html.count("<tr>") - 1  # minus the header row


def test_filter_by_actor_and_action_prefix(logged_in, seeded) -> None:
    c = logged_in("auditor")
    page = c.get("/audit", params={"actor": "SEED-hand", "action": "grant.rej"})
    assert page.status_code == 200
    assert _rows(page.text) == 2 and '<a href="/grants/applications/101">#101</a>' in page.text
    body = page.text.split("<tbody>")[1]
    assert "驳回" in body and "审核通过" not in body and "grant." not in body


def test_filter_by_subject(logged_in, seeded) -> None:
    c = logged_in("auditor")
    page = c.get("/audit", params={"subject_type": "grant_applications", "subject_id": "7"})
    assert _rows(page.text) == 1 and "/grants/applications/7" in page.text
    assert "申报" in page.text.split("<tbody>")[1]


def test_dates_are_beijing_calendar_days(logged_in, seeded) -> None:
    c = logged_in("auditor")
    june_first = c.get("/audit", params={"actor": seeded, "date_from": "2025-06-01",
                                         "date_to": "2025-06-01"})
    assert _rows(june_first.text) == 1 and "#101" in june_first.text
    assert "2025-06-01 00:30:00" in june_first.text  # shown in Beijing time


def test_bad_date_gets_a_clear_message(logged_in) -> None:
    page = logged_in("auditor").get("/audit", params={"date_from": "2025-13-01"})
    assert page.status_code == 422 and "2025-06-01 的格式" in page.text
    reversed_range = logged_in("auditor").get(
        "/audit", params={"date_from": "2025-06-02", "date_to": "2025-06-01"})
    assert reversed_range.status_code == 422 and "不能晚于" in reversed_range.text


def test_pagination_keeps_the_filters(logged_in, seeded) -> None:
    c = logged_in("auditor")
    first = c.get("/audit", params={"actor": seeded, "action": "grant.approve", "per_page": 20})
    assert _rows(first.text) == 20 and "第 1 / 2 页，共 30 条" in first.text
    assert "action=grant.approve&amp;actor=seed-handler&amp;page=2" in first.text
    second = c.get("/audit", params={"actor": seeded, "action": "grant.approve", "page": 2,
                                     "per_page": 20})
    assert _rows(second.text) == 10


def test_excel_export_matches_the_filters_and_is_audited(logged_in, seeded) -> None:
    c = logged_in("auditor")
    response = c.get("/audit/export.xlsx", params={"actor": seeded, "action": "grant.reject"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "filename*=UTF-8''%E5%AE%A1%E8%AE%A1" in response.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "时间（北京时间）" and len(rows) == 3
    newest = rows[1]
    assert newest[0] == datetime(2025, 6, 1, 0, 30)  # Beijing wall time
    assert newest[4] == "驳回" and newest[5] == "申报" and newest[6] == "101"
    assert newest[7].startswith('理由：=HYPERLINK')  # text, not a formula
    exported = c.get("/audit", params={"actor": c.creds.username, "action": "audit.export"})
    assert _rows(exported.text) == 1


def test_changes_are_field_by_field_chinese(logged_in, seeded) -> None:
    page = logged_in("auditor").get("/audit", params={"actor": seeded, "subject_id": "3"}).text
    body = page.split("<tbody>")[1]
    assert "状态" in body and "<del>待受理</del> → <ins>已批准·待兑现</ins>" in body
    assert "seed-handler" in body and "部门经办人" in body
    assert "submitted" not in body and "approved" not in body


def test_labels_never_show_a_code() -> None:
    from huiqi.audit import labels

    assert labels.action_label("appeal.something_new") == "诉求操作"
    assert labels.action_label("zzz.unknown") == "其他操作"
    assert labels.subject_label("users") == labels.subject_label("user") == "账号"
    assert labels.changes({"is_active": True}, {"is_active": False}) == [("启用", "是", "否")]
    assert labels.changes(None, {"loan_amount": 5, "ip": None}) == [
        ("贷款金额", "", "5"), ("来源 IP", "", "—")]


def test_export_is_for_auditors_only(logged_in) -> None:
    assert logged_in("office").get("/audit/export.xlsx").status_code == 404


def test_api_lists_the_log_for_auditors(client, logged_in, seeded, app_engine, clock) -> None:
    from huiqi.auth import service

    auditor = logged_in("auditor")
    with unit_of_work(app_engine) as db:
        _, secret = service.create_api_token(
            db, Actor(auditor.creds.id, auditor.creds.username, "", Role.AUDITOR), clock, "t")
    response = client.get("/api/v1/audit", params={"actor": seeded, "action": "grant.reject"},
                          headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2 and body["items"][0]["subject_id"] == "101"
