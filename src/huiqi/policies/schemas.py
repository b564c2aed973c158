"""JSON shapes of the policy library API (/api/v1/policies…). Dates ISO, money decimal strings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class ORM(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SourceIn(BaseModel):
    filename: str = Field("policy.yaml", max_length=200, examples=["finance-2025.yaml"])
    source: str = Field(..., max_length=600_000, description="政策文件 YAML 全文（UTF-8）")
    note: str = Field("", max_length=500, description="修订说明")


class WithdrawIn(BaseModel):
    reason: str = Field("", max_length=500)


class ProblemOut(BaseModel):
    file: str
    line: int | None
    column: int | None
    item: str | None
    criterion: str | None
    message: str  # for a person, in Chinese
    code: str  # stable machine code, e.g. unknown_field, yaml_invalid


class TestOut(BaseModel):
    item_id: str
    name: str
    passed: bool
    message: str
    code: str = ""


class CheckOut(BaseModel):
    ok: bool
    policy_id: str | None
    items: int
    problems: list[ProblemOut]
    tests: list[TestOut]


class VersionOut(ORM):
    number: int
    status: str
    filename: str
    sha256: str
    title: str
    item_ids: list[str]
    note: str
    created_at: datetime
    created_by: str | None
    published_at: datetime | None
    published_by: str | None
    withdrawn_at: datetime | None
    withdrawn_by: str | None


class VersionSourceOut(VersionOut):
    source: str


class ItemOut(BaseModel):
    id: str
    title: str
    department: str
    effective_from: date
    effective_to: date | None
    auto_grant: bool
    budget_per_year: Decimal | None


class DocumentOut(BaseModel):
    id: int
    policy_id: str
    title: str
    published_version: int | None
    latest_version: int | None
    versions: int


class DocumentDetailOut(DocumentOut):
    items: list[ItemOut] = Field(description="已发布版本（无则最新版本）的事项")
    history: list[VersionOut]


class RematchOut(BaseModel):
    enterprises: int
    items: int
    newly_eligible: int
    notified: int
    seconds: float


class PublishOut(BaseModel):
    version: VersionOut
    superseded: int | None
    rematch: RematchOut
    message: str


class DiffOut(BaseModel):
    old: int
    new: int
    added_items: list[str]
    removed_items: list[str]
    added_lines: int
    removed_lines: int
    unified: str
