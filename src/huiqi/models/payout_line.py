"""One grant in a payout batch. `grant_id` is unique: a grant is in one live batch at most, so a
re-run or a concurrent second batch can never pay it twice. `idempotency_key` goes to the bank
as the payment reference, so the bank can refuse a duplicate too."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.money import Money
from huiqi.models.types import UTCDateTime


class PayoutLine(Base):
    __tablename__ = "grant_payout_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("grant_payout_batches.id", ondelete="CASCADE"), index=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id", ondelete="RESTRICT"),
                                          unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(40), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(12))  # pending | paid
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # HMAC over batch, grant, application, key, amounts, payee and bank account (kit.payout_mac)
    mac: Mapped[str | None] = mapped_column(String(160))
