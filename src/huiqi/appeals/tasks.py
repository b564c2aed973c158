"""The appeals tick: yellow/red clocks turned into reminders, overdue appeals marked.

    tick(session, clock)  # idempotent: one reminder per appeal, kind and due date

- sign clock (dispatched, not yet signed) and resolve clock (dispatched … in progress; a reply
  stops it, a reopen starts it again): when one working day or less is left, the lead department
  is reminded (`*_soon`); once the due date has passed, the appeal is marked overdue (audited,
  on the timeline) and the lead department and the office are told (`*_overdue`).
- A reminder is recorded in `appeal_reminders` (unique per appeal, kind, due date), so a second
  tick sends nothing; an approved extension gives a new due date, hence new reminders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.appeals import categories, notices, records
from huiqi.appeals import repository as repo
from huiqi.appeals.vocab import AppealStatus
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.workdays import HolidayOverrides, remaining_workdays
from huiqi.models.appeal import Appeal, AppealReminder

SYSTEM = Actor.system("appeals.tick")
S = AppealStatus
SIGNING = (S.DISPATCHED.value,)
RESOLVING = (S.DISPATCHED.value, S.SIGNED.value, S.IN_PROGRESS.value)
SOON_WORKDAYS = 1


@dataclass(frozen=True)
class TickResult:
    reminded: int  # reminders sent (due soon)
    overdue: int  # appeals newly marked overdue


def tick(session: Session, clock: Clock) -> TickResult:
    today, now = clock.today_local(), clock.now()
    overrides = categories.overrides(session)
    reminded = overdue = 0
    for appeal in repo.resolving_locked(session, RESOLVING):
        if appeal.status in SIGNING and appeal.sign_due:
            r, o = _check(session, appeal, "sign", appeal.sign_due, today, now, overrides)
            reminded, overdue = reminded + r, overdue + o
        if appeal.resolve_due:
            r, o = _check(session, appeal, "resolve", appeal.resolve_due, today, now, overrides)
            reminded, overdue = reminded + r, overdue + o
    return TickResult(reminded, overdue)


STEP = {"sign": "签收", "resolve": "办结"}


def _check(session: Session, appeal: Appeal, step: str, due: date, today: date, now: datetime,
           overrides: HolidayOverrides) -> tuple[int, int]:
    if today > due:
        if not _once(session, appeal, f"{step}_overdue", due, now):
            return 0, 0
        setattr(appeal, f"{step}_overdue", True)
        records.add_event(session, appeal, SYSTEM, "overdue", now, data={"step": step,
                          "due": due}, note=f"已超过{STEP[step]}时限 {due.isoformat()}")
        audit.record(session, SYSTEM, f"appeal.{step}_overdue", appeal,
                     after={f"{step}_due": due, f"{step}_overdue": True}, at=now)
        ids = notices.lead(session, appeal) + repo.office_user_ids(session)
        notices.tell(session, ids, appeal, f"诉求{STEP[step]}已超期",
                     f"诉求“{appeal.title}”（{appeal.lead_department}）已超过{STEP[step]}时限 "
                     f"{due.isoformat()}，请尽快办理。", now)
        return 0, 1
    if remaining_workdays(today, due, overrides) <= SOON_WORKDAYS:
        if not _once(session, appeal, f"{step}_soon", due, now):
            return 0, 0
        left = "今日到期" if today == due else f"将于 {due.isoformat()} 到期"
        records.add_event(session, appeal, SYSTEM, "remind", now, data={"step": step,
                          "due": due}, note=f"{STEP[step]}时限{left}")
        notices.tell(session, notices.lead(session, appeal), appeal, f"诉求{STEP[step]}即将到期",
                     f"诉求“{appeal.title}”的{STEP[step]}时限{left}，请及时办理。", now)
        return 1, 0
    return 0, 0


def _once(session: Session, appeal: Appeal, kind: str, due: date, now: datetime) -> bool:
    """Record that this reminder is sent; False if it was sent already."""
    if repo.reminder_sent(session, appeal.id, kind, due):
        return False
    session.add(AppealReminder(appeal_id=appeal.id, kind=kind, due=due, sent_at=now))
    return True
