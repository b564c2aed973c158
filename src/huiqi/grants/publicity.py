"""公示: the public list of approved grants — enterprise, item, amount, date; no personal data.

An individual business (个体工商户) is often named after its operator, so its name is masked: the
region prefix and the shop part are kept, the first characters (where a person's name sits) are
replaced, e.g. 江北区吴茂均火锅馆 → 江北区***火锅馆. No USCC, account or contact is ever shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from huiqi.grants.repositories import awarded as awarded_repo
from huiqi.grants.states import HELD
from huiqi.kit.clock import to_local
from huiqi.kit.pagination import Page, PageParams

_REGION = re.compile(r"^((?:[^省市区县]{1,7}(?:省|自治区|市|区|县|旗))*)")
MASK = "***"


@dataclass(frozen=True)
class PublicRow:
    name: str
    item_title: str
    department: str
    amount: Decimal
    approved_on: date
    status: str  # 已批准 / 已兑现


def public_name(name: str, legal_form: str | None) -> str:
    if legal_form != "individual":
        return name
    prefix = _REGION.match(name)
    head = prefix.group(1) if prefix else ""
    rest = name[len(head):]
    if len(rest) <= 3:
        return f"{head}个体工商户{MASK}" if head else f"个体工商户{MASK}"
    return f"{head}{MASK}{rest[3:]}"


def public_list(session: Session, params: PageParams, *, year: int | None = None,
                item_id: str | None = None) -> Page[PublicRow]:
    total, grants = awarded_repo.public_page(session, [s.value for s in HELD], year, item_id,
                                             params.per_page, params.offset)
    rows = [PublicRow(public_name(g.enterprise_name, g.legal_form), g.item_title, g.department,
                      g.amount, to_local(g.approved_at).date(),
                      "已兑现" if g.status == "paid" else "已批准")
            for g in grants]
    return Page(items=rows, total=total, page=params.page, per_page=params.per_page)


def public_years(session: Session) -> list[int]:
    return awarded_repo.years_with(session, [s.value for s in HELD])
