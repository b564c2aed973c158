"""The public dashboard: aggregate figures only — counts and sums, never an enterprise's name,
code or amount. Read with an office-wide reader so nothing is narrowed to a caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from huiqi.appeals import service as appeals
from huiqi.auth.actor import Actor
from huiqi.grants import service as grants
from huiqi.insights import dashboard_repository as repo
from huiqi.kit.clock import Clock, to_local
from huiqi.models.user import Role
from huiqi.policies import service as policies


def reader(name: str = "insights") -> Actor:
    """Reads every ledger as the office does (public aggregates, scheduled reports)."""
    return Actor(user_id=None, username=name, display_name="营商办（系统）", role=Role.OFFICE,
                 via="system")


@dataclass(frozen=True)
class PublicFigures:
    year: int
    as_of: date
    items_in_force: int
    enterprises_paid: int
    paid_amount: Decimal
    auto_share: str
    appeals_received: int
    appeals_closed: int
    rates: appeals.AppealRates


def public_figures(db: Session, clock: Clock, as_of: date) -> PublicFigures:
    actor, year = reader(), as_of.year
    paid = grants.grants_query(db, actor, grants.LedgerFilter(year=year, status="paid"))
    auto = grants.grants_query(db, actor, grants.LedgerFilter(year=year, status="paid",
                                                              source="auto"))
    n_paid, amount = repo.count_and_sum(db, paid, "amount")
    n_auto = repo.count_and_sum(db, auto, None)[0]
    share = "—" if not n_paid else \
        f"{(Decimal(n_auto * 100) / n_paid).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"
    received = repo.stamped(db, appeals.list_query(actor), "submitted_at", None)
    closed = repo.stamped(db, appeals.list_query(actor, appeals.AppealFilter(status="closed")),
                          "closed_at", None)
    return PublicFigures(
        year, as_of, len(policies.in_force(db, as_of).items), repo.distinct_count(
            db, paid, "enterprise_uscc"), amount, share,
        sum(1 for at, _ in received if at is not None and to_local(at).year == year),
        sum(1 for at, _ in closed if at is not None and to_local(at).year == year),
        appeals.rates_between(db, actor, date(year, 1, 1), as_of, clock.now()))
