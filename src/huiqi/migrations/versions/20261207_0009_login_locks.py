# ruff: noqa: E501 - in the style of Alembic autogenerate
"""login_locks: failed logins and lockouts per account and source; the account-wide lock columns
on users go (a lock there ended the owner's sessions and let anyone keep them out).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 13:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('login_locks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.JSON(), nullable=True),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lock_count', sa.Integer(), nullable=False),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_locks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_locks')),
    sa.UniqueConstraint('user_id', 'source', name=op.f('uq_login_locks_user_id'))
    )
    op.create_index(op.f('ix_login_locks_user_id'), 'login_locks', ['user_id'], unique=False)
    _drop_user_columns('recent_failures', 'locked_until')


def _drop_user_columns(*names: str) -> None:
    """SQLite: its own ALTER TABLE … DROP COLUMN (3.35+). Batch mode would rebuild `users`, and
    dropping the old table with foreign keys on deletes every row that references a user by ON
    DELETE CASCADE (sessions, API tokens…) or nulls it by SET NULL, silently, on a populated
    database (tests/web/test_migration_populated.py)."""
    if op.get_bind().dialect.name == "sqlite":
        for name in names:
            op.execute(f'ALTER TABLE users DROP COLUMN "{name}"')
        return
    with op.batch_alter_table('users') as batch_op:
        for name in names:
            batch_op.drop_column(name)


def downgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('recent_failures', sa.JSON(), nullable=True))
    op.drop_index(op.f('ix_login_locks_user_id'), table_name='login_locks')
    op.drop_table('login_locks')
