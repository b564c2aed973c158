"""Targeting actions (政策精准推送) on one item's enterprises: a push (notification), a visit task
for their liaison official, a request for the missing facts. Each (kind, item, enterprise) at
most once — re-running a batch reaches nobody twice — and the rows are what a 知晓 rate counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import UTCDateTime

PUSH, VISIT, FACTS = "push", "visit", "facts"


class InsightAction(Base):
    __tablename__ = "insight_actions"
    __table_args__ = (
        UniqueConstraint("kind", "item_id", "enterprise_id", name="uq_insight_actions_once"),
        Index("ix_insight_actions_item", "item_id", "kind"),
        Index("ix_insight_actions_enterprise", "enterprise_uscc"),
        Index("ix_insight_actions_assignee", "assignee_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"),
                                    primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # push | visit | facts
    item_id: Mapped[str] = mapped_column(String(100))
    enterprise_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("enterprises.id", ondelete="CASCADE"))
    enterprise_uscc: Mapped[str] = mapped_column(String(18))
    segment: Mapped[str] = mapped_column(String(16))  # eligible | unknown | near | applied
    missing: Mapped[str | None] = mapped_column(Text)  # ';'-joined facts asked for (facts)
    assignee_id: Mapped[int | None] = mapped_column(Integer)  # liaison official (visit)
    notified: Mapped[int] = mapped_column(Integer, default=0)  # accounts notified
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


__all__ = ["FACTS", "PUSH", "VISIT", "InsightAction"]
