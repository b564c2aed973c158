"""预算台账: one account per item and year; reserve → commit, or release.

Money never goes over the budget, also under concurrent approvals:
- PostgreSQL: the approving transaction locks the account row (SELECT … FOR UPDATE) before it
  reads what its decision depends on (remaining budget, the enterprise's yearly total);
- SQLite: the transaction holds the write lock from its start (access.serialize_writes);
- on both, the UPDATE carries the guard in its WHERE clause and a CHECK constraint backs it, so a
  bug elsewhere fails loudly instead of overspending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.grants.repositories import money as money_repo
from huiqi.kit.errors import Conflict, ValidationFailed
from huiqi.models.application import Application
from huiqi.models.budget import BudgetAccount
from huiqi.models.budget_entry import BudgetEntry
from huiqi.models.money import to_fen

ZERO = Decimal("0.00")


class BudgetExhausted(Conflict):
    code = "budget_exhausted"


@dataclass(frozen=True)
class BudgetView:
    item_id: str
    year: int
    total: Decimal | None
    reserved: Decimal
    committed: Decimal

    @property
    def remaining(self) -> Decimal | None:
        return None if self.total is None else self.total - self.reserved - self.committed

    @property
    def unlimited(self) -> bool:
        return self.total is None


def account(session: Session, item_id: str, year: int, total: Decimal | None, now: datetime,
            *, lock: bool = False) -> BudgetAccount:
    """The item-year account, created on first use with the item's yearly budget."""
    values = {"item_id": item_id, "year": year, "reserved": ZERO, "committed": ZERO,
              "total": total, "updated_at": now}
    return money_repo.ensure_account(session, values, lock=lock)


def view(session: Session, item_id: str, year: int, default_total: Decimal | None) -> BudgetView:
    row = money_repo.account_of(session, item_id, year)
    if row is None:
        return BudgetView(item_id, year, default_total, ZERO, ZERO)
    return BudgetView(item_id, year, row.total, row.reserved, row.committed)


def reserve(session: Session, actor: Actor, acct: BudgetAccount, amount: Decimal,
            application: Application, now: datetime) -> None:
    fen = to_fen(amount)
    if not money_repo.add_reserved_if_room(session, acct.id, fen, now):
        session.refresh(acct)
        raise BudgetExhausted(
            f"“{application.item_title}”{acct.year}年度预算不足：剩余 {acct.remaining} 元，"
            f"本次需 {amount} 元。",
            details={"remaining": str(acct.remaining), "amount": str(amount)})
    _entry(session, actor, acct, "reserve", amount, application, now)


def commit(session: Session, actor: Actor, acct: BudgetAccount, amount: Decimal,
           application: Application, now: datetime) -> None:
    """A reservation becomes spending (at final approval)."""
    _move(session, acct, -to_fen(amount), to_fen(amount), now)
    _entry(session, actor, acct, "commit", amount, application, now)


def release(session: Session, actor: Actor, acct: BudgetAccount, amount: Decimal,
            application: Application, now: datetime, note: str | None = None) -> None:
    """A reservation given back (rejected at finance review, or lowered there)."""
    if amount <= 0:
        return
    _move(session, acct, -to_fen(amount), 0, now)
    _entry(session, actor, acct, "release", amount, application, now, note)


def _move(session: Session, acct: BudgetAccount, reserved_fen: int, committed_fen: int,
          now: datetime) -> None:
    if not money_repo.move_amounts(session, acct.id, reserved_fen, committed_fen, now):
        raise Conflict("预算台账数据不一致：预留金额不足，请联系管理员。")
    session.refresh(acct)


def _entry(session: Session, actor: Actor, acct: BudgetAccount, kind: str, amount: Decimal,
           application: Application | None, now: datetime, note: str | None = None) -> None:
    session.add(BudgetEntry(
        account_id=acct.id, kind=kind, amount=amount,
        application_id=application.id if application else None,
        enterprise_uscc=application.enterprise_uscc if application else None,
        actor_id=actor.user_id, note=note, at=now))


def set_total(session: Session, actor: Actor, item_id: str, year: int, total: Decimal | None,
              now: datetime) -> BudgetAccount:
    """The office sets an item-year budget (e.g. after a 预算调整); never below what is used."""
    if total is not None and total < 0:
        raise ValidationFailed("预算总额不能为负数。")
    acct = account(session, item_id, year, total, now, lock=True)
    used = acct.reserved + acct.committed
    if total is not None and total < used:
        raise Conflict(f"预算总额不能低于已占用的 {used} 元（已预留 {acct.reserved} 元，"
                       f"已批准 {acct.committed} 元）。")
    before = audit.snapshot(acct, "total", "reserved", "committed")
    acct.total, acct.updated_at = total, now
    session.add(BudgetEntry(account_id=acct.id, kind="adjust", amount=total or ZERO,
                            actor_id=actor.user_id, note="预算总额调整" if total is not None
                            else "预算总额调整为不限额", at=now))
    audit.record(session, actor, "grants.budget_set", acct, before=before,
                 after=audit.snapshot(acct, "total", "reserved", "committed"), at=now)
    return acct
