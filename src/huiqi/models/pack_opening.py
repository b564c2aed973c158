"""`pack_openings`: the days an enterprise opened its 政策礼包 (page, home page or API), at most
one row per enterprise and day — the 知晓 (awareness) evidence of 百千万. Written by matching
outside the request's transaction, at most once per enterprise and day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base


class PackOpening(Base):
    __tablename__ = "pack_openings"

    enterprise_uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
