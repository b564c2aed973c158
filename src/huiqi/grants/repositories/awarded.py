"""SQL of grants awarded: the public list (公示), the home panels' figures."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from huiqi.models.application import Application
from huiqi.models.grant import Grant
from huiqi.models.payout_line import PayoutLine


def public_page(session: Session, statuses: Iterable[str], year: int | None,
                item_id: str | None, limit: int, offset: int) -> tuple[int, list[Grant]]:
    """The number of grants in `statuses` (of `year` and `item_id` if given), and the
    `limit` from `offset`, latest approval first."""
    where: list[Any] = [Grant.status.in_(list(statuses))]
    if year:
        where.append(Grant.year == year)
    if item_id:
        where.append(Grant.item_id == item_id)
    total = session.scalar(select(func.count()).select_from(Grant).where(*where)) or 0
    stmt = select(Grant).where(*where).order_by(Grant.approved_at.desc(), Grant.id.desc()) \
        .limit(limit).offset(offset)
    return total, list(session.scalars(stmt))


def years_with(session: Session, statuses: Iterable[str]) -> list[int]:
    """The years with grants in `statuses`, latest first."""
    stmt = select(Grant.year).where(Grant.status.in_(list(statuses))).distinct()
    return sorted(session.scalars(stmt), reverse=True)


def status_counts(session: Session, visible: Select[Any]) -> dict[str, int]:
    sub = visible.subquery()
    rows = session.execute(select(sub.c.status, func.count()).group_by(sub.c.status)).all()
    return {str(s): int(n) for s, n in rows}


def unpaid(session: Session) -> tuple[int, Decimal | None]:
    """Approved grants in no payout batch yet: how many, and their sum."""
    pending = select(func.count(), func.sum(Grant.amount)).select_from(Grant).outerjoin(
        PayoutLine, PayoutLine.grant_id == Grant.id).where(
        Grant.status == "approved", PayoutLine.id.is_(None))
    n, total = session.execute(pending).one()
    return int(n), total


def paid_total(session: Session, uscc: str) -> Decimal | None:
    paid = select(func.sum(Grant.amount)).where(Grant.enterprise_uscc == uscc,
                                                Grant.status == "paid")
    return session.scalar(paid)


def due_soonest(session: Session, visible: Select[Any], status: str,
                limit: int) -> list[Application]:
    """Visible applications in `status`, the earliest materials deadline first."""
    return list(session.scalars(visible.where(Application.status == status)
                                .order_by(Application.materials_due).limit(limit)))


def items_held(session: Session, uscc: str, year: int, statuses: Iterable[str]) -> set[str]:
    """The items of the enterprise's grants of `year` in `statuses`."""
    stmt = select(Grant.item_id).where(Grant.enterprise_uscc == uscc, Grant.year == year,
                                       Grant.status.in_(list(statuses)))
    return set(session.scalars(stmt))


def granted_sum(session: Session, uscc: str, item_id: str, year: int,
                statuses: Iterable[str]) -> Decimal:
    """The sum of the enterprise's grants of the item and year in `statuses`."""
    return session.scalar(select(func.sum(Grant.amount)).where(
        Grant.enterprise_uscc == uscc, Grant.item_id == item_id, Grant.year == year,
        Grant.status.in_(list(statuses)))) or Decimal(0)


def proposed_sum(session: Session, uscc: str, item_id: str, year: int, status: str,
                 except_id: int) -> Decimal:
    """The sum proposed by the enterprise's other applications of the item and year in
    `status` (amounts under review)."""
    return session.scalar(select(func.sum(Application.proposed_amount)).where(
        Application.enterprise_uscc == uscc, Application.item_id == item_id,
        Application.year == year, Application.id != except_id,
        Application.status == status)) or Decimal(0)
