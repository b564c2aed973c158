"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

import huiqi.models
from huiqi.kit.migrate import alembic_config, current_revision, migrate


def test_migrated_schema_matches_the_models(app_engine) -> None:
    with app_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, huiqi.models.metadata)
    assert diff == [], "models and migrations differ: run `alembic revision --autogenerate`"


def test_database_is_at_the_single_head(app_engine) -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"
    assert current_revision(app_engine) == heads[0]


def test_migrate_is_idempotent(app_engine) -> None:
    migrate(app_engine)
    assert set(huiqi.models.metadata.tables) <= set(inspect(app_engine).get_table_names())


@pytest.mark.parametrize("table", ["users", "user_sessions", "audit_log", "notifications",
                                   "notification_outbox", "departments", "api_tokens"])
def test_platform_tables_exist(app_engine, table: str) -> None:
    assert table in inspect(app_engine).get_table_names()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request, tmp_path):
    import uuid

    from sqlalchemy import create_engine, make_url, text

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    pg_url = request.getfixturevalue("pg_url")
    name = f"e_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_create_all_database_is_adopted(empty_db_url) -> None:
    """`create_all` (e.g. `huiqi demo-data` before any migration) then `migrate`: stamped at head,
    append-only triggers included."""
    from sqlalchemy.exc import DBAPIError

    from huiqi.kit.db import make_engine

    engine = make_engine(empty_db_url)
    try:
        huiqi.models.metadata.create_all(engine)
        migrate(engine)
        head = ScriptDirectory.from_config(alembic_config()).get_heads()[0]
        assert current_revision(engine) == head
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO audit_log (at, action) VALUES (CURRENT_TIMESTAMP, 'x')")
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM audit_log")
    finally:
        engine.dispose()


def test_a_drifted_unmanaged_database_is_refused(empty_db_url) -> None:
    from sqlalchemy import text

    from huiqi.kit.db import make_engine
    from huiqi.kit.migrate import SchemaDrift

    engine = make_engine(empty_db_url)
    try:
        huiqi.models.metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
        with pytest.raises(SchemaDrift, match="与模型不一致"):
            migrate(engine)
    finally:
        engine.dispose()
