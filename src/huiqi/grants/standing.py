"""Where an enterprise stands with each item (for its 政策礼包): the state of its latest
application per item, as a short label with a link, and whether applying again could succeed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from huiqi.grants.repositories import applications as app_repo
from huiqi.grants.states import ACTIVE, Status

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


def standings(session: Session, uscc: str) -> dict[str, Standing]:
    """item id → the enterprise's latest application of it (withdrawn ones left out)."""
    rows = app_repo.latest_of_enterprise(session, uscc)
    return {item_id: Standing(app_id, Status(status), year, amount)
            for app_id, item_id, status, year, amount in rows}


def item_standings(session: Session, item_id: str) -> dict[str, Standing]:
    """uscc → the latest application of one item by each enterprise (withdrawn ones left out):
    who already applied or was paid, for the office's targeting list of the item."""
    rows = app_repo.latest_of_item(session, item_id, S.WITHDRAWN.value)
    return {uscc: Standing(app_id, Status(status), year, amount)
            for app_id, uscc, status, year, amount in rows}
