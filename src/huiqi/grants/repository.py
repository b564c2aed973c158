"""SQL of the grants domain that its modules share."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.models.application import Application
from huiqi.models.grant import Grant
from huiqi.models.payout_line import PayoutLine


def payout_rows(session: Session, *, batch_id: int | None = None, for_update: bool = False
                ) -> Iterator[tuple[PayoutLine, Grant, Application]]:
    """Every payout line (of one batch, or of all) with its grant and application."""
    stmt = select(PayoutLine, Grant, Application).join(Grant, Grant.id == PayoutLine.grant_id) \
        .join(Application, Application.id == Grant.application_id).order_by(PayoutLine.id)
    if batch_id is not None:
        stmt = stmt.where(PayoutLine.batch_id == batch_id)
    if for_update:
        stmt = stmt.with_for_update(of=PayoutLine)
    for row in session.execute(stmt):
        yield row[0], row[1], row[2]


def applications_by_id(session: Session, ids: list[int]) -> dict[int, Application]:
    return {a.id: a for a in session.scalars(select(Application).where(Application.id.in_(ids)))}
