"""Rates on a fixture whose figures are checked by hand (SQLite and PostgreSQL).

Four 拿地自建 projects signed Mon 22 Sep 2025. Each step is recorded N working days after its
predecessor's completion (N below); the plan is 注册 +5, 拿地 +40, 立项/备案 +5, 规划许可 +10,
施工许可 +10, 开工 +10 working days after the previous planned date. So a step is on time when
its cumulative working days do not exceed the plan's cumulative (5, 45, 50, 60, 70, 80):

    P1: 注册 3 (3 ≤ 5), 拿地 30 (33 ≤ 45), 立项 5 (38 ≤ 50), 规划 10 (48), 施工许可 10 (58),
        开工 10 (68 ≤ 80)                                       → all on time, 开工
    P2: 注册 5 (5 ≤ 5 on time), 拿地 50 (55 > 45 late), 立项 2 (57 > 50 late)
    P3: 注册 7 (7 > 5 late)
    P4: nothing after 签约

As of 30 June 2026: 开工率 1/4 = 25.0%, 投产率 0/4 = 0.0%;
by department: 市场监督管理局 2 of 3 on time (66.7%), 规划和自然资源局 (拿地 ×2, 规划许可 ×1)
2 of 3 (66.7%), 发展和改革委员会 1 of 2 (50.0%), 住房和城乡建设委员会 2 of 2 (100.0%);
medians: 注册 (3, 5, 7) → 5, 拿地 (30, 50) → 40, 立项/备案 (5, 2) → 3.5, 开工 (10) → 10.
P4's 注册 is open and overdue: 市场监督管理局 has 1 open overdue step.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from huiqi.kit.workdays import add_workdays
from huiqi.models.project import ProjectStep
from huiqi.projects import service
from tests.projects.conftest import SIGNED, World

CHAINS = {
    "P1": [("register", 3), ("land", 30), ("approval", 5), ("planning", 10), ("permit", 10),
           ("start", 10)],
    "P2": [("register", 5), ("land", 50), ("approval", 2)],
    "P3": [("register", 7)],
    "P4": [],
}


def _build(world: World) -> None:
    world.clock.set(datetime(2026, 7, 1, 2, 0, tzinfo=UTC))
    for name, chain in CHAINS.items():
        pid = world.project(f"测试项目{name}", enterprise_uscc=None, enterprise_name=name)
        with world.tx() as s:
            ids = {st.key: st.id for st in s.scalars(
                select(ProjectStep).where(ProjectStep.project_id == pid))}
        done = SIGNED
        for key, days in chain:
            start, done = done, add_workdays(done, days)
            world.do(service.record_dates, world.agent, project_id=pid, step_id=ids[key],
                     started_on=start, done_on=done)


def test_rates_match_the_hand_checked_figures(world: World) -> None:
    _build(world)
    r = world.do(service.rates, world.office, as_of=date(2026, 6, 30))
    assert (r.signed, r.started, r.produced) == (4, 1, 0)
    assert (r.start_rate, r.production_rate) == (Decimal("25.0"), Decimal("0.0"))
    depts = {d.department: (d.done, d.on_time, d.rate) for d in r.by_department}
    assert depts["巴南区市场监督管理局"] == (3, 2, Decimal("66.7"))
    assert depts["巴南区规划和自然资源局"] == (3, 2, Decimal("66.7"))
    assert depts["巴南区发展和改革委员会"] == (2, 1, Decimal("50.0"))
    assert depts["巴南区住房和城乡建设委员会"] == (2, 2, Decimal("100.0"))
    assert next(d for d in r.by_department
                if d.department == "巴南区市场监督管理局").open_overdue == 1
    medians = {m.name: (m.count, m.median) for m in r.medians}
    assert medians["注册"] == (3, Decimal("5"))
    assert medians["拿地"] == (2, Decimal("40"))
    assert medians["立项/备案"] == (2, Decimal("3.5"))
    assert medians["开工"] == (1, Decimal("10"))
    assert medians["投产"] == (0, None)
    assert r.by_department[0].department == "巴南区住房和城乡建设委员会"  # best first


def test_rates_as_of_an_earlier_day_and_by_reader(world: World) -> None:
    _build(world)
    early = world.do(service.rates, world.office, as_of=date(2025, 9, 26))
    # by Fri 26 Sep only P1's 注册 (25 Sep) was done
    assert (early.signed, early.started) == (4, 0)
    assert {d.department: (d.done, d.on_time) for d in early.by_department
            if d.done} == {"巴南区市场监督管理局": (1, 1)}
    assert world.do(service.rates, world.office, as_of=date(2025, 9, 21)).start_rate is None
    # an agent's rates are those of its own projects only
    assert world.do(service.rates, world.agent2, as_of=date(2026, 6, 30)).signed == 0
