"""双随机一公开 supervision: 抽查事项清单, 执法人员名录库, credit grades and 包容期, 包容免罚清单,
the office's settings (企业安静期, yearly limit), plans with their published commitment, and the
inspections a draw creates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import UTCDateTime


class SupervisionItem(Base):
    """抽查事项: one line of a department's 随机抽查事项清单."""

    __tablename__ = "sv_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    applies: Mapped[str] = mapped_column(Text)  # a rules expression over the registry catalog
    frequency: Mapped[str] = mapped_column(String(50))
    field: Mapped[str] = mapped_column(String(32))  # 监管领域: whose credit grade drives ratios
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Officer(Base):
    """执法人员名录库: an officer who may be drawn while the certificate is valid."""

    __tablename__ = "sv_officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    cert_no: Mapped[str] = mapped_column(String(50), unique=True)
    cert_valid_until: Mapped[date | None] = mapped_column(Date)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    related_usccs: Mapped[list[str]] = mapped_column(JSON, default=list)  # 回避
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CreditGrade(Base):
    """One grade record (history is kept; the latest effective one counts)."""

    __tablename__ = "sv_grades"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    field: Mapped[str] = mapped_column(String(32))
    grade: Mapped[str] = mapped_column(String(1))
    risk: Mapped[str] = mapped_column(String(2), default="-")
    source: Mapped[str] = mapped_column(String(32))  # 纳税信用等级 | 失信 | 违法记录 | 信用修复 …
    detail: Mapped[str | None] = mapped_column(String(200))
    effective_from: Mapped[date] = mapped_column(Date)
    repairs_id: Mapped[int | None] = mapped_column(ForeignKey("sv_grades.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GracePeriod(Base):
    """包容期: a 四新 enterprise left out of random inspections between two dates."""

    __tablename__ = "sv_grace_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))


class Exemption(Base):
    """包容免罚清单: a minor first violation a department does not punish."""

    __tablename__ = "sv_exemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    item: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(Text)
    conditions: Mapped[str] = mapped_column(Text)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SupervisionSettings(Base):
    """The office's settings: one row (id 1)."""

    __tablename__ = "sv_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiet_from_day: Mapped[int] = mapped_column(Integer, default=1)
    quiet_to_day: Mapped[int] = mapped_column(Integer, default=22)
    year_limit: Mapped[int] = mapped_column(Integer, default=2)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Plan(Base):
    """抽查计划. draft → committed (commitment published) → drawn."""

    __tablename__ = "sv_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    department_ids: Mapped[list[int]] = mapped_column(JSON)
    item_ids: Mapped[list[int]] = mapped_column(JSON)
    field: Mapped[str] = mapped_column(String(32))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    ratios: Mapped[dict[str, str]] = mapped_column(JSON)
    risk_ratios: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    team_size: Mapped[int] = mapped_column(Integer)
    quiet_exception: Mapped[str | None] = mapped_column(String(32))
    quiet_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    commitment: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    commitment_sha256: Mapped[str | None] = mapped_column(String(64))
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    population: Mapped[str | None] = mapped_column(Text)  # canonical snapshot (draw.py)
    officers: Mapped[str | None] = mapped_column(Text)
    unknowns: Mapped[list[str]] = mapped_column(JSON, default=list)
    beacon_kind: Mapped[str | None] = mapped_column(String(16))  # drand | public
    beacon_ref: Mapped[str | None] = mapped_column(String(200), unique=True)
    beacon_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    beacon_value: Mapped[str | None] = mapped_column(String(200), unique=True)
    beacon_first_value: Mapped[str | None] = mapped_column(String(200))
    beacon_first_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    beacon_second_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    result_sha256: Mapped[str | None] = mapped_column(String(64))
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Inspection(Base):
    """One drawn inspection (进一次门、查多项事) and its record, 整改 and 公示."""

    __tablename__ = "sv_inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("sv_plans.id"), index=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200))
    stratum: Mapped[str] = mapped_column(String(8))
    day: Mapped[date] = mapped_column(Date)
    officer_ids: Mapped[list[int]] = mapped_column(JSON)
    quiet_exception: Mapped[str | None] = mapped_column(String(32))
    quiet_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="scheduled", index=True)
    outcome: Mapped[str | None] = mapped_column(String(16))  # clear | issues | not_found
    findings: Mapped[str | None] = mapped_column(Text)
    exemption_id: Mapped[int | None] = mapped_column(ForeignKey("sv_exemptions.id"))
    notice: Mapped[str | None] = mapped_column(Text)  # 包容免罚告知
    rectify_by: Mapped[date | None] = mapped_column(Date)
    rectify_status: Mapped[str | None] = mapped_column(String(16))  # pending | done
    follow_up: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    publish_due: Mapped[date | None] = mapped_column(Date)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
