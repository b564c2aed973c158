"""JSON shapes of the appeals API (/api/v1/appeals…). Dates ISO; times UTC."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from huiqi.appeals.vocab import AppealStatus, Source
from huiqi.kit.numbers import DbInt
from huiqi.kit.workdays import fallback_years


class ORM(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AppealInBody(BaseModel):
    category: str = Field(..., max_length=100, examples=["用工招聘"])
    title: str = Field(..., max_length=200)
    description: str = Field(..., max_length=4000)
    enterprise_uscc: str | None = Field(None, max_length=40)
    enterprise_name: str | None = Field(None, max_length=200)
    source: str | None = Field(None, max_length=16)
    contact_name: str | None = Field(None, max_length=100)
    contact_phone: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=300)
    lat: Annotated[Decimal, Field(ge=-90, le=90, allow_inf_nan=False)] | None = None
    long: Annotated[Decimal, Field(ge=-180, le=180, allow_inf_nan=False)] | None = None


class AppealOut(ORM):
    id: int
    enterprise_uscc: str
    enterprise_name: str
    category_name: str
    title: str
    description: str
    source: str
    source_label: str = ""
    status: str
    status_label: str = ""
    sentinel: bool
    lead_department: str | None
    dispatched_at: datetime | None
    sign_due: date | None
    resolve_due: date | None
    calendar_fallback: bool  # the deadlines were computed on a provisional calendar
    deadlines_provisional: bool = False  # …and the official arrangement is still not known
    signed_at: datetime | None
    replied_at: datetime | None
    reply: str | None
    resolved_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    satisfaction: int | None
    escalated_to: str | None
    sign_overdue: bool
    resolve_overdue: bool
    merged_into_id: int | None
    meeting_id: int | None
    hotline_ticket: str | None
    submitted_at: datetime
    updated_at: datetime


def appeal_out(appeal: Any) -> AppealOut:
    out = AppealOut.model_validate(appeal)
    out.status_label = AppealStatus(appeal.status).label
    out.source_label = Source(appeal.source).label
    out.deadlines_provisional = bool(
        appeal.calendar_fallback and appeal.dispatched_at and appeal.resolve_due
        and fallback_years(appeal.dispatched_at.date(), appeal.resolve_due))
    return out


class DuplicateOut(BaseModel):
    appeal_id: int
    title: str
    status: str
    submitted_at: str
    score: float
    reason: str


class SubmittedOut(BaseModel):
    appeal: AppealOut
    possible_duplicates: list[DuplicateOut]


class AppealPage(BaseModel):
    items: list[AppealOut]
    total: int
    page: int
    per_page: int


class ClockOut(BaseModel):
    colour: str
    remaining_workdays: int
    label: str


class AssignmentOut(ORM):
    department_name: str
    lead: bool
    responsibility: str | None
    dispatch_round: int
    active: bool
    assigned_at: datetime
    signed_at: datetime | None


class RequestOut(ORM):
    id: int
    kind: str
    status: str
    reason: str
    extra_workdays: int | None
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str | None
    old_due: date | None
    new_due: date | None


class EventOut(ORM):
    at: datetime
    kind: str
    kind_label: str = ""
    from_status: str | None
    to_status: str | None
    actor_label: str
    note: str | None


class AttachmentOut(ORM):
    id: int
    original_filename: str
    kind: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class DetailOut(BaseModel):
    appeal: AppealOut
    role: str | None
    actions: list[str]
    sign_clock: ClockOut | None
    resolve_clock: ClockOut | None
    calendar_note: str | None
    assignments: list[AssignmentOut]
    requests: list[RequestOut]
    attachments: list[AttachmentOut]


class MergeIn(BaseModel):
    into_id: DbInt
    note: str | None = Field(None, max_length=1000)


class MeetingInBody(BaseModel):
    title: str = Field(..., max_length=200)
    held_on: date
    location: str | None = Field(None, max_length=200)
    host: str | None = Field(None, max_length=100)
    notes: str | None = Field(None, max_length=4000)
    appeals: list[AppealInBody] = Field(..., min_length=1, max_length=500)


class MeetingOut(BaseModel):
    meeting_id: int
    appeal_ids: list[int]


class RowErrorOut(BaseModel):
    row: int
    reason: str  # in Chinese
    code: str = "invalid"  # stable machine code


class ImportOut(BaseModel):
    batch_id: int
    total_rows: int
    imported: list[int]
    duplicates: list[str]
    errors: list[RowErrorOut]


class CategoryIn(BaseModel):
    code: str = Field(..., max_length=32)
    name: str = Field(..., max_length=100)
    sign_within_workdays: int = Field(..., ge=0, le=60)
    resolve_within_workdays: int = Field(..., ge=0, le=250)
    usual_departments: list[str] = Field(default_factory=list)
    description: str | None = Field(None, max_length=2000)


class CategoryPatch(BaseModel):
    name: str | None = Field(None, max_length=100)
    sign_within_workdays: int | None = Field(None, ge=0, le=60)
    resolve_within_workdays: int | None = Field(None, ge=0, le=250)
    usual_departments: list[str] | None = None
    description: str | None = Field(None, max_length=2000)
    active: bool | None = None


class CategoryOut(ORM):
    id: int
    code: str
    name: str
    description: str | None
    usual_departments: list[str]
    sign_within_workdays: int
    resolve_within_workdays: int
    active: bool


class OverrideIn(BaseModel):
    kind: str = Field(..., pattern="^(holiday|workday)$")
    note: str | None = Field(None, max_length=200)


class OverrideOut(ORM):
    day: date
    kind: str
    note: str | None


class FlagIn(BaseModel):
    note: str | None = Field(None, max_length=200)


class RateOut(BaseModel):
    numerator: int
    denominator: int
    percent: str


class RatesOut(BaseModel):
    dispatched: int
    response: RateOut
    on_time: RateOut
    resolution: RateOut
    satisfaction: RateOut
    overdue_open: int
    closed: int


class LeagueRowOut(BaseModel):
    rank: int
    department: str
    score: str | None
    rates: RatesOut


class RatesReport(BaseModel):
    start: date
    end: date
    overall: RatesOut
    by_department: dict[str, RatesOut]
    by_category: dict[str, RatesOut]
    league: list[LeagueRowOut]
    definitions: dict[str, str]


class TrendOut(BaseModel):
    category: str
    this_week: int
    previous: list[int]
    mean: str
    rising: bool
