"""包联: which enterprises a liaison officer (服务专员) looks after, and at which tier (层级).

A row is a live assignment; a handover (交接) deletes the old official's row and writes the new
one, and keeps the history in `liaison_handovers` (huiqi.models.liaison)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import UTCDateTime


class LiaisonAssignment(Base):
    __tablename__ = "liaison_assignments"
    __table_args__ = (UniqueConstraint("user_id", "enterprise_uscc"),
                      Index("ix_liaison_assignments_uscc_tier", "enterprise_uscc", "tier_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    enterprise_uscc: Mapped[str] = mapped_column(String(18), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The tier this assignment serves (NULL: assigned before tiers existed, e.g. by appeals).
    tier_id: Mapped[int | None] = mapped_column(
        ForeignKey("liaison_tiers.id", ondelete="SET NULL"), index=True)
