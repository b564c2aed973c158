"""Latest outcome of each (enterprise, policy item) that something reads: eligible, undecided
or a near miss (matching/stored.py says why a plain "not eligible" is no row). The 政策礼包
reads it, matching writes it.

`match_versions` counts the writes of each enterprise's results: every statement that changes an
enterprise's rows in `match_results` raises its version in the same transaction, so one cheap
lookup tells whether its results changed (the 政策礼包 cache key). Its stamp (`as_of`,
`items_key`) says which policy date and items the stored rows are complete for."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, column
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base, utcnow
from huiqi.models.money import Money


class MatchResult(Base):
    __tablename__ = "match_results"

    enterprise_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    eligible: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # integer fen in SQL (exact on SQLite too, whose NUMERIC division dropped the fen)
    amount: Mapped[Decimal | None] = mapped_column("amount_fen", Money, nullable=True)
    failed: Mapped[str] = mapped_column(Text, default="")
    missing: Mapped[str] = mapped_column(Text, default="")
    near_miss: Mapped[bool] = mapped_column(Boolean, default=False)
    as_of: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # The eligible pairs by item (notifications, 免申即享 lists, flags): a partial index, so a
    # publication writing millions of undecided and near-miss rows maintains it only for the
    # few eligible ones.
    __table_args__ = (Index("ix_match_results_eligible_items", "item_id", "enterprise_id",
                            sqlite_where=column("eligible").is_(True),
                            postgresql_where=column("eligible").is_(True)),)


class MatchVersion(Base):
    __tablename__ = "match_versions"

    enterprise_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date | None] = mapped_column(Date, nullable=True)
    items_key: Mapped[str | None] = mapped_column(String(16), nullable=True)
    matched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
