"""matching: stored results keep only what is read (eligible, undecided, near misses); each
enterprise's `match_versions` row gets the stamp that makes an absent pair mean "not eligible":
the policy date and the key of the items it was matched against, and when. The index on
`eligible` (three values) becomes a partial index of the eligible pairs by item.

Existing plain "not eligible" rows are dropped and every stamp starts empty, so each 政策礼包
re-matches its enterprise once (as after a publication) and the next publication writes all.

Revision ID: 0118
Revises: 0116
Create Date: 2026-12-08 02:00:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0118'
down_revision: str | Sequence[str] | None = '0116'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('match_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('as_of', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('items_key', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('matched_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("DELETE FROM match_results WHERE eligible = false AND near_miss = false")
    op.drop_index('ix_match_results_eligible', table_name='match_results')
    op.create_index('ix_match_results_eligible_items', 'match_results',
                    ['item_id', 'enterprise_id'], sqlite_where=sa.column('eligible').is_(True),
                    postgresql_where=sa.column('eligible').is_(True))


def downgrade() -> None:
    # The dropped rows are not restored: the next publication re-matches and writes them.
    op.drop_index('ix_match_results_eligible_items', table_name='match_results')
    op.create_index('ix_match_results_eligible', 'match_results', ['eligible'])
    with op.batch_alter_table('match_versions', schema=None) as batch_op:
        batch_op.drop_column('matched_at')
        batch_op.drop_column('items_key')
        batch_op.drop_column('as_of')
