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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huiqi.grants.states import HELD
from huiqi.kit.clock import to_local
from huiqi.kit.pagination import Page, PageParams
from huiqi.models.grant import Grant

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
    where = [Grant.status.in_([s.value for s in HELD])]
    if year:
        where.append(Grant.year == year)
    if item_id:
        where.append(Grant.item_id == item_id)
    total = session.scalar(select(func.count()).select_from(Grant).where(*where)) or 0
    stmt = select(Grant).where(*where).order_by(Grant.approved_at.desc(), Grant.id.desc()) \
        .limit(params.per_page).offset(params.offset)
    rows = [PublicRow(public_name(g.enterprise_name, g.legal_form), g.item_title, g.department,
                      g.amount, to_local(g.approved_at).date(),
                      "已兑现" if g.status == "paid" else "已批准")
            for g in session.scalars(stmt)]
    return Page(items=rows, total=total, page=params.page, per_page=params.per_page)


def public_years(session: Session) -> list[int]:
    stmt = select(Grant.year).where(Grant.status.in_([s.value for s in HELD])).distinct()
    return sorted(session.scalars(stmt), reverse=True)
