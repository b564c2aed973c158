"""An official's portfolio (包联台账): its enterprises with their 礼包 totals, the unknown facts
to collect on the next visit, open appeals, last contact (the day it happened) and the tier's
"no contact for N days" flag; plus its open visit plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.liaison import access
from huiqi.liaison import repository as repo
from huiqi.registry.service import load_catalog


@dataclass(frozen=True)
class Line:
    uscc: str
    name: str
    street: str | None
    tier: str | None
    eligible: int
    total: Decimal
    to_collect: list[str]  # Chinese labels of facts the 礼包 still needs
    open_appeals: int
    last_contact: date | None
    stale: bool


@dataclass(frozen=True)
class Portfolio:
    lines: list[Line]
    plans: list[Any]

    @property
    def stale(self) -> int:
        return sum(1 for line in self.lines if line.stale)


def build(session: Session, actor: Actor, clock: Clock, user_id: int | None = None
          ) -> Portfolio:
    """The actor's own portfolio (an official), or `user_id`'s for the office."""
    if user_id is None:
        user_id = access.official(actor)
    else:
        access.office(actor, read=True)
    today = clock.today_local()
    rows = repo.portfolio(session, user_id)
    ids = [r.id for r in rows]
    packs = repo.pack_summaries(session, ids)
    missing = repo.missing_by_enterprise(session, ids)
    appeals = repo.open_appeals(session, [r.uscc for r in rows])
    catalog = load_catalog()
    lines = []
    for r in rows:
        p = packs.get(r.id)
        names = list(dict.fromkeys(missing.get(r.id, [])))
        stale_days = r.stale_days or 90
        lines.append(Line(
            r.uscc, r.name or r.uscc, r.street, r.tier, int(p.eligible) if p else 0,
            Decimal(str(p.total)).quantize(Decimal("0.01")) if p else Decimal("0.00"),
            [catalog[n].label if n in catalog else n for n in names],
            appeals.get(r.uscc, 0), r.last,
            r.last is None or r.last < today - timedelta(days=stale_days)))
    return Portfolio(lines, repo.open_plans(session, user_id=user_id))
