"""Rates and trends over the appeals the actor may see, through appeals.rates (pure functions).

    recs = records(db, actor)                      # every dispatched or submitted appeal
    appeal_rates(dispatched_between(recs, a, b), as_of=clock.now())
    league_table(recs, clock.now()); weekly_trends(recs, monday)
    sentinel_trends(db, actor, monday)             # 营商前哨: the same, over sentinel appeals only

Merged duplicates are left out: they were never handled on their own.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from huiqi.appeals import repository as repo
from huiqi.appeals.access import visible_appeals
from huiqi.appeals.rates import AppealRecord, CategoryTrend, weekly_trends
from huiqi.appeals.vocab import AppealStatus
from huiqi.auth.actor import Actor
from huiqi.models.appeal import Appeal


def record_of(appeal: Appeal) -> AppealRecord:
    closed = appeal.status == AppealStatus.CLOSED.value
    return AppealRecord(
        category=appeal.category_name, submitted_at=appeal.submitted_at,
        department=appeal.lead_department, dispatched_at=appeal.dispatched_at,
        sign_due=appeal.sign_due, signed_at=appeal.signed_at, resolve_due=appeal.resolve_due,
        resolved_at=appeal.resolved_at, closed=closed,
        visited=appeal.satisfaction is not None, satisfaction=appeal.satisfaction)


def records(session: Session, actor: Actor, *, sentinel_only: bool = False,
            category: str | None = None) -> list[AppealRecord]:
    found = repo.visible_records(session, visible_appeals(actor), sentinel_only=sentinel_only,
                                 category=category)
    return [record_of(a) for a in found]


def sentinel_trends(session: Session, actor: Actor, week_start: date) -> list[CategoryTrend]:
    """营商前哨's own view: new sentinel appeals per category this week against the four before."""
    return weekly_trends(records(session, actor, sentinel_only=True), week_start)
