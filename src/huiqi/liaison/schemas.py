"""Pydantic bodies and answers of the liaison API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field


class ContactIn(BaseModel):
    channel: str = Field("visit", description="visit 上门走访 | phone 电话 | online 线上")
    contacted_on: date = Field(description="联系发生的日期")
    people_met: str = ""
    topics: str = ""
    policies: list[str] = Field(default_factory=list, description="讲解的政策事项 id（礼包内）")
    problems: str = ""
    raise_appeal: bool = False
    appeal_category: str = ""
    next_visit_on: date | None = None
    facts: dict[str, str] = Field(default_factory=dict, description="采集的企业信息（目录字段）")
    materials: int = 0
    cards: int = 0


class ContactOut(BaseModel):
    id: int
    enterprise_uscc: str
    channel: str
    contacted_on: date
    policies: list[str]
    appeal_id: int | None
    gained: list[str] = Field(default_factory=list)
    warning: str | None = None


class AssignIn(BaseModel):
    uscc: str
    official: str = Field(description="包联干部账号")
    tier: str = Field(description="层级代码")
    reason: str = ""


class LineOut(BaseModel):
    uscc: str
    name: str
    tier: str | None
    eligible: int
    total: Decimal
    to_collect: list[str]
    open_appeals: int
    last_contact: date | None
    stale: bool


class RateOut(BaseModel):
    label: str
    members: int
    coverage: float | None
    awareness: float | None
    benefit: float | None
    covered: int
    aware: int
    eligible: int
    benefited: int


class RatesOut(BaseModel):
    start: date
    end: date
    overall: RateOut
    by_tier: list[RateOut]
    by_department: list[RateOut]
    by_street: list[RateOut]
    league: list[RateOut]
    definitions: dict[str, str]


class CoverageOut(BaseModel):
    tier: str
    members: int
    assigned: int
    uncovered: list[str]
    uncovered_total: int
    stale: int
