"""诉求类别 with their deadline rules, and the office's own holiday overrides.

Both are configured by the office: which departments usually handle a category, and how many
working days a department has to sign for (签收) and to resolve (办结) it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import UTCDateTime


class AppealCategory(Base):
    __tablename__ = "appeal_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    usual_departments: Mapped[list[str]] = mapped_column(JSON, default=list)  # department codes
    sign_within_workdays: Mapped[int] = mapped_column(Integer)
    resolve_within_workdays: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HolidayOverride(Base):
    """A day the office declares a holiday or a 调休 workday; wins over the library."""

    __tablename__ = "holiday_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # holiday | workday
    note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
