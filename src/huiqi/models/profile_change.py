"""Enterprise profile maintenance: the history of every change (who, when, source, field,
before/after) and the enterprise's proposals awaiting the office (facts needing verification)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import UTCDateTime


class ProfileChange(Base):
    __tablename__ = "profile_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_uscc: Mapped[str] = mapped_column(String(18), index=True)
    field: Mapped[str] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text)  # canonical text (registry to_text)
    after: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # page | visit | proposal
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ProfileProposal(Base):
    __tablename__ = "profile_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_uscc: Mapped[str] = mapped_column(String(18), index=True)
    field: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending | accepted | rejected
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(String(500), default="")
