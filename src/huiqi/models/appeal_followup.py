"""After dispatch: 退单 and 延期 requests, 工作专班 escalations, return visits (回访)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import UTCDateTime


class AppealRequest(Base):
    """A lead department's 退单 (return) or 延期 (extension) request, decided by the office."""

    __tablename__ = "appeal_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"),
                                           index=True)
    kind: Mapped[str] = mapped_column(String(16))  # return | extension
    status: Mapped[str] = mapped_column(String(16))  # pending | approved | refused | cancelled
    reason: Mapped[str] = mapped_column(Text)
    extra_workdays: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"))
    requested_by: Mapped[int | None] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    old_due: Mapped[date | None] = mapped_column(Date)
    new_due: Mapped[date | None] = mapped_column(Date)


class AppealEscalation(Base):
    """工作专班: a cross-department or overdue appeal taken over under a lead official."""

    __tablename__ = "appeal_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"),
                                           unique=True)
    lead_official: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AppealVisit(Base):
    """回访: the office or liaison asks the enterprise how it went (satisfaction 1–5)."""

    __tablename__ = "appeal_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"),
                                           index=True)
    satisfaction: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    visited_by: Mapped[int | None] = mapped_column(Integer)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
