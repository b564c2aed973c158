"""The tick (reminders once per deadline, overdue marking) and rates over real rows."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from huiqi.appeals import rates, service, stats, tasks
from huiqi.appeals.schemas import appeal_out
from huiqi.appeals.vocab import AppealAction as A
from huiqi.kit.scheduler import Scheduler, run_ticks
from huiqi.models.appeal import Appeal, AppealReminder
from huiqi.models.notification import Notification
from tests.appeals.conftest import World, raise_appeal


def at(day: str, hour: int = 10) -> datetime:
    """`hour` o'clock in Beijing on `day`."""
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, hour - 8, tzinfo=UTC)


def act(world: World, who: str, appeal_id: int, action: A, **payload: object) -> Appeal:
    return world.do(service.act, world.actors[who], appeal_id=appeal_id, action=action,
                    payload=payload)


def titles(world: World, who: str) -> list[str]:
    with world.tx() as s:
        uid = world.actors[who].user_id
        return [n.title for n in s.scalars(select(Notification)
                                           .where(Notification.user_id == uid)
                                           .order_by(Notification.id)) if "到期" in n.title
                or "超期" in n.title]


def tick(world: World, day: str) -> tasks.TickResult:
    world.clock.set(at(day))
    return world.do(tasks.tick)


def test_tick_reminds_once_per_deadline_and_marks_overdue(world: World) -> None:
    aid = raise_appeal(world)
    act(world, "office", aid, A.DISPATCH, lead_department="hr")  # sign 9-23, resolve 9-28
    assert tick(world, "2025-09-22") == tasks.TickResult(reminded=1, overdue=0)  # sign: 1 left
    assert tick(world, "2025-09-22") == tasks.TickResult(0, 0)
    assert tick(world, "2025-09-24") == tasks.TickResult(0, 1)  # sign overdue
    assert tick(world, "2025-09-24") == tasks.TickResult(0, 0)
    with world.tx() as s:
        appeal = s.get(Appeal, aid)
        assert appeal is not None and appeal.sign_overdue and not appeal.resolve_overdue
    assert titles(world, "hr") == ["诉求签收即将到期", "诉求签收已超期"]
    assert titles(world, "office") == ["诉求签收已超期"]
    act(world, "hr", aid, A.SIGN)
    assert tick(world, "2025-09-25") == tasks.TickResult(0, 0)  # 26, 28 left
    assert tick(world, "2025-09-26") == tasks.TickResult(1, 0)  # Sun 28 Sep is a 调休 workday
    assert tick(world, "2025-09-29") == tasks.TickResult(0, 1)
    assert tick(world, "2025-09-30") == tasks.TickResult(0, 0)
    act(world, "hr", aid, A.REQUEST_EXTENSION, reason="需省级部门配合", extra_workdays=2)
    extended = act(world, "office", aid, A.APPROVE_EXTENSION)
    assert extended.resolve_due == date(2025, 9, 30) and not extended.resolve_overdue
    assert tick(world, "2025-09-30") == tasks.TickResult(1, 0)  # a new due date: due today
    assert tick(world, "2025-10-09") == tasks.TickResult(0, 1)
    with world.tx() as s:
        kinds = [(r.kind, r.due.isoformat()) for r in s.scalars(
            select(AppealReminder).order_by(AppealReminder.id))]
    assert kinds == [("sign_soon", "2025-09-23"), ("sign_overdue", "2025-09-23"),
                     ("resolve_soon", "2025-09-28"), ("resolve_overdue", "2025-09-28"),
                     ("resolve_soon", "2025-09-30"), ("resolve_overdue", "2025-09-30")]
    act(world, "hr", aid, A.REPLY, reply="已办结")
    assert tick(world, "2025-10-20") == tasks.TickResult(0, 0)  # a reply stops the clock


def test_clocks_on_the_detail_view(world: World) -> None:
    aid = raise_appeal(world)
    act(world, "office", aid, A.DISPATCH, lead_department="hr")
    world.clock.set(at("2025-09-26"))
    view = world.do(service.detail, world.hr, appeal_id=aid)
    assert view.clocks.sign is not None and view.clocks.sign.colour == "red"
    assert view.clocks.resolve is not None
    assert (view.clocks.resolve.colour, view.clocks.resolve.label) == ("yellow", "剩余1个工作日")
    assert view.clocks.calendar_note is None
    assert not appeal_out(view.appeal).deadlines_provisional
    assert view.role is not None and A.SIGN in view.actions


def test_fallback_calendar_is_recorded(world: World) -> None:
    world.clock.set(datetime(2099, 12, 28, 2, tzinfo=UTC))
    aid = raise_appeal(world)
    appeal = act(world, "office", aid, A.DISPATCH, lead_department="hr")
    assert appeal.calendar_fallback
    view = world.do(service.detail, world.office, appeal_id=aid)
    assert view.clocks.calendar_note and "暂定：2100年国务院放假安排尚未收录" in \
        view.clocks.calendar_note
    assert appeal_out(view.appeal).deadlines_provisional  # what /api/v1/appeals/{id} shows


def test_scheduler_runs_the_ticks(world: World) -> None:
    aid = raise_appeal(world)
    act(world, "office", aid, A.DISPATCH, lead_department="hr")
    results = run_ticks(world.engine, world.clock, ["huiqi.appeals.tasks:tick"])
    assert results == {"huiqi.appeals.tasks:tick": tasks.TickResult(1, 0)}
    world.clock.set(at("2025-09-24"))
    scheduler = Scheduler(world.engine, world.clock, ["huiqi.appeals.tasks:tick"], minutes=60)
    scheduler.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with world.tx() as s:
            appeal = s.get(Appeal, aid)
            if appeal is not None and appeal.sign_overdue:
                break
        time.sleep(0.05)
    scheduler.stop()
    with world.tx() as s:
        appeal = s.get(Appeal, aid)
        assert appeal is not None and appeal.sign_overdue


def test_rates_on_hand_checked_fixture(world: World) -> None:
    a, b, c, d = (raise_appeal(world, title=f"诉求{n}", description=f"内容{n}{n}")
                  for n in "ABCD")
    for aid, dept in ((a, "hr"), (b, "hr"), (c, "econ")):
        act(world, "office", aid, A.DISPATCH, lead_department=dept)  # sign 9-23, resolve 9-28
    act(world, "hr", a, A.SIGN)
    act(world, "econ", c, A.SIGN)
    world.clock.set(at("2025-09-24"))
    act(world, "hr", b, A.SIGN)  # late
    world.clock.set(at("2025-09-25"))
    act(world, "hr", a, A.REPLY, reply="已解决")
    act(world, "ent_a", a, A.CONFIRM)
    act(world, "office", a, A.VISIT, satisfaction=5)
    act(world, "office", a, A.CLOSE)
    world.clock.set(at("2025-09-29"))
    act(world, "hr", b, A.REPLY, reply="已解决")  # late
    act(world, "ent_a", b, A.CONFIRM)
    act(world, "office", b, A.VISIT, satisfaction=3, comment="答复太慢")
    assert d  # submitted, never dispatched: not counted
    now = at("2025-09-30")
    recs = world.do(stats.records, world.office)
    overall = rates.appeal_rates(recs, now)
    assert overall.dispatched == 3
    assert (overall.response.numerator, overall.response.denominator) == (2, 3)
    assert (overall.on_time.numerator, overall.on_time.denominator) == (1, 3)  # C overdue
    assert (overall.resolution.numerator, overall.resolution.denominator) == (2, 3)
    assert (overall.satisfaction.numerator, overall.satisfaction.denominator) == (1, 2)
    assert [overall.response.percent, overall.on_time.percent, overall.satisfaction.percent] \
        == ["66.7%", "33.3%", "50.0%"]
    assert (overall.overdue_open, overall.closed) == (1, 1)
    league = rates.league_table(recs, now)
    assert [(r.rank, r.department, r.score) for r in league] == [
        (1, "区人力社保局", Decimal("65.0")), (2, "区经济信息委", Decimal("25.0"))]
    # A department sees only its own appeals in the figures.
    assert rates.appeal_rates(world.do(stats.records, world.econ), now).dispatched == 1
