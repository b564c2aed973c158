"""The request's session commits when the route returns and rolls back when it raises."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from sqlalchemy import event, func, select

from huiqi.auth.dependencies import OfficeUser
from huiqi.kit.errors import Conflict
from huiqi.kit.web import DBSession
from huiqi.models.department import Department
from tests.fixtures.web import csrf_token


@pytest.fixture
def probed(app):
    router = APIRouter()

    @router.post("/probe/departments/{code}")
    def create(db: DBSession, actor: OfficeUser, code: str, fail: bool = False) -> dict[str, int]:
        dept = Department(code=code, name=f"部门{code}")
        db.add(dept)
        db.flush()  # services flush at most; the unit of work commits
        if fail:
            raise Conflict("失败")
        return {"id": dept.id}

    app.include_router(router)
    return app


def _exists(engine, code: str) -> bool:
    with engine.connect() as conn:
        return bool(conn.scalar(select(func.count()).select_from(Department)
                                .where(Department.code == code)))


def test_commit_before_the_response_is_sent(probed, logged_in, app_engine) -> None:
    c = logged_in("office")
    response = c.post("/probe/departments/uow-ok", headers={"X-CSRF-Token": csrf_token(c)})
    assert response.status_code == 200
    assert _exists(app_engine, "uow-ok")


def test_rollback_on_a_domain_error(probed, logged_in, app_engine) -> None:
    c = logged_in("office")
    response = c.post("/probe/departments/uow-fail?fail=true",
                      headers={"X-CSRF-Token": csrf_token(c)})
    assert response.status_code == 409
    assert not _exists(app_engine, "uow-fail")


def test_a_failing_commit_is_an_error_not_a_success(probed, logged_in, app, app_engine) -> None:
    """The commit runs before the response goes out: if it fails, the client sees the failure."""
    from fastapi.testclient import TestClient

    router = APIRouter()

    @router.post("/probe/commit-fails")
    def commit_fails(db: DBSession, actor: OfficeUser) -> dict[str, bool]:
        db.add(Department(code="uow-commit", name="提交失败"))

        def boom(session: object) -> None:
            raise RuntimeError("disk full")

        event.listen(db, "before_commit", boom, once=True)
        return {"saved": True}

    app.include_router(router)
    c = logged_in("office")
    with TestClient(app, raise_server_exceptions=False, cookies=c.cookies) as quiet:
        response = quiet.post("/probe/commit-fails", headers={"X-CSRF-Token": csrf_token(c)})
    assert response.status_code == 500
    assert not _exists(app_engine, "uow-commit")
