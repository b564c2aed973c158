"""Where an enterprise stands with each item (for its 政策礼包): the state of its latest
application per item, as a short label with a link, and whether applying again could succeed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from huiqi.grants.states import ACTIVE, Status
from huiqi.models.application import Application

S = Status
LABELS = {S.SUBMITTED: "申报中", S.UNDER_REVIEW: "申报中", S.FINANCE_REVIEW: "申报中",
          S.PENDING_MATERIALS: "容缺待补", S.APPROVED: "已批准", S.PAID: "已兑现",
          S.REJECTED: "未通过", S.LAPSED: "未通过"}
TONES = {"申报中": "info", "容缺待补": "warn", "已批准": "ok", "已兑现": "ok", "未通过": "err"}


@dataclass(frozen=True)
class Standing:
    application_id: int
    status: Status
    year: int
    amount: Decimal | None  # approved (or paid) amount

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def tone(self) -> str:
        return TONES[self.label]

    def blocks_apply(self, year: int) -> bool:
        """An application in progress or granted this year: another one would be refused."""
        return self.status in ACTIVE and self.year == year


# Built once: the 政策礼包 asks on every request (building costs more than running it).
_a = Application.__table__.c  # Core columns: ORM-enabled statements take a slower path
_BY_ENTERPRISE = (
    select(_a.id, _a.item_id, _a.status, _a.year, _a.approved_amount)
    .where(_a.enterprise_uscc == bindparam("uscc"), _a.status != S.WITHDRAWN.value)
    .order_by(_a.id))


def standings(session: Session, uscc: str) -> dict[str, Standing]:
    """item id → the enterprise's latest application of it (withdrawn ones left out)."""
    rows = session.execute(_BY_ENTERPRISE, {"uscc": uscc}).all()
    return {item_id: Standing(app_id, Status(status), year, amount)
            for app_id, item_id, status, year, amount in rows}


def item_standings(session: Session, item_id: str) -> dict[str, Standing]:
    """uscc → the latest application of one item by each enterprise (withdrawn ones left out):
    who already applied or was paid, for the office's targeting list of the item."""
    rows = session.execute(
        select(Application.id, Application.enterprise_uscc, Application.status, Application.year,
               Application.approved_amount)
        .where(Application.item_id == item_id, Application.status != S.WITHDRAWN.value)
        .order_by(Application.id)).all()
    return {uscc: Standing(app_id, Status(status), year, amount)
            for app_id, uscc, status, year, amount in rows}
