"""JSON shapes of the projects API (/api/v1/projects…). Dates ISO; money in 元 (strings)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from huiqi.projects.table import ProjectSummary, ProjectTable, StepRow

Money = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2,
                                 allow_inf_nan=False)]


class ProjectInBody(BaseModel):
    name: str = Field(..., max_length=200, examples=["巴南智能装备产业园项目"])
    enterprise_name: str = Field(..., max_length=200)
    region: str = Field(..., max_length=6, examples=["500113"])
    signed_on: date
    project_type: str = Field("industrial", max_length=32)
    enterprise_uscc: str | None = Field(None, max_length=18)
    industry_code: str | None = Field(None, max_length=8)
    amount: Money | None = None
    land_mu: Money | None = None
    agent: str | None = Field(None, max_length=64, description="代办员用户名")
    secretary: str | None = Field(None, max_length=64, description="项目秘书用户名")
    lead: str | None = Field(None, max_length=64, description="牵头领导用户名")
    note: str | None = Field(None, max_length=2000)


class StepDatesBody(BaseModel):
    started_on: date | None = None
    done_on: date | None = None


class BlockBody(BaseModel):
    reason: str = Field(..., max_length=2000)
    category: str | None = Field(None, max_length=100, examples=["审批许可"])


class ProgressBody(BaseModel):
    note: str = Field(..., max_length=2000)


class StepOut(BaseModel):
    id: int
    key: str
    name: str
    kind: str
    department: str
    limit_workdays: int
    planned_due: date
    started_on: date | None
    done_on: date | None
    took_workdays: int | None
    colour: str  # green / yellow / red
    remaining_workdays: int
    label: str
    blocked_reason: str | None
    appeal_id: int | None
    escalated_at: datetime | None


class ProjectOut(BaseModel):
    id: int
    name: str
    enterprise_name: str
    enterprise_uscc: str | None
    region: str
    project_type: str
    amount: str | None
    land_mu: str | None
    signed_on: date
    stage: str
    progress_done: int
    progress_total: int
    progress_percent: int
    worst: str
    overdue_steps: int = 0


class TableOut(ProjectOut):
    agent: str
    secretary: str
    lead: str
    progress_rule: str
    steps: list[StepOut]


class RatesOut(BaseModel):
    as_of: date
    signed: int
    started: int
    produced: int
    start_rate: str | None
    production_rate: str | None
    definitions: dict[str, str]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def step_out(r: StepRow) -> StepOut:
    s = r.step
    return StepOut(id=s.id, key=s.key, name=s.name, kind=s.kind, department=s.department_name,
                   limit_workdays=s.limit_workdays, planned_due=s.planned_due,
                   started_on=s.started_on, done_on=s.done_on, took_workdays=r.took_workdays,
                   colour=r.clock.colour.value, remaining_workdays=r.clock.remaining_workdays,
                   label=r.clock.label, blocked_reason=s.blocked_reason, appeal_id=s.appeal_id,
                   escalated_at=s.escalated_at)


def summary_out(s: ProjectSummary) -> ProjectOut:
    p = s.project
    return ProjectOut(id=p.id, name=p.name, enterprise_name=p.enterprise_name,
                      enterprise_uscc=p.enterprise_uscc, region=p.region,
                      project_type=p.project_type, amount=_money(p.amount),
                      land_mu=_money(p.land_mu), signed_on=p.signed_on, stage=s.stage,
                      progress_done=s.progress.done, progress_total=s.progress.total,
                      progress_percent=s.progress.percent, worst=s.worst.value,
                      overdue_steps=s.overdue)


def table_out(t: ProjectTable) -> TableOut:
    p = t.project
    return TableOut(id=p.id, name=p.name, enterprise_name=p.enterprise_name,
                    enterprise_uscc=p.enterprise_uscc, region=p.region,
                    project_type=p.project_type, amount=_money(p.amount),
                    land_mu=_money(p.land_mu), signed_on=p.signed_on, stage=t.stage,
                    progress_done=t.progress.done, progress_total=t.progress.total,
                    progress_percent=t.progress.percent, worst=t.worst.value,
                    overdue_steps=sum(1 for r in t.rows if r.clock.colour.value == "red"
                                      and r.step.done_on is None),
                    agent=t.people["agent"], secretary=t.people["secretary"],
                    lead=t.people["lead"], progress_rule=t.rule,
                    steps=[step_out(r) for r in t.rows])


class RowErrorOut(BaseModel):
    row: int  # as the user sees it in the spreadsheet
    reason: str  # in Chinese
    code: str  # stable machine code: missing_name, bad_date, bad_uscc, duplicate, …


class ImportOut(BaseModel):
    total_rows: int
    imported: list[int]  # project ids
    errors: list[RowErrorOut]
