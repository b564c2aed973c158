"""JSON shapes of /api/v1/supervision."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from huiqi.kit.numbers import DbInt


class PlanCreate(BaseModel):
    title: str = Field(max_length=200)
    department_ids: list[DbInt] = Field(max_length=50)
    item_ids: list[DbInt] = Field(max_length=200)
    field: str = Field(max_length=32)
    period_start: date
    period_end: date
    ratios: dict[str, str] = Field(description="A/B/C/D/N → 抽查比例（%，0–100）")
    risk_ratios: dict[str, str] = Field(default_factory=dict, description="高/中/低 → %")
    team_size: int = Field(default=2, ge=2, le=6)
    quiet_exception: str | None = Field(default=None, max_length=32)
    quiet_reason: str | None = Field(default=None, max_length=1000)


class CommitIn(BaseModel):
    kind: str = Field(description="drand | public", max_length=16)
    ref: str = Field(description="drand 轮次，或现场摇号的时间地点方式", max_length=200)
    due: datetime | None = Field(default=None, description="现场摇号时间（public）")


class BeaconIn(BaseModel):
    value: str = Field(max_length=200)


class RecordBody(BaseModel):
    outcome: str = Field(description="clear | issues | not_found", max_length=16)
    findings: str = Field(default="", max_length=4000)
    exemption_id: DbInt | None = None
    rectify_by: date | None = None


class PlanOut(BaseModel):
    id: int
    title: str
    status: str
    department_ids: list[int]
    item_ids: list[int]
    period_start: date
    period_end: date
    ratios: dict[str, str]
    commitment_sha256: str | None
    beacon_ref: str | None
    beacon_value: str | None
    result_sha256: str | None
    commitment: dict[str, Any] | None = None


class InspectionOut(BaseModel):
    id: int
    plan_id: int
    uscc: str
    enterprise_name: str
    day: date
    status: str
    outcome: str | None
    findings: str | None
    notice: str | None
    rectify_by: date | None
    quiet_exception: str | None
    quiet_reason: str | None
    published_at: datetime | None
