"""Targeting by liaison tier and official, and the visit-task batch: the tier filter returns
exactly the enterprises liaison itself counts in the tier (its coverage check and a campaign over
the tier), the official filter exactly that official's enterprises (options by name, sorted);
visit tasks are liaison visit plans, one per (official, enterprise), made once — a second run
makes none — and enterprises with no official at the tier are reported, not recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.insights import service
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import unit_of_work
from huiqi.kit.errors import ValidationFailed
from huiqi.liaison import repository as liaison_repo
from huiqi.liaison import service as liaison
from huiqi.models.insight_action import InsightAction
from huiqi.models.liaison import LiaisonPlan
from huiqi.models.liaison_assignment import LiaisonAssignment
from huiqi.models.notification import Notification
from huiqi.models.user import Role
from huiqi.policies import service as policies
from tests.insights.conftest import AS_OF, World

CLOCK = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
OFFICE = Actor(None, "office-test", "营商办", Role.OFFICE)
SMALL_RULE = "size_class IN ('small', 'micro')"
LOAN = "dongbao.first-loan-301"  # its unknown group is large (tests/insights/test_targeting)
PLANNED = date(2025, 6, 9)


@dataclass(frozen=True)
class Setup:
    small: int  # tier ids
    all_: int
    a: Actor  # 甲: small tier, department 经信局
    b: Actor  # 乙: the all tier, no department
    a_usccs: list[str]
    b_usccs: list[str]


def _official(db: Any, username: str, name: str, dept: str | None) -> Actor:
    user = auth_service.create_user(db, Actor.system(), CLOCK, username=username,
                                    display_name=name, role="liaison",
                                    password="Test-Pass-123x", department_code=dept)
    return Actor.of(user)


@pytest.fixture(scope="module")
def setup(world: World) -> Setup:
    with unit_of_work(world.engine) as db:
        small = liaison.save_tier(db, OFFICE, CLOCK, code="small", name="小微企业",
                                  official_label="部门", rule=SMALL_RULE, stale_days=30)
        everyone = liaison.save_tier(db, OFFICE, CLOCK, code="all", name="全部市场主体",
                                     official_label="网格专员", rule="TRUE", stale_days=60,
                                     position=1)
        auth_service.create_department(db, Actor.system(), "jxj", "经信局")
        a = _official(db, "liaison-jia", "甲干部", "jxj")
        b = _official(db, "liaison-yi", "乙干部", None)
        item = policies.get_item(db, LOAN).item
        unknown = service.targeting(db, item, AS_OF, segment="unknown").rows
        small_rows = [r for r in unknown if r.size_class in ("small", "micro")]
        assert len(small_rows) >= 4 and len(unknown) >= len(small_rows) + 2
        a_usccs = [r.uscc for r in small_rows[:3]]
        b_usccs = [small_rows[0].uscc, *(r.uscc for r in unknown
                                         if r.size_class not in ("small", "micro"))][:3]
        for uscc in a_usccs:
            liaison.assign(db, OFFICE, CLOCK, uscc=uscc, official=a.username, tier="small")
        for uscc in b_usccs:
            liaison.assign(db, OFFICE, CLOCK, uscc=uscc, official=b.username, tier="all")
    return Setup(small.id, everyone.id, a, b, a_usccs, b_usccs)


def _all_segments(db: Any, item: Any, filters: dict[str, str]) -> set[str]:
    return {r.uscc for s in service.SEGMENTS
            for r in service.targeting(db, item, AS_OF, segment=s, filters=filters).rows}


def test_tier_filter_is_liaisons_membership(world: World, setup: Setup) -> None:
    with unit_of_work(world.engine) as db:
        item = policies.get_item(db, LOAN).item
        listed = {r.uscc: r for r in service.evaluate(db, item, AS_OF)}
        members = {c.tier.id: c.members for c in liaison.coverage(db, CLOCK)}
        campaign = liaison.create_campaign(db, OFFICE, CLOCK, name="小微走访",
                                           starts_on="2025-06-01", ends_on="2025-06-30",
                                           tier_id=setup.small)
        targets = set(liaison_repo.campaign_targets(db, campaign.id))
        small = _all_segments(db, item, {"tier": str(setup.small)})
        everyone = _all_segments(db, item, {"tier": str(setup.all_)})
        t = service.targeting(db, item, AS_OF)
    assert len(targets) == members[setup.small] > 0
    assert small == targets & set(listed) and small
    assert everyone == set(listed)
    # the rule itself, three-valued: an enterprise of unknown size is not a member
    assert small == {u for u, r in listed.items() if r.size_class in ("small", "micro")}
    assert all((setup.small in r.tiers) == (u in targets) for u, r in listed.items())
    assert t.options["tier"] == [(str(setup.small), "小微企业"), (str(setup.all_), "全部市场主体")]


def test_official_filter_lists_its_enterprises_by_name(world: World, setup: Setup) -> None:
    with unit_of_work(world.engine) as db:
        item = policies.get_item(db, LOAN).item
        by_a = _all_segments(db, item, {"liaison": str(setup.a.user_id)})
        by_b = _all_segments(db, item, {"liaison": str(setup.b.user_id)})
        a_own = set(db.scalars(select(LiaisonAssignment.enterprise_uscc)
                               .where(LiaisonAssignment.user_id == setup.a.user_id)))
        options = service.targeting(db, item, AS_OF).options["liaison"]
        both = _all_segments(db, item, {"liaison": str(setup.b.user_id),
                                        "tier": str(setup.small)})
    assert by_a == a_own == set(setup.a_usccs)
    assert by_b == set(setup.b_usccs)
    assert options == sorted([(str(setup.a.user_id), "甲干部（经信局）"),
                              (str(setup.b.user_id), "乙干部")], key=lambda o: o[1])
    assert both == {setup.b_usccs[0]}  # 乙's one enterprise in the small tier


def _plans(db: Any) -> dict[tuple[int, str], int]:
    return {(u, e): int(n) for u, e, n in db.execute(
        select(LiaisonPlan.user_id, LiaisonPlan.enterprise_uscc, func.count())
        .group_by(LiaisonPlan.user_id, LiaisonPlan.enterprise_uscc))}


def _notes(db: Any, user_id: int | None) -> int:
    return int(db.scalar(select(func.count()).where(Notification.user_id == user_id,
                                                    Notification.link == "/liaison")) or 0)


def test_visit_tasks_once_per_official_and_enterprise(world: World, setup: Setup) -> None:
    with unit_of_work(world.engine) as db:
        item = policies.get_item(db, LOAN).item
        t = service.targeting(db, item, AS_OF, segment="unknown",
                              filters={"tier": str(setup.small)})
        before = _plans(db)
        first = service.act(db, OFFICE, CLOCK, item, "visit", t.rows,
                            tier=str(setup.small), planned_on=PLANNED)
    with unit_of_work(world.engine) as db:
        made = {k: n - before.get(k, 0) for k, n in _plans(db).items() if n != before.get(k)}
        again = service.act(db, OFFICE, CLOCK, item, "visit", t.rows, tier=str(setup.small))
        recorded = set(db.scalars(select(InsightAction.enterprise_uscc).where(
            InsightAction.kind == "visit", InsightAction.item_id == item.id)))
        after = _plans(db)
    # only the small tier's official (甲), once per enterprise; 乙 (the all tier) gets none
    assert made == {(setup.a.user_id, u): 1 for u in setup.a_usccs}
    assert (first.selected, first.created, first.plans) == (len(t.rows), 3, 3)
    assert first.unassigned == len(t.rows) - 3 and first.notified == 1
    assert f"{first.unassigned} 家无包联干部" in first.summary()
    assert (again.created, again.plans, again.skipped) == (0, 0, 3)
    assert again.unassigned == first.unassigned and after == _plans_after(before, made)
    assert recorded == set(setup.a_usccs)  # the unassigned are not recorded: a later run
    with unit_of_work(world.engine) as db:  # reaches them once an official is assigned
        assert _notes(db, setup.a.user_id) == 1 and _notes(db, setup.b.user_id) == 0
        mine = liaison.portfolio(db, setup.a, CLOCK)
    planned = {(p.enterprise_uscc, p.planned_on) for p, _ in mine.plans}
    assert {(u, PLANNED) for u in setup.a_usccs} <= planned
    assert all(item.title in p.note for p, _ in mine.plans)


def _plans_after(before: dict[tuple[int, str], int], made: dict[tuple[int, str], int]
                 ) -> dict[tuple[int, str], int]:
    return {**before, **{k: before.get(k, 0) + n for k, n in made.items()}}


def test_visit_tasks_for_every_official_without_a_tier(world: World, setup: Setup) -> None:
    shared = setup.b_usccs[0]  # 甲 at the small tier, 乙 at the all tier
    with unit_of_work(world.engine) as db:
        item = next(v.item for v in policies.published_items(db)
                    if v.item.id != LOAN and v.item.in_force(AS_OF)
                    and {r.uscc for r in service.evaluate(db, v.item, AS_OF)}
                    >= {shared, setup.b_usccs[1]})
        rows = [r for r in service.evaluate(db, item, AS_OF)
                if r.uscc in {*setup.a_usccs, *setup.b_usccs}]
        # 乙 already has an open plan for the second enterprise: not planned twice
        liaison.plan(db, setup.b, CLOCK, setup.b_usccs[1], "2025-06-20", "约定回访")
        before = _plans(db)
        open_ = {(int(u), str(e)) for u, e in db.execute(
            select(LiaisonPlan.user_id, LiaisonPlan.enterprise_uscc)
            .where(LiaisonPlan.contact_id.is_(None)))}
        report = service.act(db, OFFICE, CLOCK, item, "visit", rows)
        made = {k: n - before.get(k, 0) for k, n in _plans(db).items() if n != before.get(k)}
    listed = {r.uscc for r in rows}
    every = {(setup.a.user_id, u) for u in setup.a_usccs if u in listed} | \
        {(setup.b.user_id, u) for u in setup.b_usccs if u in listed}
    assert (setup.a.user_id, shared) in every and (setup.b.user_id, shared) in every
    assert (setup.b.user_id, setup.b_usccs[1]) in open_
    assert (setup.b.user_id, shared) in made  # 乙 at the all tier, too, with no tier chosen
    assert set(made) == every - open_ and set(made.values()) == {1}
    assert report.plans == len(every - open_) and report.already_planned == len(every & open_)
    assert report.created == len(rows) and report.unassigned == 0


def test_a_past_visit_day_is_refused_before_anything_is_recorded(world: World,
                                                                 setup: Setup) -> None:
    with unit_of_work(world.engine) as db:
        item = policies.get_item(db, LOAN).item
        rows = service.targeting(db, item, AS_OF, segment="unknown").rows
        before = db.scalar(select(func.count()).select_from(InsightAction))
        with pytest.raises(ValidationFailed, match="今天或以后"):
            service.act(db, OFFICE, CLOCK, item, "visit", rows, planned_on=date(2025, 6, 1))
        assert db.scalar(select(func.count()).select_from(InsightAction)) == before
