"""Plans end to end on SQLite and PostgreSQL: ratios, certificates, quiet days, commitment,
two-official beacon entry, fresh randomness, draw and replay."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from huiqi.kit.errors import Conflict, ValidationFailed
from huiqi.models.audit import AuditLog
from huiqi.models.supervision import Inspection, Officer, Plan
from huiqi.supervision import beacon, draw, plans, results
from huiqi.supervision import service as supervision
from tests.supervision.conftest import make_uscc

RATIOS = {"A": "10", "B": "20", "C": "50", "D": "100", "N": "20"}
VALUE = "5b" * 32


def plan_in(**kw):
    base = dict(title="2026年12月食品、环保联合抽查", department_ids=[], item_ids=[],
                field="market", period_start=date(2026, 12, 1), period_end=date(2026, 12, 31),
                ratios=RATIOS, risk_ratios={}, team_size=2)
    base.update(kw)
    return plans.PlanIn(**base)


def make_plan(world, who="office", **kw) -> int:
    def go(s):
        from huiqi.supervision import repository as repo
        depts = [d.id for d in repo.departments(s)]
        items = [i.id for i in repo.items(s)]
        data = plan_in(department_ids=kw.pop("department_ids", depts),
                       item_ids=kw.pop("item_ids", items), **kw)
        return plans.create(s, world.actors[who], world.clock, data).id
    return world.do(go)


def next_round(world) -> str:
    return str(beacon.drand_round_after(world.clock.now() + timedelta(minutes=10)))


def commit(world, plan_id, ref=None):
    return world.do(lambda s: plans.commit(s, world.office, world.clock, plan_id, "drand",
                                           ref or next_round(world)).commitment_sha256)


def draw_plan(world, plan_id, value=VALUE):
    world.clock.advance(minutes=30)
    world.do(lambda s: plans.enter_beacon(s, world.office, world.clock, plan_id, value))
    world.do(lambda s: plans.enter_beacon(s, world.office2, world.clock, plan_id, value))


@pytest.mark.parametrize("ratios", [{**RATIOS, "A": "101"}, {**RATIOS, "D": "-1"},
                                    {**RATIOS, "B": "abc"}, {"A": "3"}])
def test_ratios_outside_0_to_100_are_refused(world, ratios) -> None:
    with pytest.raises(ValidationFailed, match=r"比例|请为"):
        make_plan(world, ratios=ratios)


def test_ratios_are_stored_as_plain_decimals(world) -> None:
    plan_id = make_plan(world, ratios={**RATIOS, "A": "3.50", "C": "10"})
    with world.tx() as s:
        assert s.get(Plan, plan_id).ratios == {"A": "3.5", "B": "20", "C": "10", "D": "100",
                                               "N": "20"}


def test_a_supervisor_plans_only_for_its_department(world) -> None:
    with pytest.raises(ValidationFailed, match="联合抽查由营商办制定"):
        make_plan(world, who="sup_market")
    with world.tx() as s:
        from huiqi.supervision import repository as repo
        market = repo.department_by_key(s, "market").id
        item = [i.id for i in repo.items(s, [market])]
    assert make_plan(world, who="sup_market", department_ids=[market], item_ids=item)


def test_a_period_only_of_quiet_days_needs_an_exception(world) -> None:
    quiet = dict(period_start=date(2026, 12, 1), period_end=date(2026, 12, 22))
    with pytest.raises(ValidationFailed, match="安静期"):
        make_plan(world, **quiet)
    with pytest.raises(ValidationFailed, match="理由"):
        make_plan(world, quiet_exception="complaint", quiet_reason=" ", **quiet)
    plan_id = make_plan(world, quiet_exception="complaint", quiet_reason="群众投诉食品异味",
                        **quiet)
    assert plan_id


def test_commit_publishes_hashes_quotas_unknowns_and_a_future_beacon(world) -> None:
    plan_id = make_plan(world)
    with pytest.raises(ValidationFailed, match="之后"):
        world.do(lambda s: plans.commit(s, world.office, world.clock, plan_id, "drand",
                                        str(beacon.drand_round_after(world.clock.now()) - 5)))
    digest = commit(world, plan_id)
    with world.tx() as s:
        plan = s.get(Plan, plan_id)
        data = json.loads(plan.commitment)
        assert draw.sha256_text(plan.commitment) == digest
        assert data["population_sha256"] == draw.sha256_text(plan.population)
        # 35 of 40 enterprises are manufacturers (C…): in scope; the 5 F5211 are not.
        assert data["population_count"] == 35 and data["unknowns"] == []
        # Hand-checked: manufacturers are n % 8 != 0; grades cycle A×10 B×10 C×10 D×5 N×5.
        # A: n 1–10 minus 8 → 9 × 10% = 0.9 → 1; B: 11–20 minus 16 → 9 × 20% = 1.8 → 2;
        # C: 21–30 minus 24 → 9 × 50% = 4.5 → 5; D: 31–35 minus 32 → 4; N: 36–40 minus 40 → 4
        # × 20% = 0.8 → 1.
        assert data["quotas"] == {"A": 1, "B": 2, "C": 5, "D": 4, "N": 1}
        assert data["days"][0] == "2026-12-23" and all(d >= "2026-12-23" for d in data["days"])
        assert data["beacon"]["kind"] == "drand"
    with pytest.raises(Conflict, match="已经公布"):
        commit(world, plan_id)


def test_beacon_two_officials_then_draw_and_replay(world) -> None:
    plan_id = make_plan(world)
    commit(world, plan_id)
    with pytest.raises(Conflict, match="尚未产生"):
        world.do(lambda s: plans.enter_beacon(s, world.office, world.clock, plan_id, VALUE))
    world.clock.advance(minutes=30)
    world.do(lambda s: plans.enter_beacon(s, world.office, world.clock, plan_id, VALUE))
    with pytest.raises(Conflict, match="另一名"):
        world.do(lambda s: plans.enter_beacon(s, world.office, world.clock, plan_id, VALUE))
    with pytest.raises(Conflict, match="不一致"):
        world.do(lambda s: plans.enter_beacon(s, world.office2, world.clock, plan_id, "7c" * 32))
    with world.tx() as s:  # the mismatch cleared the first entry (and was audited)
        assert s.get(Plan, plan_id).beacon_first_value is None
        assert s.scalar(select(AuditLog.id).where(
            AuditLog.action == "supervision.beacon_mismatch"))
    draw_plan(world, plan_id)
    with world.tx() as s:
        plan = s.get(Plan, plan_id)
        rows = s.scalars(select(Inspection).where(Inspection.plan_id == plan_id)).all()
        officers = {o.id: o for o in s.scalars(select(Officer))}
        assert len(rows) == 13 and plan.status == "drawn"
        for row in rows:
            depts = {officers[o].department_id for o in row.officer_ids}
            assert len(row.officer_ids) == 2 and len(depts) == 2  # joint: one per department
            assert all(row.uscc not in officers[o].related_usccs for o in row.officer_ids)
            assert row.day >= date(2026, 12, 23) and row.quiet_exception is None
        replay = supervision.replay_plan(s, plan_id)
        assert replay.identical and replay.result.sha256 == plan.result_sha256
    # fresh randomness: neither the value nor the round may serve another plan
    other = make_plan(world)
    with world.tx() as s:
        used_round = s.get(Plan, plan_id).beacon_ref.rsplit(":", 1)[1]
    with pytest.raises(Conflict, match="已被其他计划使用"):
        commit(world, other, ref=used_round)
    commit(world, other)
    with pytest.raises(Conflict, match="已被其他计划使用"):
        draw_plan(world, other)


def test_expired_certificates_are_never_drawn_and_block_a_department(world) -> None:
    with world.tx() as s:
        for officer in s.scalars(select(Officer)):
            if officer.cert_no.startswith("ENV"):
                officer.cert_valid_until = date(2026, 12, 15)  # expires inside the period
    plan_id = make_plan(world)
    with pytest.raises(Conflict, match="有效执法证"):
        commit(world, plan_id)


def test_shortfall_is_reported_with_the_smallest_relaxation(world) -> None:
    with world.tx() as s:
        earlier = Plan(title="上半年抽查", department_ids=[], item_ids=[], field="market",
                       period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), ratios={},
                       team_size=2, status="drawn", created_by=world.office.user_id,
                       created_at=world.clock.now())
        s.add(earlier)
        s.flush()
        for n in range(21, 31):  # every C enterprise has had two inspections this year
            for _ in range(2):
                s.add(Inspection(plan_id=earlier.id, uscc=make_uscc(n), enterprise_name="x",
                                 stratum="C", day=date(2026, 3, 1), officer_ids=[]))
    plan_id = make_plan(world)
    with pytest.raises(Conflict, match="最小放宽") as caught:
        commit(world, plan_id)
    assert caught.value.details["lowered"] == {"C": "0.0"}  # all 9 at the limit
    assert caught.value.details["year_limit"] == 3


def test_reschedule_onto_a_quiet_day_needs_an_exception(world) -> None:
    plan_id = make_plan(world)
    commit(world, plan_id)
    draw_plan(world, plan_id)
    with world.tx() as s:
        inspection_id = s.scalars(select(Inspection.id).where(Inspection.plan_id == plan_id)
                                  ).first()
    quiet = date(2027, 1, 5)
    with pytest.raises(ValidationFailed, match="安静期"):
        world.do(lambda s: results.reschedule(s, world.office, world.clock, inspection_id,
                                              quiet, None, None))
    world.do(lambda s: results.reschedule(s, world.office, world.clock, inspection_id, quiet,
                                          "food_drugs", "节前食品安全专项"))
    with world.tx() as s:
        row = s.get(Inspection, inspection_id)
        assert (row.day, row.quiet_exception, row.quiet_reason) == (
            quiet, "food_drugs", "节前食品安全专项")
        assert s.scalar(select(AuditLog.id).where(
            AuditLog.action == "supervision.inspection_reschedule"))


def test_officers_are_drawn_only_for_their_fields(world) -> None:
    with world.tx() as s:
        from huiqi.models.supervision import SupervisionItem
        for item in s.scalars(select(SupervisionItem)):
            if item.name.startswith("食品"):
                item.field = "food"  # the market department's item now needs 食品卫生
    plan_id = make_plan(world)
    with pytest.raises(Conflict, match="食品卫生") as caught:
        commit(world, plan_id)
    assert "增补 1 名" in caught.value.message
    with world.tx() as s:
        market = s.scalars(select(Officer).where(Officer.cert_no.like("MARKET-%"))).all()
        market_dept = market[0].department_id
        qualified = next(o for o in market if o.cert_no == "MARKET-0002")
        qualified.fields = ["market", "food"]
        qualified_id = qualified.id
    commit(world, plan_id)
    with world.tx() as s:
        body = json.loads(s.get(Plan, plan_id).commitment)
        assert body["fields"][str(market_dept)] == ["food"]
    draw_plan(world, plan_id)
    with world.tx() as s:
        teams = [r.officer_ids for r in s.scalars(select(Inspection).where(
            Inspection.plan_id == plan_id))]
        ids = {o.id for o in market}
    assert teams and all(set(t) & ids == {qualified_id} for t in teams)
    assert world.do(lambda s: supervision.replay_plan(s, plan_id).identical)
