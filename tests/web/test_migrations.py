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
