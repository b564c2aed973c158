"""audit.record writes in the caller's transaction, and the log cannot be changed afterwards."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fastapi import APIRouter
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import OfficeUser
from huiqi.kit.db import unit_of_work
from huiqi.kit.errors import Conflict
from huiqi.kit.web import DBSession
from huiqi.models.audit import AuditLog
from huiqi.models.department import Department
from tests.fixtures.web import csrf_token

ACTOR = Actor(user_id=7, username="wang", display_name="王", role=None, ip="10.1.2.3",
              via="system")


def _count(engine, action: str) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(AuditLog)
                           .where(AuditLog.action == action)) or 0


def test_record_is_committed_with_the_change(app_engine) -> None:
    with unit_of_work(app_engine) as db:
        dept = Department(code="jxw-rec", name="经信委-rec")
        db.add(dept)
        row = audit.record(db, ACTOR, "department.create", dept,
                           after={"budget": Decimal("1234.50"), "on": date(2025, 6, 1)})
        assert row.subject_id is not None  # the new subject was flushed to get its id
    with app_engine.connect() as conn:
        saved = conn.execute(select(AuditLog).where(AuditLog.id == row.id)).one()
    assert saved.subject_type == "departments" and saved.subject_id == str(dept.id)
    assert saved.after == {"budget": "1234.50", "on": "2025-06-01"}
    assert saved.actor_username == "wang" and saved.source_ip == "10.1.2.3"
    assert saved.actor_role == "system"


def test_rolled_back_change_leaves_no_audit_row(app_engine) -> None:
    with pytest.raises(RuntimeError), unit_of_work(app_engine) as db:
        db.add(Department(code="rollback", name="回滚部门"))
        audit.record(db, ACTOR, "test.rolled_back", ("departments", "x"))
        raise RuntimeError("the change fails after the audit row was added")
    assert _count(app_engine, "test.rolled_back") == 0
    with app_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Department)
                           .where(Department.code == "rollback")) == 0


def test_request_that_fails_writes_no_audit_row(app, logged_in, app_engine) -> None:
    router = APIRouter()

    @router.post("/probe/audited")
    def audited(db: DBSession, actor: OfficeUser, fail: bool = False) -> dict[str, bool]:
        audit.record(db, actor, "probe.audited", ("probe", 1), before={"s": "a"}, after={"s": "b"})
        if fail:
            raise Conflict("状态已变化，请刷新后重试。")
        return {"ok": True}

    app.include_router(router)
    c = logged_in("office")
    headers = {"X-CSRF-Token": csrf_token(c)}
    failed = c.post("/probe/audited?fail=true", headers=headers)
    assert failed.status_code == 409
    assert _count(app_engine, "probe.audited") == 0
    assert c.post("/probe/audited", headers=headers).status_code == 200
    with app_engine.connect() as conn:
        row = conn.execute(select(AuditLog).where(AuditLog.action == "probe.audited")).one()
    assert row.actor_username == c.creds.username and row.actor_role == "office"
    assert row.source_ip == "testclient"
    assert (row.before, row.after) == ({"s": "a"}, {"s": "b"})


@pytest.mark.parametrize("statement", [
    update(AuditLog).values(action="tampered"),
    delete(AuditLog),
])
def test_database_refuses_update_and_delete(app_engine, statement) -> None:
    with unit_of_work(app_engine) as db:
        audit.record(db, ACTOR, "test.immutable", None)
    with pytest.raises(DBAPIError, match="append-only"), app_engine.begin() as conn:
        conn.execute(statement)
    assert _count(app_engine, "test.immutable") >= 1
    assert _count(app_engine, "tampered") == 0


def test_postgres_refuses_truncate(app_engine) -> None:
    if app_engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    with pytest.raises(DBAPIError, match="append-only"), app_engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_log"))


def test_time_is_stored_in_utc_and_read_back_aware(app_engine) -> None:
    at = datetime(2025, 6, 1, 16, 30, tzinfo=UTC)  # 2025-06-02 00:30 in Beijing
    with unit_of_work(app_engine) as db:
        row = audit.record(db, ACTOR, "test.time", None, at=at)
    with unit_of_work(app_engine) as db:
        saved = db.get(AuditLog, row.id)
        assert saved is not None and saved.at == at and saved.at.tzinfo is not None


def test_snapshot_and_jsonable() -> None:
    class Obj:
        status, amount, when = "approved", Decimal("10.00"), datetime(2025, 6, 1, tzinfo=UTC)

    assert audit.snapshot(Obj(), "status", "amount", "when") == {
        "status": "approved", "amount": "10.00", "when": "2025-06-01T00:00:00+00:00"}
    assert audit.jsonable({"s": {2, 1}, "t": (1, "a")}) == {"s": [1, 2], "t": [1, "a"]}


def test_bad_subject_is_a_programming_error(app_engine) -> None:
    with pytest.raises(TypeError), unit_of_work(app_engine) as db:
        audit.record(db, ACTOR, "test.bad", object())
