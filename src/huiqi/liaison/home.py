"""The liaison official's home panel: its portfolio in figures (enterprises, not contacted for
the tier's N days, visit plans, facts to collect, open appeals) and reminders — visit plans due
in the coming week or overdue, and the enterprises longest without a contact."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.liaison import portfolio
from huiqi.models.user import Role
from huiqi.ui.dashboard import Panel, register_panel

REMINDERS = 5  # enterprises listed as "longest without a contact"


def context(db: Session, actor: Actor) -> dict[str, Any]:
    clock = Clock()  # panels get no request clock (as matching's home panel)
    today = clock.today_local()
    p = portfolio.build(db, actor, clock)
    soon = today + timedelta(days=7)
    plans = [(plan, name) for plan, name in p.plans if plan.planned_on <= soon]
    stale = sorted((line for line in p.lines if line.stale),
                   key=lambda line: (line.last_contact is not None, line.last_contact))
    return {"enterprises": len(p.lines), "stale": p.stale, "plans": len(p.plans),
            "collect": sum(1 for line in p.lines if line.to_collect),
            "appeals": sum(line.open_appeals for line in p.lines),
            "due": plans, "today": today, "longest": stale[:REMINDERS]}


def register() -> None:
    register_panel(Panel(Role.LIAISON, "liaison/_home_panel.html", context, order=10))
