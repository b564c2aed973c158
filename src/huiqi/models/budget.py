"""预算台账 account: one row per item and year, the row approvals lock (SELECT … FOR UPDATE).

`total` NULL means unlimited. Remaining = total − reserved − committed, never negative: the
approving UPDATE carries the check in its WHERE clause, and a CHECK constraint backs it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.money import Money
from huiqi.models.types import UTCDateTime


class BudgetAccount(Base):
    __tablename__ = "grant_budget_accounts"
    __table_args__ = (
        UniqueConstraint("item_id", "year"),
        CheckConstraint("reserved >= 0 AND committed >= 0", name="non_negative"),
        CheckConstraint("total IS NULL OR reserved + committed <= total", name="within_total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal | None] = mapped_column(Money)
    reserved: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    committed: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def remaining(self) -> Decimal | None:
        if self.total is None:
            return None
        return self.total - self.reserved - self.committed
