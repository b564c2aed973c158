# ruff: noqa: E501 - in the style of Alembic autogenerate
"""match_versions: a per-enterprise counter of match result writes (the 政策礼包 cache key);
an enterprise without a row reads as version 0, so existing results need no backfill.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:00:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('match_versions',
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_match_versions_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enterprise_id', name=op.f('pk_match_versions'))
    )


def downgrade() -> None:
    op.drop_table('match_versions')
