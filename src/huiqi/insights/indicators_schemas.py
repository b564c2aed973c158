"""JSON shapes of the indicator ledger API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class IndicatorOut(BaseModel):
    id: int
    code: str
    level1: str
    level2: str
    name: str
    unit: str
    direction: str = Field(description="up 越高越好 | down 越低越好")
    department: str
    frequency: str = Field(description="monthly | quarterly | yearly")
    target: str | None = Field(description="目标值（十进制字符串）")
    source: str = Field(description="manual（部门填报）或平台计算口径")
    values: dict[str, str | None] = Field(description="月份 YYYY-MM → 数值")
    met: bool | None = Field(description="最近一月是否达到目标值")


class ValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", examples=["2025-05"])
    value: str = Field(max_length=30, examples=["98.5"], description="数值（十进制字符串）")
    note: str = Field("", max_length=500)


class ValueOut(BaseModel):
    indicator_id: int
    period: str
    value: str
    note: str | None
    computed: bool


class LeagueOut(BaseModel):
    rank: int
    department: str
    indicators: int
    reported: int
    met: int
    with_target: int
