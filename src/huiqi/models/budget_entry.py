"""预算台账 entries: every reserve / commit / release against an item-year account."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.money import Money
from huiqi.models.types import UTCDateTime


class BudgetEntry(Base):
    __tablename__ = "grant_budget_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("grant_budget_accounts.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # reserve | commit | release | adjust
    amount: Mapped[Decimal] = mapped_column(Money)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("grant_applications.id", ondelete="RESTRICT"), index=True)
    enterprise_uscc: Mapped[str | None] = mapped_column(String(18))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
