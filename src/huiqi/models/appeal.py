"""诉求: one appeal, its department assignments (任务交办单 / 责任划分单) and its timeline.

The lifecycle itself lives in huiqi.appeals.state; these rows are what it reads and writes.
Department names are copied onto the appeal and its assignments so lists filter in SQL and a
renamed department never loses its history.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import EncryptedString, UTCDateTime


class Appeal(Base):
    __tablename__ = "appeals"
    __table_args__ = (
        Index("ix_appeals_enterprise", "enterprise_uscc", "submitted_at"),
        Index("ix_appeals_status_lead", "status", "lead_department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_uscc: Mapped[str] = mapped_column(String(18))
    enterprise_name: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int] = mapped_column(
        ForeignKey("appeal_categories.id", ondelete="RESTRICT"), index=True)
    category_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # vocab.Source
    via: Mapped[str] = mapped_column(String(16))  # session | token | open311 | import
    sentinel: Mapped[bool] = mapped_column(Boolean, default=False)  # 营商前哨 enterprise
    status: Mapped[str] = mapped_column(String(16), index=True)  # vocab.AppealStatus
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(EncryptedString())
    address: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    long: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("appeal_meetings.id", ondelete="RESTRICT"), index=True)
    hotline_ticket: Mapped[str | None] = mapped_column(String(64), unique=True)
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("appeal_import_batches.id", ondelete="RESTRICT"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("appeals.id", ondelete="RESTRICT"), index=True)
    submitted_by: Mapped[int | None] = mapped_column(Integer)
    submitted_by_role: Mapped[str | None] = mapped_column(String(16))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The current dispatch (cleared by an approved 退单).
    lead_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"))
    lead_department: Mapped[str | None] = mapped_column(String(100))
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sign_due: Mapped[date | None] = mapped_column(Date)
    resolve_due: Mapped[date | None] = mapped_column(Date)  # after approved extensions
    calendar_fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # confirmed, or closed
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str | None] = mapped_column(Text)
    force_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    escalated_to: Mapped[str | None] = mapped_column(String(100))  # 工作专班 lead official
    sign_overdue: Mapped[bool] = mapped_column(Boolean, default=False)  # marked by the tick
    resolve_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AppealAssignment(Base):
    """One department on one dispatch: the lead or a co-handler, with its share of the work."""

    __tablename__ = "appeal_assignments"
    __table_args__ = (Index("ix_appeal_assignments_department", "department_id", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"),
                                           index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"))
    department_name: Mapped[str] = mapped_column(String(100))
    lead: Mapped[bool] = mapped_column(Boolean)
    responsibility: Mapped[str | None] = mapped_column(Text)
    dispatch_round: Mapped[int] = mapped_column(Integer)  # 1, then +1 after each 退单
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # false after a 退单
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AppealEvent(Base):
    """The readable story of one appeal; the audit log stays the official record."""

    __tablename__ = "appeal_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"),
                                           index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AppealReminder(Base):
    """A reminder the tick sent, once per appeal, kind and due date (so never twice)."""

    __tablename__ = "appeal_reminders"
    __table_args__ = (UniqueConstraint("appeal_id", "kind", "due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))  # sign_soon | sign_overdue | resolve_…
    due: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
