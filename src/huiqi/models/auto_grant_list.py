"""免申即享 list: the office generates it from matching; its rows are applications (source=auto)
that the department confirms, all or some, without the enterprise applying."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import UTCDateTime


class AutoGrantList(Base):
    __tablename__ = "grant_auto_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[str] = mapped_column(String(100), index=True)
    item_title: Mapped[str] = mapped_column(String(200))
    policy_version: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(100), index=True)
    year: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # regenerated after a fact changed: the list it replaces, and who was added / removed and why
    replaces_id: Mapped[int | None] = mapped_column(Integer)
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    superseded_by: Mapped[int | None] = mapped_column(Integer)
    # 公示: enterprise name and amount, for the office's number of working days (inclusive)
    published_by: Mapped[int | None] = mapped_column(Integer)
    publicity_from: Mapped[date | None] = mapped_column(Date)
    publicity_until: Mapped[date | None] = mapped_column(Date)
