"""兑现对象: money granted to an enterprise for an item in a budget year.

Created by an approved application (one grant per application) or a confirmed 免申即享 row (which
is an application with source=auto). The enterprise name and legal form are copied for the 公示
list, which must not change when the registry does.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.money import Money
from huiqi.models.types import UTCDateTime


class Grant(Base):
    __tablename__ = "grants"
    __table_args__ = (
        Index("ix_grants_enterprise_item_year", "enterprise_uscc", "item_id", "year"),
        Index("ix_grants_status", "status", "approved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("grant_applications.id", ondelete="RESTRICT"), unique=True)
    source: Mapped[str] = mapped_column(String(8))  # apply | auto
    enterprise_uscc: Mapped[str] = mapped_column(String(18))
    enterprise_name: Mapped[str] = mapped_column(String(200))
    legal_form: Mapped[str | None] = mapped_column(String(16))
    item_id: Mapped[str] = mapped_column(String(100), index=True)
    item_title: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(100), index=True)
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16))  # approved (待兑现) | paid (已兑现)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by: Mapped[int | None] = mapped_column(Integer)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
