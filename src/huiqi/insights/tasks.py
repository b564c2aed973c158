"""Scheduled work of insights (run by kit.scheduler and `huiqi tick`): the Friday weekly
report, last month's computed indicators, and reminders to enter monthly indicators."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from huiqi.insights import indicators_tasks, report_service
from huiqi.kit.clock import Clock


def tick(session: Session, clock: Clock) -> dict[str, Any]:
    weekly = report_service.friday_due(session, clock)
    return {"weekly_report": weekly.id if weekly else None,
            "indicators_computed": indicators_tasks.compute_last_month(session, clock),
            "indicator_reminders": indicators_tasks.remind(session, clock)}
