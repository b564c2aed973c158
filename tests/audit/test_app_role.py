"""PostgreSQL: the application's role has only INSERT and SELECT on the audit log
(`huiqi security app-role-sql`): it writes audit rows (the chain included) and does its work,
but UPDATE, DELETE, TRUNCATE of the log and dropping its triggers are refused by the server."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from huiqi import audit
from huiqi.audit import chain
from huiqi.auth.actor import Actor
from huiqi.kit.db import make_engine, unit_of_work
from huiqi.kit.migrate import migrate
from huiqi.security.repository import app_role_grants


@pytest.mark.postgres
def test_app_role_may_insert_and_select_audit_rows_only(pg_url: str) -> None:
    name, role = f"r_{uuid.uuid4().hex[:10]}", f"app_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'app-pass'"))
    owner_url = make_url(pg_url).set(database=name)
    owner = make_engine(owner_url.render_as_string(hide_password=False))
    app = None
    try:
        migrate(owner)
        with owner.begin() as conn:
            for statement in app_role_grants(conn, role):
                conn.execute(text(statement))
        app = make_engine(owner_url.set(username=role, password="app-pass")
                          .render_as_string(hide_password=False))
        with unit_of_work(app) as db:
            for i in range(3):
                audit.record(db, Actor.system("test"), "test.event", ("x", str(i)),
                             after={"i": i})
        with app.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 3
        for sql in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log",
                    "TRUNCATE audit_log",
                    "ALTER TABLE audit_log DISABLE TRIGGER ALL"):
            with pytest.raises(DBAPIError, match=r"permission denied|must be owner"), \
                    app.begin() as conn:
                conn.execute(text(sql))
        with app.begin() as conn:  # the rest of the schema is the app's to use
            conn.execute(text("DELETE FROM notifications"))
        assert chain.verify(app).ok
    finally:
        if app is not None:
            app.dispose()
        owner.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()
