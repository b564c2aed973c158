"""Routes marked `read_only` read outside a transaction (no BEGIN and COMMIT round trips on
PostgreSQL) and cannot write through the request's session; a GET whose pooled connection died
(the database restarted) is answered on a new connection (huiqi.kit.reconnect)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from huiqi.auth.dependencies import CurrentUser
from huiqi.kit import web
from huiqi.kit.web import DBSession
from huiqi.models.department import Department


def _in_transaction_after_a_read(db: Session) -> bool:
    db.scalar(select(func.count()).select_from(Department))
    raw = db.connection().connection.dbapi_connection
    if db.get_bind().dialect.name == "postgresql":
        return raw.info.transaction_status != 0  # type: ignore[union-attr]  # 0: idle
    return raw.isolation_level is not None  # type: ignore[union-attr]  # None: autocommit


@pytest.fixture
def probed(app):
    router = web.router()

    @router.get("/probe/read-only")
    @web.read_only
    def reads(db: DBSession, actor: CurrentUser) -> dict[str, bool]:
        return {"in_transaction": _in_transaction_after_a_read(db)}

    @router.get("/probe/plain")
    def plain(db: DBSession, actor: CurrentUser) -> dict[str, bool]:
        return {"in_transaction": _in_transaction_after_a_read(db)}

    @router.get("/probe/read-only-writes")
    @web.read_only
    def writes(db: DBSession, actor: CurrentUser) -> dict[str, bool]:
        db.add(Department(code="ro-write", name="只读路由写入"))
        db.flush()
        return {"saved": True}

    @router.get("/probe/read-only-updates")
    @web.read_only
    def updates(db: DBSession, actor: CurrentUser) -> dict[str, bool]:
        db.execute(update(Department).values(name="只读路由更新"))
        return {"saved": True}

    app.include_router(router)
    return app


def test_a_read_only_route_reads_outside_a_transaction(probed, logged_in) -> None:
    c = logged_in("office")
    assert c.get("/probe/read-only").json() == {"in_transaction": False}
    assert c.get("/probe/plain").json() == {"in_transaction": True}  # the unit of work as ever


def test_a_read_only_route_cannot_write(probed, logged_in, app_engine) -> None:
    c = logged_in("office")
    with TestClient(probed, raise_server_exceptions=False, cookies=c.cookies) as quiet:
        assert quiet.get("/probe/read-only-writes").status_code == 500
    with app_engine.connect() as conn:
        assert not conn.scalar(select(func.count()).select_from(Department)
                               .where(Department.code == "ro-write"))


def test_a_read_only_route_cannot_write_with_a_statement(probed, logged_in, app_engine) -> None:
    """Not only through the ORM: an UPDATE executed on its session refuses too (it would
    otherwise commit at once, the session being in autocommit)."""
    c = logged_in("office")
    with TestClient(probed, raise_server_exceptions=False, cookies=c.cookies) as quiet:
        assert quiet.get("/probe/read-only-updates").status_code == 500
    with app_engine.connect() as conn:
        assert not conn.scalar(select(func.count()).select_from(Department)
                               .where(Department.name == "只读路由更新"))


def test_the_busiest_reads_are_read_only(app) -> None:
    """The notifications API, the bell (polled) and the 礼包 (page and API, the enterprise's and
    the office's view) skip the transaction; a stale 礼包 re-matches in one of its own."""
    from fastapi.routing import APIRoute

    from huiqi.matching import endpoints as pack_api
    from huiqi.matching import views as pack_pages
    from huiqi.notify import endpoints, views

    def marked(router, path: str) -> bool:
        route = next(r for r in router.routes if isinstance(r, APIRoute) and r.path == path)
        return bool(getattr(route.endpoint, "__huiqi_read_only__", False))

    assert marked(endpoints.router, "/notifications")
    assert marked(views.router, "/notifications/bell")
    assert marked(pack_api.router, "/gift-pack")
    assert marked(pack_api.router, "/gift-pack/enterprises/{uscc}")
    assert marked(pack_pages.router, "/gift-pack")
    assert marked(pack_pages.router, "/gift-pack/enterprises/{uscc}")


def test_a_get_is_answered_after_the_database_cut_its_connections(
    app, app_db_url, logged_in
) -> None:
    """As after a PostgreSQL restart: every pooled connection is dead. The engine does not ping
    before each use; the first GET to meet a dead connection is answered once more on a new one."""
    if not app_db_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to lose")
    c = logged_in("office")
    for _ in range(3):  # several pooled connections in use and back in the pool
        assert c.get("/probe/none").status_code == 404
        assert c.get("/notifications").status_code == 200
    admin = create_engine(app_db_url, poolclass=NullPool)
    with admin.connect() as conn:
        cut = conn.scalar(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    admin.dispose()
    assert cut
    for _ in range(3):
        assert c.get("/notifications").status_code == 200
        assert c.get("/notifications/bell").status_code == 200
