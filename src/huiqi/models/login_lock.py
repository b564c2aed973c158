"""Failed logins and lockouts, per account and source address (not per account alone: someone who
only knows a username cannot lock its owner out from the owner's own address).

One row per (user, source). `source` "*" is the account-wide row: it caps failures per account
per hour from everywhere; past the cap only sources the account has logged in from are let try.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import UTCDateTime

ACCOUNT_WIDE = "*"


class LoginLock(Base):
    __tablename__ = "login_locks"
    __table_args__ = (UniqueConstraint("user_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(64))
    # ISO times (UTC) of the failures still inside the counting window.
    failures: Mapped[list[str] | None] = mapped_column(JSON)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Locks in a row from this source: each doubles the next one (progressive), reset on success.
    lock_count: Mapped[int] = mapped_column(Integer, default=0)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
