"""JSON shapes of the grants API (/api/v1/grants…). Money is a decimal string in yuan."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from huiqi.kit.numbers import DbInt, MoneyIn


class ORM(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class BankIn(BaseModel):
    bank_name: str | None = Field(None, max_length=100)
    account_name: str | None = Field(None, max_length=200)
    account: str | None = Field(None, max_length=40)


class ApplicationIn(BaseModel):
    item_id: str = Field(..., max_length=100, examples=["dongbao.ecommerce-loan"])
    facts: dict[str, Any] = Field(default_factory=dict, examples=[{"loan_amount": "1000000"}])
    bank: BankIn | None = None
    as_of: Any = Field(None, description="不接受：申报按提交当日（平台时间）适用政策")

    @field_validator("as_of")
    @classmethod
    def _no_date(cls, value: object) -> None:
        if value is not None:
            raise ValueError("申报日期由平台按提交时间确定，不能指定 as_of")
        return None


class ApplicationOut(ORM):
    id: int
    source: str
    status: str
    status_label: str
    enterprise_uscc: str
    enterprise_name: str
    item_id: str
    item_title: str
    policy_version: str
    department: str
    finance_department: str | None
    year: int
    as_of: date
    facts: dict[str, Any]
    estimated_amount: Decimal | None
    engine_amount: Decimal | None
    proposed_amount: Decimal | None
    approved_amount: Decimal | None
    amount_reason: str | None
    decision_reason: str | None
    missing_materials: list[str] | None
    materials_due: date | None
    submitted_at: datetime
    decided_at: datetime | None


class PolicyVersionOut(BaseModel):
    """The policy version a case follows and where that policy stands now (the application
    page's notice): a case goes on under the version it was submitted under."""

    applied: str  # policy_id@sha256[:16], as in policy_version
    applied_number: int | None  # its number in the policy library (None: a policy file)
    available: bool  # its text is still in the library: false means it cannot be handled
    state: str  # current | superseded | withdrawn | dropped
    state_label: str
    current: str | None  # the version in force now, when superseded
    current_number: int | None
    withdrawn_at: datetime | None


class ApplicationDetailOut(ApplicationOut):
    policy_version_status: PolicyVersionOut


class ApplicationPage(BaseModel):
    items: list[ApplicationOut]
    total: int
    page: int
    per_page: int


class EventOut(ORM):
    at: datetime
    kind: str
    from_status: str | None
    to_status: str | None
    actor_label: str
    note: str | None


class MaterialOut(ORM):
    id: int
    name: str
    original_filename: str
    kind: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class NoteIn(BaseModel):
    note: str | None = Field(None, max_length=2000)


class GapsIn(BaseModel):
    missing: list[str] = Field(..., min_length=1, examples=[["营业执照", "租金缴纳凭证"]])
    due: date | None = None
    workdays: int | None = Field(None, ge=1, le=60)
    note: str | None = Field(None, max_length=2000)


class DecisionIn(BaseModel):
    amount: MoneyIn | None = Field(None, description="不填为政策核定金额；只能调低，须写理由")
    reason: str | None = Field(None, max_length=2000)


class ReasonIn(BaseModel):
    reason: str = Field(..., max_length=2000)


class BudgetOut(BaseModel):
    item_id: str
    item_title: str
    year: int
    total: Decimal | None
    reserved: Decimal
    committed: Decimal
    remaining: Decimal | None


class CandidateIn(BaseModel):
    uscc: str = Field(..., max_length=18)
    amount: MoneyIn | None = None


class AutoListIn(BaseModel):
    item_id: str = Field(..., max_length=100)
    as_of: date | None = None
    candidates: list[CandidateIn] | None = Field(
        None, description="匹配结果（可享受的企业及金额）；不填则按政策规则对企业库测算")


class AutoListOut(ORM):
    id: int
    item_id: str
    item_title: str
    department: str
    year: int
    as_of: date
    rows: int


class IdsIn(BaseModel):
    application_ids: list[DbInt] | None = Field(None, description="不填为名单中全部待确认企业")


class ConfirmOut(BaseModel):
    confirmed: list[int]
    refused: dict[int, str]


class BatchIn(BaseModel):
    item_id: str | None = None
    department: str | None = None
    grant_ids: list[DbInt] | None = None
    note: str | None = Field(None, max_length=2000)


class BatchOut(ORM):
    id: int
    reference: str
    status: str
    lines: int
    total: Decimal
    bank_reference: str | None
    created_at: datetime
    exported_at: datetime | None
    paid_at: datetime | None


class PaidIn(BaseModel):
    bank_reference: str | None = Field(None, max_length=100)


class PaidOut(BaseModel):
    batch: BatchOut
    newly_paid: int


class EvaluationIn(BaseModel):
    score: int = Field(..., ge=0, le=100)
    notes: str = Field(..., min_length=1, max_length=2000)


class EvaluationOut(ORM):
    id: int
    grant_id: int
    score: int
    rating: str
    notes: str
    evaluator_label: str
    at: datetime


class PublicRowOut(ORM):
    name: str
    item_title: str
    department: str
    amount: Decimal
    approved_on: date
    status: str


class PublicPage(BaseModel):
    items: list[PublicRowOut]
    total: int
    page: int
    per_page: int
