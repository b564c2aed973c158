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
    with op.batch_alter_table('notifications') as batch:
        batch.alter_column('user_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE user_id IS NULL")
    with op.batch_alter_table('notifications') as batch:
        batch.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('notification_outbox') as batch:
        batch.drop_index('ix_notification_outbox_recipient_digest')
        batch.drop_column('recipient_digest')
        batch.drop_column('recipient')
