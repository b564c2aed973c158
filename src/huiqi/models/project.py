"""招商项目代办: investment projects, their countdown steps (倒计时作战表), weekly progress notes
and the reminders the projects tick has sent.

A project's steps are copied from its type's template when it is registered, so a later change
of the template never moves the dates of a project already on the table. Department names are
copied onto the step so a renamed department keeps its history (as for appeals).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
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
from huiqi.models.types import UTCDateTime


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    enterprise_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(6), index=True)  # 行政区划代码
    industry_code: Mapped[str | None] = mapped_column(String(8))  # GB/T 4754
    project_type: Mapped[str] = mapped_column(String(32))  # a key of the step templates
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))  # 总投资, 元
    land_mu: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # 用地, 亩
    signed_on: Mapped[date] = mapped_column(Date)
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True)  # 代办员
    secretary_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True)  # 项目秘书
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True)  # 牵头领导 (五个一)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProjectStep(Base):
    __tablename__ = "project_steps"
    __table_args__ = (
        UniqueConstraint("project_id", "key", name="uq_project_steps_key"),
        Index("ix_project_steps_open", "done_on", "planned_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # order on the table
    key: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(16))  # milestone | utility
    after: Mapped[list[Any]] = mapped_column(JSON)  # keys of the steps that must be done first
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True)
    department_name: Mapped[str] = mapped_column(String(100))
    limit_workdays: Mapped[int] = mapped_column(Integer)
    planned_due: Mapped[date] = mapped_column(Date)
    started_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    blocked_reason: Mapped[str | None] = mapped_column(Text)  # set while the step is blocked
    appeal_id: Mapped[int | None] = mapped_column(
        ForeignKey("appeals.id", ondelete="RESTRICT"), index=True)  # the last appeal raised
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProjectProgress(Base):
    """一周跟踪进度: the agent's weekly note on a project."""

    __tablename__ = "project_progress"
    __table_args__ = (Index("ix_project_progress_week", "project_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    week: Mapped[date] = mapped_column(Date)  # the Monday of the week it reports on
    note: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProjectReminder(Base):
    """What the tick has sent, so a second tick sends nothing (kind names the step)."""

    __tablename__ = "project_reminders"
    __table_args__ = (UniqueConstraint("project_id", "kind", "due",
                                       name="uq_project_reminders"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    due: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
