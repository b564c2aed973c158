"""liaison: tier membership kept in a table (liaison_members, liaison_member_syncs), the days an
enterprise opened its 政策礼包 (pack_openings), and the indexes the rates read.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 19:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: str | Sequence[str] | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'liaison_members',
        sa.Column('tier_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_uscc', sa.String(length=18), nullable=False),
        sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('street', sa.String(length=200), nullable=False),
        sa.Column('assigned', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('last_contact', sa.Date(), nullable=True),
        sa.Column('last_told', sa.Date(), nullable=True),
        sa.Column('last_opened', sa.Date(), nullable=True),
        sa.Column('eligible', sa.Integer(), nullable=False),
        sa.Column('benefited', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('tier_id', 'enterprise_uscc'),
        sqlite_with_rowid=False,
    )
    op.create_index('ix_liaison_members_uscc', 'liaison_members',
                    ['enterprise_uscc', 'tier_id'])
    op.create_index('ix_liaison_members_street', 'liaison_members', ['tier_id', 'street'])
    op.create_index(op.f('ix_liaison_members_enterprise_id'), 'liaison_members',
                    ['enterprise_id'])
    op.create_table(
        'liaison_member_syncs',
        sa.Column('tier_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('rule', sa.Text(), nullable=False),
        sa.Column('synced_to', sa.DateTime(timezone=True), nullable=True),
        sa.Column('stamps', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('tier_id'),
    )
    op.create_table(
        'pack_openings',
        sa.Column('enterprise_uscc', sa.String(length=18), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('enterprise_uscc', 'day'),
    )
    op.create_index(op.f('ix_pack_openings_day'), 'pack_openings', ['day'])
    op.create_index('ix_enterprises_updated_at', 'enterprises', ['updated_at'])
    op.create_index('ix_liaison_contacts_uscc_day', 'liaison_contacts',
                    ['enterprise_uscc', 'contacted_on', 'policy_count'])
    op.create_index('ix_liaison_assignments_uscc_tier', 'liaison_assignments',
                    ['enterprise_uscc', 'tier_id'])


def downgrade() -> None:
    op.drop_index('ix_liaison_assignments_uscc_tier', table_name='liaison_assignments')
    op.drop_index('ix_liaison_contacts_uscc_day', table_name='liaison_contacts')
    op.drop_index('ix_enterprises_updated_at', table_name='enterprises')
    op.drop_index(op.f('ix_pack_openings_day'), table_name='pack_openings')
    op.drop_table('pack_openings')
    op.drop_table('liaison_member_syncs')
    op.drop_index(op.f('ix_liaison_members_enterprise_id'), table_name='liaison_members')
    op.drop_index('ix_liaison_members_street', table_name='liaison_members')
    op.drop_index('ix_liaison_members_uscc', table_name='liaison_members')
    op.drop_table('liaison_members')
