"""liaison: covering indexes of liaison_members in the GROUP BY order of the rates (every
enterprise by street; the tiers' members by official), so the rates page reads two indexes
instead of scanning and sorting the table three times.

Revision ID: 0116
Revises: 0023
Create Date: 2026-12-07 23:10:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0116'
down_revision: str | Sequence[str] | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGS = ['assigned', 'eligible', 'benefited', 'last_contact', 'last_told', 'last_opened']


def upgrade() -> None:
    op.drop_index('ix_liaison_members_street', table_name='liaison_members')
    op.create_index('ix_liaison_members_street', 'liaison_members',
                    ['tier_id', 'street', *FLAGS])
    op.create_index('ix_liaison_members_official', 'liaison_members',
                    ['tier_id', 'user_id', *FLAGS])


def downgrade() -> None:
    op.drop_index('ix_liaison_members_official', table_name='liaison_members')
    op.drop_index('ix_liaison_members_street', table_name='liaison_members')
    op.create_index('ix_liaison_members_street', 'liaison_members', ['tier_id', 'street'])
