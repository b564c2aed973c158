"""兑付批次: approved grants grouped for the bank; draft → exported → paid (or cancelled)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.money import Money
from huiqi.models.types import UTCDateTime


class PayoutBatch(Base):
    __tablename__ = "grant_payout_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # 批次号 shown to the bank
    status: Mapped[str] = mapped_column(String(12), index=True)
    item_id: Mapped[str | None] = mapped_column(String(100))  # the filter it was built with
    department: Mapped[str | None] = mapped_column(String(100))
    lines: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[Decimal] = mapped_column(Money)
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(Integer)
    paid_by: Mapped[int | None] = mapped_column(Integer)  # never the maker (审批与复核分离)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
