# ruff: noqa: E501 - in the style of Alembic autogenerate
"""knowledge: ingested policy documents (all versions) and their clauses.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 14:30:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('knowledge_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('doc_key', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('doc_no', sa.String(length=100), nullable=True),
    sa.Column('issuer', sa.String(length=200), nullable=True),
    sa.Column('region', sa.String(length=6), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('source_kind', sa.String(length=10), nullable=False),
    sa.Column('original_text', sa.Text(), nullable=False),
    sa.Column('simplified_text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('policy_id', sa.String(length=100), nullable=True),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['knowledge_documents.id'], name=op.f('fk_knowledge_documents_superseded_by_id_knowledge_documents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_documents')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_knowledge_documents_content_hash'))
    )
    op.create_index(op.f('ix_knowledge_documents_doc_key'), 'knowledge_documents', ['doc_key'], unique=False)
    op.create_table('knowledge_clauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('heading', sa.String(length=200), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('simplified', sa.Text(), nullable=False),
    sa.Column('tokens', sa.Text(), nullable=False),
    sa.Column('item_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['knowledge_documents.id'], name=op.f('fk_knowledge_clauses_document_id_knowledge_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_clauses'))
    )
    op.create_index(op.f('ix_knowledge_clauses_document_id'), 'knowledge_clauses', ['document_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_knowledge_clauses_document_id'), table_name='knowledge_clauses')
    op.drop_table('knowledge_clauses')
    op.drop_index(op.f('ix_knowledge_documents_doc_key'), table_name='knowledge_documents')
    op.drop_table('knowledge_documents')
