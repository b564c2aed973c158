"""绩效评价: a post-payout evaluation of one grant (score, notes, by whom)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import UTCDateTime


class GrantEvaluation(Base):
    __tablename__ = "grant_evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id", ondelete="RESTRICT"),
                                          index=True)
    score: Mapped[int] = mapped_column(Integer)  # 0–100
    rating: Mapped[str] = mapped_column(String(8))  # 优 良 中 差, derived from the score
    notes: Mapped[str] = mapped_column(Text)
    evaluator_id: Mapped[int | None] = mapped_column(Integer)
    evaluator_label: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
