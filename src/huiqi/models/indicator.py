"""营商环境评价指标台账: the indicator catalog (一级/二级/监测指标), one value per indicator and
month, and the monthly reminders sent to owner departments (so a tick never sends twice)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.types import UTCDateTime


class Indicator(Base):
    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # e.g. 05.02.03
    level1: Mapped[str] = mapped_column(String(100), index=True)  # 一级指标, e.g. 获得信贷
    level2: Mapped[str] = mapped_column(String(200))  # 二级指标
    name: Mapped[str] = mapped_column(String(300))  # 监测指标
    unit: Mapped[str] = mapped_column(String(20))  # %, 天, 个, 万元 …
    direction: Mapped[str] = mapped_column(String(8))  # up: 越高越好 | down: 越低越好
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True)  # 责任单位
    frequency: Mapped[str] = mapped_column(String(12))  # monthly | quarterly | yearly
    target: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    source: Mapped[str] = mapped_column(String(40), default="manual")  # or a computed key
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IndicatorValue(Base):
    __tablename__ = "indicator_values"
    __table_args__ = (UniqueConstraint("indicator_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"),
                                              index=True)
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    note: Mapped[str | None] = mapped_column(Text)
    computed: Mapped[bool] = mapped_column(Boolean, default=False)  # from Huiqi's own data
    entered_by: Mapped[int | None] = mapped_column(Integer)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IndicatorReminder(Base):
    __tablename__ = "indicator_reminders"
    __table_args__ = (UniqueConstraint("department_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))
    missing: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
