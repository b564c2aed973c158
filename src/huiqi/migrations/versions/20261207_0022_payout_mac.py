"""Payout lines carry a MAC (kit.payout_mac); lines made before this are signed here, under the
current key, from the data as they stand now.

Revision ID: 0022
Revises: 0024
Create Date: 2026-12-07 19:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from huiqi.kit import fieldcrypt, payout_mac
from huiqi.models.money import from_fen

revision: str = '0022'
down_revision: str | Sequence[str] | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sign_existing() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT l.id, l.batch_id, l.grant_id, l.idempotency_key, l.amount, g.application_id, "
        "g.amount, g.enterprise_uscc, g.enterprise_name, a.bank_name, a.bank_account_name, "
        "a.bank_account FROM grant_payout_lines l JOIN grants g ON g.id = l.grant_id "
        "JOIN grant_applications a ON a.id = g.application_id")).all()
    for (line_id, batch_id, grant_id, key, line_fen, app_id, grant_fen, uscc, payee, bank,
         account_name, account) in rows:
        mac = payout_mac.sign(payout_mac.message(
            batch_id=batch_id, grant_id=grant_id, application_id=app_id, key=key,
            line_amount=from_fen(line_fen), grant_amount=from_fen(grant_fen), uscc=uscc,
            payee=payee, bank_name=bank, account_name=account_name,
            account=fieldcrypt.decrypt(account)))
        conn.execute(sa.text("UPDATE grant_payout_lines SET mac = :mac WHERE id = :id"),
                     {"mac": mac, "id": line_id})


def upgrade() -> None:
    op.add_column('grant_payout_lines', sa.Column('mac', sa.String(length=160), nullable=True))
    _sign_existing()


def downgrade() -> None:
    with op.batch_alter_table('grant_payout_lines') as batch_op:
        batch_op.drop_column('mac')
