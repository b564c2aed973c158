"""好差评: ratings of a 办件 (one each), the 差评 loop on them (核实 → 整改 → 回访), the
departments' appeals against a 误评 (申诉复核), the windows whose QR codes collect ratings, and the
one-time SMS invitations.

Department, window and item names are copied onto each rating so figures group in SQL and a
renamed window never rewrites its history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import UTCDateTime


class RatingWindow(Base):
    """A 政务服务 window (or hall desk) with a printed QR code; rotating `qr_version`
    invalidates the codes already printed."""

    __tablename__ = "rating_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    place: Mapped[str | None] = mapped_column(String(200))  # hall, floor
    region: Mapped[str | None] = mapped_column(String(6))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"),
                                               index=True)
    items: Mapped[list[str]] = mapped_column(JSON, default=list)  # service items handled here
    staff: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # [{no, name}]
    qr_version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level"),
        Index("ix_ratings_department_stage", "department_id", "stage"),
        Index("ix_ratings_enterprise", "enterprise_uscc", "rated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_key: Mapped[str] = mapped_column(String(120), unique=True)  # "appeal:12": one per 办件
    case_kind: Mapped[str] = mapped_column(String(16))  # application | appeal | contact
    case_ref: Mapped[str] = mapped_column(String(100))
    level: Mapped[int] = mapped_column(Integer)  # 5 非常满意 … 1 非常不满意
    negative: Mapped[bool] = mapped_column(Boolean)  # 差评: level ≤ 2
    comment: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"))
    department_name: Mapped[str] = mapped_column(String(100))
    item_name: Mapped[str | None] = mapped_column(String(200))
    window_id: Mapped[int | None] = mapped_column(
        ForeignKey("rating_windows.id", ondelete="RESTRICT"), index=True)
    window_name: Mapped[str | None] = mapped_column(String(100))
    staff_no: Mapped[str | None] = mapped_column(String(32))
    staff_name: Mapped[str | None] = mapped_column(String(50))
    channel: Mapped[str] = mapped_column(String(16))  # window | online | phone
    source: Mapped[str] = mapped_column(String(16))  # portal | qr | sms | appeal_visit | import
    enterprise_uscc: Mapped[str | None] = mapped_column(String(18))
    rater_user_id: Mapped[int | None] = mapped_column(Integer)
    rater_name: Mapped[str | None] = mapped_column(String(100))
    rater_phone: Mapped[str | None] = mapped_column(String(40))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The 差评 loop (stage: none for 好评; verify → rectify → revisit → done).
    stage: Mapped[str] = mapped_column(String(16))
    verify_due: Mapped[date | None] = mapped_column(Date)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[int | None] = mapped_column(Integer)
    verify_result: Mapped[str | None] = mapped_column(String(16))  # true | partly | false
    verify_note: Mapped[str | None] = mapped_column(Text)
    rectify_due: Mapped[date | None] = mapped_column(Date)
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rectified_by: Mapped[int | None] = mapped_column(Integer)
    rectify_note: Mapped[str | None] = mapped_column(Text)
    revisit_due: Mapped[date | None] = mapped_column(Date)
    revisited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revisited_by: Mapped[int | None] = mapped_column(Integer)
    revisit_result: Mapped[str | None] = mapped_column(String(16))  # satisfied|basic|unsatisfied
    revisit_note: Mapped[str | None] = mapped_column(Text)
    # 申诉复核 upheld: out of every figure, still listed (with the reason).
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    excluded_reason: Mapped[str | None] = mapped_column(Text)
    excluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # e.g. the appeal visit it came from
    overdue_notice: Mapped[str | None] = mapped_column(String(40))  # "stage:due" last told


class RatingDispute(Base):
    """申诉复核: the department says a rating is a 误评; the office upholds or rejects it."""

    __tablename__ = "rating_disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id", ondelete="CASCADE"),
                                           index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending | upheld | rejected
    filed_by: Mapped[int | None] = mapped_column(Integer)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)


class RatingInvite(Base):
    """An SMS invitation to rate one 办件: the link carries a random token (stored as a digest),
    signed with the installation's secret; it is used once."""

    __tablename__ = "rating_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    case_kind: Mapped[str] = mapped_column(String(16))
    case_ref: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"))
    item_name: Mapped[str | None] = mapped_column(String(200))
    window_id: Mapped[int | None] = mapped_column(
        ForeignKey("rating_windows.id", ondelete="RESTRICT"))
    staff_no: Mapped[str | None] = mapped_column(String(32))
    staff_name: Mapped[str | None] = mapped_column(String(50))
    channel: Mapped[str] = mapped_column(String(16))
    enterprise_uscc: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating_id: Mapped[int | None] = mapped_column(ForeignKey("ratings.id", ondelete="SET NULL"))
