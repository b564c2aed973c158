"""insights: the targeting actions taken on an item's enterprises (pushes, visit tasks, fact
requests), once each.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-07 16:30:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'insight_actions',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('item_id', sa.String(length=100), nullable=False),
        sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('enterprise_uscc', sa.String(length=18), nullable=False),
        sa.Column('segment', sa.String(length=16), nullable=False),
        sa.Column('missing', sa.Text(), nullable=True),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('notified', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'item_id', 'enterprise_id',
                            name='uq_insight_actions_once'),
    )
    op.create_index('ix_insight_actions_item', 'insight_actions', ['item_id', 'kind'])
    op.create_index('ix_insight_actions_enterprise', 'insight_actions', ['enterprise_uscc'])
    op.create_index('ix_insight_actions_assignee', 'insight_actions', ['assignee_id'])


def downgrade() -> None:
    op.drop_index('ix_insight_actions_assignee', table_name='insight_actions')
    op.drop_index('ix_insight_actions_enterprise', table_name='insight_actions')
    op.drop_index('ix_insight_actions_item', table_name='insight_actions')
    op.drop_table('insight_actions')
