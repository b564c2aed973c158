"""周报: a generated report for a period, its figures and its files (Excel, PDF), kept for
download. `kind` is scheduled (the Friday tick; one per period) or on_demand."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import UTCDateTime


class WeeklyReport(Base):
    __tablename__ = "weekly_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # scheduled | on_demand
    # The Friday of a scheduled report (ISO date): unique, so two workers never both store it.
    schedule_key: Mapped[str | None] = mapped_column(String(10), unique=True)
    period_start: Mapped[date] = mapped_column(Date, index=True)
    period_end: Mapped[date] = mapped_column(Date)  # inclusive
    title: Mapped[str] = mapped_column(String(200))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    xlsx: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
