"""申报材料: an uploaded file, stored outside the web root under a random name.

The original file name is kept only as sanitised metadata; the sha256 identifies the content.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import UTCDateTime


class Material(Base):
    __tablename__ = "grant_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("grant_applications.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))  # which required material it is
    original_filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)  # relative to uploads_dir
    kind: Mapped[str] = mapped_column(String(8))  # pdf | jpeg | png | xlsx | docx | ofd
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int | None] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
