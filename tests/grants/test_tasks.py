"""容缺 reminders N working days before the due date, once; lapse the day after it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from huiqi.grants import applications as apps
from huiqi.grants import review, tasks
from huiqi.grants.states import InvalidTransition
from huiqi.models.notification import Notification
from tests.grants.conftest import World, upload


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)  # 09:00 in Beijing


def _gapped(w: World, due: date) -> int:
    app = w.do(apps.submit, w.ent_a, item_id="testville.rent", files=[upload("房屋租赁合同")])
    w.do(review.accept_with_gaps, w.dept, app.id, ["营业执照"], due=due)
    return app.id


def _titles(w: World) -> list[str]:
    with w.tx() as s:
        return list(s.scalars(select(Notification.title).where(
            Notification.user_id == w.ent_a.user_id).order_by(Notification.id)))


def test_reminder_two_working_days_before_due_once_then_lapse(world: World) -> None:
    due = date(2025, 6, 13)  # Friday
    app_id = _gapped(world, due)
    for day, reminded, lapsed in [
        (date(2025, 6, 10), 0, 0),  # Tue: 3 working days left
        (date(2025, 6, 11), 1, 0),  # Wed: 2 left → remind
        (date(2025, 6, 12), 0, 0),  # Thu: already reminded
        (date(2025, 6, 13), 0, 0),  # the due date itself is still in time
        (date(2025, 6, 14), 0, 1),  # Sat after the due date → lapse
        (date(2025, 6, 16), 0, 0),  # nothing left to do
    ]:
        world.clock.set(_at(day))
        result = world.do(tasks.tick)
        assert (result.reminded, result.lapsed) == (reminded, lapsed), day
    got = world.do(apps.get, world.ent_a, app_id)
    assert got.status == "lapsed" and "营业执照" in (got.decision_reason or "")
    assert _titles(world)[-2:] == ["补齐材料提醒", "申报已失效"]
    with pytest.raises(InvalidTransition):
        world.do(apps.upload_material, world.ent_a, app_id, upload("营业执照"))
    with world.tx() as s:
        kinds = [e.kind for e in apps.timeline(s, world.ent_a, app_id)]
    assert kinds[-2:] == ["remind", "lapse"]


def test_working_days_skip_the_holiday(world: World) -> None:
    # National Day 2025: 1–8 Oct off; Sunday 28 Sep is a 调休 working day. A case due 7 Oct has
    # 3 working days left on Friday 26 Sep (28, 29, 30 Sep) and 2 on Sunday 28 Sep.
    world.clock.set(_at(date(2025, 9, 25)))
    app_id = _gapped(world, date(2025, 10, 7))
    world.clock.set(_at(date(2025, 9, 26)))  # Fri: (26 Sep, 7 Oct] has 28, 29, 30 Sep = 3
    assert world.do(tasks.tick).reminded == 0
    world.clock.set(_at(date(2025, 9, 28)))  # Sun, a 调休 working day: 29, 30 Sep = 2
    assert world.do(tasks.tick).reminded == 1
    world.clock.set(_at(date(2025, 10, 8)))
    assert world.do(tasks.tick).lapsed == 1
    assert world.do(apps.get, world.ent_a, app_id).status == "lapsed"


def test_supplied_in_time_does_not_lapse(world: World) -> None:
    app_id = _gapped(world, date(2025, 6, 13))
    world.do(apps.upload_material, world.ent_a, app_id, upload("营业执照"))
    world.clock.set(_at(date(2025, 6, 20)))
    assert world.do(tasks.tick).lapsed == 0
    assert world.do(apps.get, world.ent_a, app_id).status == "under_review"
