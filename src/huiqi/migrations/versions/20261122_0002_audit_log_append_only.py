"""audit_log append-only: triggers refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL)

The same statements are attached to the table for create_all in huiqi.models.audit; they are
copied here so this migration never changes when the model module does.

Note for later SQLite migrations: a batch_alter_table on audit_log recreates the table and drops
these triggers; such a migration must create them again.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$""",
    """CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
]
DROP_SQLITE = ["DROP TRIGGER IF EXISTS audit_log_no_update",
               "DROP TRIGGER IF EXISTS audit_log_no_delete"]
DROP_POSTGRES = ["DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
                 "DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log",
                 "DROP FUNCTION IF EXISTS audit_log_append_only()"]


def _run(sqlite: list[str], postgres: list[str]) -> None:
    dialect = op.get_bind().dialect.name
    for statement in sqlite if dialect == "sqlite" else postgres if dialect == "postgresql" else []:
        op.execute(statement)


def upgrade() -> None:
    _run(SQLITE, POSTGRES)


def downgrade() -> None:
    _run(DROP_SQLITE, DROP_POSTGRES)
