"""SQL of the money side: budget accounts, payouts and the ledgers (台账)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Row, Select, delete, select, type_coerce, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from huiqi.models.application import Application
from huiqi.models.budget import BudgetAccount
from huiqi.models.grant import Grant
from huiqi.models.payout import PayoutBatch
from huiqi.models.payout_line import PayoutLine


def budget_accounts(session: Session, year: int) -> dict[str, BudgetAccount]:
    """The year's budget accounts by item id."""
    stmt = select(BudgetAccount).where(BudgetAccount.year == year).order_by(BudgetAccount.item_id)
    return {a.item_id: a for a in session.scalars(stmt)}


def payout_lines() -> Select[PayoutLine, PayoutBatch, Grant]:
    """Every payout line with its batch and grant (the payouts ledger filters it)."""
    return select(PayoutLine, PayoutBatch, Grant).join(
        PayoutBatch, PayoutBatch.id == PayoutLine.batch_id).join(
        Grant, Grant.id == PayoutLine.grant_id)


def ledger_objects(session: Session, stmt: Select[Any]) -> Iterator[Any]:
    """The objects a ledger query of one entity selects (for an export)."""
    return iter(session.scalars(stmt))


def ledger_rows(session: Session, stmt: Select[Any]) -> Iterator[Row[Any]]:
    """The rows a ledger query of several entities selects (for an export)."""
    return iter(session.execute(stmt))


# --- budget accounts (huiqi.grants.budget); sums in fen, compared in integers ------------------

def _fen(column: object) -> Any:
    return type_coerce(column, BigInteger())


def ensure_account(session: Session, values: dict[str, Any], *, lock: bool) -> BudgetAccount:
    """The item-year account of `values`, inserted with them unless it exists; reloaded (and
    row-locked if `lock`)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(BudgetAccount).values(**values).on_conflict_do_nothing(
        index_elements=["item_id", "year"]))
    stmt = select(BudgetAccount).where(BudgetAccount.item_id == values["item_id"],
                                       BudgetAccount.year == values["year"])
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt.execution_options(populate_existing=True)).one()


def account_of(session: Session, item_id: str, year: int) -> BudgetAccount | None:
    return session.scalar(select(BudgetAccount).where(
        BudgetAccount.item_id == item_id, BudgetAccount.year == year))


def add_reserved_if_room(session: Session, account_id: int, fen: int, now: datetime) -> bool:
    """Reserve `fen` on the account if its total (unlimited: None) leaves room; False if not.
    One conditional UPDATE: concurrent reservations cannot overdraw."""
    guard = (BudgetAccount.total.is_(None)) | (
        _fen(BudgetAccount.total) - _fen(BudgetAccount.reserved) - _fen(BudgetAccount.committed)
        >= fen)
    result = session.execute(
        update(BudgetAccount).where(BudgetAccount.id == account_id, guard)
        .values(reserved=_fen(BudgetAccount.reserved) + fen, updated_at=now)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def move_amounts(session: Session, account_id: int, reserved_fen: int, committed_fen: int,
                 now: datetime) -> bool:
    """Add to reserved and committed (fen, either may be negative) unless reserved would go
    below zero; False then."""
    result = session.execute(
        update(BudgetAccount)
        .where(BudgetAccount.id == account_id, _fen(BudgetAccount.reserved) + reserved_fen >= 0)
        .values(reserved=_fen(BudgetAccount.reserved) + reserved_fen,
                committed=_fen(BudgetAccount.committed) + committed_fen, updated_at=now)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


# --- payouts (huiqi.grants.payouts) ------------------------------------------------------------

def unpaid_grants_locked(session: Session, *, item_id: str | None, department: str | None,
                         grant_ids: list[int] | None) -> list[Grant]:
    """Approved grants in no payout line (of the item, department and ids if given), by id,
    row-locked."""
    stmt = select(Grant).outerjoin(PayoutLine, PayoutLine.grant_id == Grant.id).where(
        Grant.status == "approved", PayoutLine.id.is_(None))
    if item_id:
        stmt = stmt.where(Grant.item_id == item_id)
    if department:
        stmt = stmt.where(Grant.department == department)
    if grant_ids is not None:
        stmt = stmt.where(Grant.id.in_(grant_ids))
    return list(session.scalars(stmt.order_by(Grant.id).with_for_update(of=Grant)))


def batch_lines(session: Session, batch_id: int
                ) -> list[tuple[PayoutLine, Grant, Application]]:
    stmt = select(PayoutLine, Grant, Application).join(Grant, Grant.id == PayoutLine.grant_id) \
        .join(Application, Application.id == Grant.application_id) \
        .where(PayoutLine.batch_id == batch_id).order_by(PayoutLine.id)
    return [(row[0], row[1], row[2]) for row in session.execute(stmt)]


def remove_lines(session: Session, batch_id: int) -> list[int]:
    """Delete the batch's lines; the ids of the grants they paid."""
    grant_ids = list(session.scalars(select(PayoutLine.grant_id).where(
        PayoutLine.batch_id == batch_id)))
    session.execute(delete(PayoutLine).where(PayoutLine.batch_id == batch_id))
    return grant_ids


def all_batches(session: Session) -> list[PayoutBatch]:
    return list(session.scalars(select(PayoutBatch).order_by(PayoutBatch.id.desc())))


def unpaid_of(session: Session, visible: Select[Any]) -> list[Grant]:
    """Of the visible grants, the approved ones in no payout line, by id."""
    stmt = visible.outerjoin(PayoutLine, PayoutLine.grant_id == Grant.id).where(
        Grant.status == "approved", PayoutLine.id.is_(None)).order_by(Grant.id)
    return list(session.scalars(stmt))


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
