"""Scheduled work of liaison: remind an official of a planned visit the day before (once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from huiqi.kit.clock import Clock
from huiqi.liaison import repository as repo
from huiqi.notify.service import notify


@dataclass(frozen=True)
class TickResult:
    reminded: int
    overdue: int = 0


def tick(session: Session, clock: Clock) -> TickResult:
    """Plans due by tomorrow and not yet reminded: one notification each, then marked."""
    now, tomorrow = clock.now(), clock.today_local() + timedelta(days=1)
    plans = repo.plans_due(session, tomorrow)
    for plan in plans:
        ent = repo.enterprise_row(session, plan.enterprise_uscc)
        name = ent.name if ent is not None and ent.name else plan.enterprise_uscc
        notify(session, [plan.user_id], "走访计划提醒",
               f"您计划于 {plan.planned_on.isoformat()} 走访{name}。{plan.note}",
               f"/liaison/enterprises/{plan.enterprise_uscc}", at=now)
        plan.reminded_at = now
    session.flush()
    return TickResult(len(plans))
