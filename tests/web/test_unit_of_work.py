"""The request's session commits when the route returns and rolls back when it raises: both for
the domains' routers (the endpoint's own thread commits: huiqi.kit.web.UnitOfWorkRoute) and a
plain APIRouter (the session dependency commits as it exits)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import APIRouter
from sqlalchemy import event, func, select

from huiqi.auth.dependencies import OfficeUser
from huiqi.kit import web
from huiqi.kit.errors import Conflict
from huiqi.kit.web import DBSession
from huiqi.models.department import Department
from tests.fixtures.web import csrf_token

ROUTERS = {"uow": lambda: web.router(), "plain": lambda: APIRouter()}


@pytest.fixture(params=ROUTERS)
def make_router(request):
    return ROUTERS[request.param]


@pytest.fixture
def tag(make_router) -> str:  # the database outlives one parametrisation: distinct codes
    return next(k for k, v in ROUTERS.items() if v is make_router)


@pytest.fixture
def probed(app, make_router):
    router = make_router()

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


def test_commit_before_the_response_is_sent(probed, tag, logged_in, app_engine) -> None:
    c = logged_in("office")
    response = c.post(f"/probe/departments/ok-{tag}", headers={"X-CSRF-Token": csrf_token(c)})
    assert response.status_code == 200
    assert _exists(app_engine, f"ok-{tag}")


def test_rollback_on_a_domain_error(probed, tag, logged_in, app_engine) -> None:
    c = logged_in("office")
    response = c.post(f"/probe/departments/fail-{tag}?fail=true",
                      headers={"X-CSRF-Token": csrf_token(c)})
    assert response.status_code == 409
    assert not _exists(app_engine, f"fail-{tag}")


def test_a_failing_commit_is_an_error_not_a_success(
    make_router, logged_in, app, app_engine
) -> None:
    """The commit runs before the response goes out: if it fails, the client sees the failure."""
    from fastapi.testclient import TestClient

    router = make_router()

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


def test_every_domain_route_commits_in_its_own_hop(app) -> None:
    from fastapi.routing import APIRoute

    def routes(found):
        for route in found:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from routes(inner.routes)
            elif isinstance(route, APIRoute):
                yield route

    plain = [r.path for r in routes(app.router.routes) if not isinstance(r, web.UnitOfWorkRoute)]
    assert plain == [], "routers should be made with huiqi.kit.web.router()"


def test_domain_routes_commit_without_another_hop(app, logged_in, app_engine,
                                                 monkeypatch) -> None:
    """The point of UnitOfWorkRoute: the endpoint's thread commits, and the session dependency
    needs no thread-pool hop of its own to finish."""
    from anyio import to_thread

    hops: list[str] = []

    async def counted(func, *args, **kwargs):  # type: ignore[no-untyped-def]
        hops.append(func.__name__)
        return await to_thread.run_sync(func, *args, **kwargs)

    monkeypatch.setattr(web, "to_thread", SimpleNamespace(run_sync=counted))
    router = web.router()

    @router.post("/probe/commit-hop")
    def probe(db: DBSession, actor: OfficeUser) -> dict[str, bool]:
        db.add(Department(code="one-hop", name="一次"))
        return {"saved": True}

    app.include_router(router)
    c = logged_in("office")
    headers = {"X-CSRF-Token": csrf_token(c)}
    hops.clear()
    assert c.post("/probe/commit-hop", headers=headers).json()
    assert _exists(app_engine, "one-hop")
    assert "finish" not in hops
