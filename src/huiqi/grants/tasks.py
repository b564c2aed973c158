"""Scheduled work, run by the tick: 容缺 reminders before the due date, lapse when overdue.

    tick(session, clock)  # idempotent: a reminder is sent once; a lapsed case is not touched again

Reminders go to every channel the platform has (in-app now; SMS once registered), on the first
tick within `REMIND_WORKDAYS` working days of the due date. The due date is inclusive: a case
lapses on the first day after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.grants import enterprises, events
from huiqi.grants.repositories import applications as app_repo
from huiqi.grants.states import Action, Status, check
from huiqi.kit.clock import Clock
from huiqi.kit.workdays import remaining_workdays
from huiqi.models.application import Application
from huiqi.notify.service import CHANNELS, notify

REMIND_WORKDAYS = 2
SYSTEM = Actor.system("grants.tick")


@dataclass(frozen=True)
class TickResult:
    reminded: int
    lapsed: int


def tick(session: Session, clock: Clock, remind_workdays: int = REMIND_WORKDAYS) -> TickResult:
    today, now = clock.today_local(), clock.now()
    reminded = lapsed = 0
    for app in app_repo.awaiting_materials_locked(session, Status.PENDING_MATERIALS.value):
        due = app.materials_due
        if due is None:
            continue
        if today > due:
            _lapse(session, app, now)
            lapsed += 1
        elif app.reminded_on is None and remaining_workdays(today, due) <= remind_workdays:
            _remind(session, app, today, now)
            reminded += 1
    return TickResult(reminded, lapsed)


def _remind(session: Session, app: Application, today: date, now: datetime) -> None:
    app.reminded_on = today
    owed = "、".join(app.missing_materials or [])
    body = (f"您申报的“{app.item_title}”为容缺受理，请于 {app.materials_due}（含当日）前"
            f"补齐：{owed}。逾期未补齐，申报将失效。")
    ids = enterprises.account_ids(session, app.enterprise_uscc)
    if ids:
        channels = tuple(c for c in ("inapp", "sms") if c in CHANNELS)
        notify(session, ids, "补齐材料提醒", body, events.link(app), channels=channels,
               at=now)
    events.add_event(session, app, SYSTEM, "remind", now,
                     from_status=app.status,
                     note=f"已提醒企业于 {app.materials_due} 前补齐：{owed}")
    audit.record(session, SYSTEM, "grants.application_remind", app,
                 after={"materials_due": app.materials_due, "missing": app.missing_materials},
                 at=now)


def _lapse(session: Session, app: Application, now: datetime) -> None:
    before, previous = events.snapshot(app), app.status
    app.status = check(previous, Action.LAPSE).value
    owed = "、".join(app.missing_materials or [])
    app.decision_reason = f"未在 {app.materials_due} 前补齐容缺材料：{owed}"
    app.decided_at = app.updated_at = now
    audit.record(session, SYSTEM, "grants.application_lapse", app, before=before,
                 after=events.snapshot(app), at=now)
    events.add_event(session, app, SYSTEM, "lapse", now,
                     from_status=previous, note=app.decision_reason)
    events.tell_enterprise(session, app, "申报已失效", f"您申报的“{app.item_title}”"
                           f"{app.decision_reason}，申报已失效。如需继续，请重新申报。",
                           now)
