"""The ratings tick (idempotent; run by the scheduler and `huiqi tick`):

- each appeal's return visit becomes the rating of that appeal (once), so a 差评 given on a
  return visit opens the same 核实/整改/回访 loop as one given on the portal;
- a 差评 whose current step (核实, 整改, 回访) is past its due date is flagged to the owning
  department and the office, once per step and due date (audited as `rating.overdue`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.notify.service import notify
from huiqi.ratings import repository as repo
from huiqi.ratings.sources import feed_appeal_visits
from huiqi.ratings.vocab import Stage

SYSTEM = Actor.system("ratings.tick")


@dataclass(frozen=True)
class TickResult:
    fed: int  # appeal return visits turned into ratings
    overdue: int  # 差评 steps newly flagged overdue


def tick(session: Session, clock: Clock) -> TickResult:
    fed = feed_appeal_visits(session, clock)
    return TickResult(fed, flag_overdue(session, clock))


def flag_overdue(session: Session, clock: Clock) -> int:
    now, flagged = clock.now(), 0
    office = repo.office_user_ids(session)
    for rating in repo.overdue_tasks(session, clock.today_local()):
        stage = Stage(rating.stage)
        due = {Stage.VERIFY: rating.verify_due, Stage.RECTIFY: rating.rectify_due,
               Stage.REVISIT: rating.revisit_due}[stage]
        key = f"{stage.value}:{due}"
        if rating.overdue_notice == key:
            continue
        rating.overdue_notice = key
        audit.record(session, SYSTEM, "rating.overdue", rating,
                     after={"stage": stage.value, "due": due}, at=now)
        notify(session, [*repo.department_user_ids(session, rating.department_id), *office],
               "差评处置已超期",
               f"{rating.department_name}的评价 #{rating.id}「{stage.label}」已超过时限 {due}。",
               f"/ratings/{rating.id}", at=now)
        flagged += 1
    return flagged
