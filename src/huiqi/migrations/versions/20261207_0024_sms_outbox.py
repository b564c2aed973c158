"""notify: the outbox carries SMS (a phone recipient, its digest for rate limits); a
notification sent only by SMS belongs to no account.

Revision ID: 0024
Revises: 0019
Create Date: 2026-12-07 20:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: str | Sequence[str] | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notification_outbox') as batch:
        batch.add_column(sa.Column('recipient', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('recipient_digest', sa.String(length=64), nullable=True))
        batch.create_index('ix_notification_outbox_recipient_digest', ['recipient_digest'])
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_user_id_nullable()
        return
    with op.batch_alter_table('notifications') as batch:
        batch.alter_column('user_id', existing_type=sa.Integer(), nullable=True)


def _sqlite_user_id_nullable() -> None:
    """SQLite: drop NOT NULL from the declaration only (as 0013 widens columns). Batch mode
    would rebuild `notifications`, and dropping the old table with foreign keys on deletes every
    outbox row by ON DELETE CASCADE (tests/web/test_migration_populated.py)."""
    import re

    conn = op.get_bind()
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar_one()
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND "
                               "name = 'notifications'").scalar_one()
    relaxed, count = re.subn(r'(\buser_id"?\s+INTEGER)\s+NOT NULL', r"\g<1>", sql)
    if count != 1:
        raise RuntimeError(f"notifications.user_id NOT NULL not found in {sql!r}")
    conn.exec_driver_sql("PRAGMA writable_schema=ON")
    conn.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND "
                         "name = 'notifications'", (relaxed,))
    conn.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema=OFF")


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE user_id IS NULL")
    with op.batch_alter_table('notifications') as batch:
        batch.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('notification_outbox') as batch:
        batch.drop_index('ix_notification_outbox_recipient_digest')
        batch.drop_column('recipient_digest')
        batch.drop_column('recipient')
