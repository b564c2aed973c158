
"""audit_log hash chain: prev_hash and row_hash on each row, and the chain's head (audit_chain).
Rows written before this migration stay unhashed; the chain starts at the first new row.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 15:00:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): SQLite keeps the append-only triggers.
    op.add_column('audit_log', sa.Column('prev_hash', sa.String(length=64), nullable=True))
    op.add_column('audit_log', sa.Column('row_hash', sa.String(length=64), nullable=True))
    op.create_table('audit_chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=True),
    sa.Column('last_id', sa.BigInteger(), nullable=True),
    sa.Column('base_hash', sa.String(length=64), nullable=True),
    sa.Column('writes', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain'))
    )
    op.execute("INSERT INTO audit_chain (id, writes) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table('audit_chain')
    with op.batch_alter_table('audit_log') as batch_op:
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
