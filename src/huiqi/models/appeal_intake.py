"""Where appeals come from: 政企恳谈会 meetings, 12345 import batches, 营商前哨 enterprises,
and the files attached to an appeal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import UTCDateTime


class AppealMeeting(Base):
    """政企恳谈会: one sitting, many enterprises, many appeals."""

    __tablename__ = "appeal_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(200))
    host: Mapped[str | None] = mapped_column(String(100))  # the presiding official
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AppealImportBatch(Base):
    """One 12345 hotline file: what was imported, skipped as already there, and refused."""

    __tablename__ = "appeal_import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    total_rows: Mapped[int] = mapped_column(Integer)
    imported: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)  # ticket numbers already imported
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # {row, reason}
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AppealSentinel(Base):
    """营商前哨: an enterprise the office watches as an early-warning post."""

    __tablename__ = "appeal_sentinels"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_uscc: Mapped[str] = mapped_column(String(18), unique=True)
    note: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AppealAttachment(Base):
    """A file attached to an appeal, stored outside the web root under a random name."""

    __tablename__ = "appeal_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"),
                                           index=True)
    original_filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int | None] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
