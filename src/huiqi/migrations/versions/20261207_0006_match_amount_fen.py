# ruff: noqa: E501 - in the style of Alembic autogenerate
"""match_results.amount (NUMERIC yuan) becomes amount_fen (integer fen, the `Money` type), like
every other amount: SQLite's NUMERIC division had stored 33,187.38 as 33,187.

Existing rows are converted (yuan × 100); results are recomputed by the next match anyway.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 14:00:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('match_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount_fen', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
    op.execute('UPDATE match_results SET amount_fen = CAST(ROUND(amount * 100) AS BIGINT) WHERE amount IS NOT NULL')
    with op.batch_alter_table('match_results', schema=None) as batch_op:
        batch_op.drop_column('amount')


def downgrade() -> None:
    with op.batch_alter_table('match_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=True))
    op.execute('UPDATE match_results SET amount = CAST(amount_fen AS NUMERIC) / 100.0 WHERE amount_fen IS NOT NULL')
    with op.batch_alter_table('match_results', schema=None) as batch_op:
        batch_op.drop_column('amount_fen')
