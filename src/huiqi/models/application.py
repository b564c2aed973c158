"""申报: an enterprise's application for one policy item (or a 免申即享 row the system proposed).

The item's title and departments are copied at submission, so queues filter in SQL and a later
policy edit never moves an application to another department's queue.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base
from huiqi.models.money import Money
from huiqi.models.types import EncryptedString, UTCDateTime


class Application(Base):
    __tablename__ = "grant_applications"
    __table_args__ = (
        Index("ix_grant_applications_queue", "department", "status"),
        Index("ix_grant_applications_enterprise", "enterprise_uscc", "item_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(8), default="apply")  # apply | auto
    enterprise_uscc: Mapped[str] = mapped_column(String(18))
    enterprise_name: Mapped[str] = mapped_column(String(200))
    legal_form: Mapped[str | None] = mapped_column(String(16))
    item_id: Mapped[str] = mapped_column(String(100), index=True)
    item_title: Mapped[str] = mapped_column(String(200))
    policy_version: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(100))
    finance_department: Mapped[str | None] = mapped_column(String(100), index=True)
    year: Mapped[int] = mapped_column(Integer)  # the budget year (of `as_of`)
    as_of: Mapped[date] = mapped_column(Date)  # the date the rules are evaluated as of
    status: Mapped[str] = mapped_column(String(24), index=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    estimated_amount: Mapped[Decimal | None] = mapped_column(Money)  # at submission
    engine_amount: Mapped[Decimal | None] = mapped_column(Money)  # at department approval
    proposed_amount: Mapped[Decimal | None] = mapped_column(Money)  # reserved, awaiting finance
    approved_amount: Mapped[Decimal | None] = mapped_column(Money)
    amount_reason: Mapped[str | None] = mapped_column(Text)  # why lower than the engine's
    decision_reason: Mapped[str | None] = mapped_column(Text)  # rejection / lapse
    # 容缺受理: the materials still owed and the date they are due (inclusive).
    missing_materials: Mapped[list[str] | None] = mapped_column(JSON)
    materials_due: Mapped[date | None] = mapped_column(Date)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account_name: Mapped[str | None] = mapped_column(String(200))
    bank_account: Mapped[str | None] = mapped_column(EncryptedString())
    auto_list_id: Mapped[int | None] = mapped_column(
        ForeignKey("grant_auto_lists.id", ondelete="RESTRICT"), index=True)
    # 审批与复核分离: above the office's threshold a first department approval waits for a second
    # approver of the department (another person), who makes the actual approval
    first_approved_by: Mapped[int | None] = mapped_column(Integer)
    first_approved_amount: Mapped[Decimal | None] = mapped_column(Money)
    first_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 免申即享 公示: an objection (异议, by the enterprise) or a concern (by anyone) holds the row
    # until a recorded decision; open | upheld | dismissed
    objection_status: Mapped[str | None] = mapped_column(String(12), index=True)
    objection_kind: Mapped[str | None] = mapped_column(String(12))  # objection | concern
    objection_note: Mapped[str | None] = mapped_column(Text)
    objection_decision: Mapped[str | None] = mapped_column(Text)
    objection_decided_by: Mapped[int | None] = mapped_column(Integer)
    submitted_by: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
