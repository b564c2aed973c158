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
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('recent_failures')
        batch_op.drop_column('locked_until')


def downgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('recent_failures', sa.JSON(), nullable=True))
    op.drop_index(op.f('ix_login_locks_user_id'), table_name='login_locks')
    op.drop_table('login_locks')
