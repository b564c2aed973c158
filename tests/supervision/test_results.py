"""Records, 包容免罚 告知, 整改, 公示 within 20 working days, who sees what, coverage counts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from huiqi.kit.errors import Conflict, NotFound, ValidationFailed
from huiqi.models.notification import Notification
from huiqi.models.supervision import Inspection, Officer
from huiqi.models.user import User
from huiqi.supervision import access, results
from huiqi.supervision import repository as repo
from tests.supervision.conftest import make_uscc
from tests.supervision.test_plans import commit, draw_plan, make_plan


@pytest.fixture
def drawn(world):
    plan_id = make_plan(world)
    commit(world, plan_id)
    draw_plan(world, plan_id)
    return plan_id


def _inspector_of(world, row: Inspection) -> str:
    with world.tx() as s:
        officer = s.get(Officer, row.officer_ids[0])
        user = officer.user_id
    return next(k for k, a in world.actors.items() if a.user_id == user)


def test_an_inspector_records_a_tolerated_first_violation(world, drawn) -> None:
    with world.tx() as s:
        row = s.scalars(select(Inspection).where(Inspection.plan_id == drawn)).first()
        s.expunge(row)
        s.add(User(username="ent-drawn", display_name="被抽企业", role="enterprise",
                   password_hash="!", enterprise_uscc=row.uscc))
    who = _inspector_of(world, row)
    findings = "未在经营场所醒目位置公示营业执照"
    with world.tx() as s:
        offered = results.matching_exemptions(s, s.get(Inspection, row.id), findings)
        assert [e.item for e in offered] == ["未按规定公示营业执照"]
        exemption_id = offered[0].id
    with pytest.raises(ValidationFailed, match="整改期限"):
        world.do(lambda s: results.record(s, world.actors[who], world.clock, row.id,
                                          results.RecordIn("issues", findings, exemption_id,
                                                           date(2026, 11, 30))))
    world.do(lambda s: results.record(s, world.actors[who], world.clock, row.id,
                                      results.RecordIn("issues", findings, exemption_id,
                                                       date(2026, 12, 20))))
    with world.tx() as s:
        saved = s.get(Inspection, row.id)
        assert saved.notice.startswith("包容免罚告知") and "不予行政处罚" in saved.notice
        # recorded Tue 1 Dec 2026: 20 working days later (no holidays in between) is 29 Dec
        assert saved.publish_due == date(2026, 12, 29)
        titles = s.scalars(select(Notification.title).where(
            Notification.user_id.in_(repo.enterprise_users(s, saved.uscc)))).all()
        assert "包容免罚告知" in titles and "行政处罚决定" not in titles
    with pytest.raises(Conflict, match="已记录"):
        world.do(lambda s: results.record(s, world.actors[who], world.clock, row.id,
                                          results.RecordIn("clear")))
    world.do(lambda s: results.follow_up(s, world.actors[who], world.clock, row.id,
                                         "复查：已在大厅醒目位置公示"))
    figures = world.do(lambda s: results.coverage(s))
    market = next(f for f in figures if f.department == "区市场监管局")
    env = next(f for f in figures if f.department == "区生态环境局")
    assert (market.items, market.items_planned, market.coverage) == (1, 1, "100%")
    assert (market.exemptions, market.exemption_notices, market.recorded) == (1, 1, 1)
    assert env.exemption_notices == 0 and env.inspections == market.inspections


def test_not_on_the_team_is_not_found_and_enterprises_see_their_own(world, drawn) -> None:
    with world.tx() as s:
        rows = s.scalars(select(Inspection).where(Inspection.plan_id == drawn)).all()
        on_team = {o for r in rows for o in r.officer_ids}
        idle = s.scalars(select(Officer).where(Officer.id.not_in(on_team))).first()
        target = rows[0]
        if idle is not None:
            stranger = next(a for a in world.actors.values() if a.user_id == idle.user_id)
            with pytest.raises(NotFound):
                access.inspection_for(s, stranger, target.id)
        for key in ("ent1", "ent2"):
            mine = access.visible_inspections(s, world.actors[key])
            assert all(r.uscc == world.actors[key].enterprise_uscc for r in mine)
        other = next((r for r in rows if r.uscc != make_uscc(1)), None)
        with pytest.raises(NotFound):
            access.inspection_for(s, world.ent1, other.id)


def test_results_are_published_by_the_20th_working_day(world, drawn) -> None:
    with world.tx() as s:
        row = s.scalars(select(Inspection).where(Inspection.plan_id == drawn)).first()
        row_id, who = row.id, _inspector_of(world, row)
    world.do(lambda s: results.record(s, world.actors[who], world.clock, row_id,
                                      results.RecordIn("clear")))
    with pytest.raises(NotFound):  # an inspector does not publish
        world.do(lambda s: results.publish(s, world.actors[who], world.clock, row_id))
    world.clock.advance(days=27)  # 28 Dec: not yet due
    assert world.do(lambda s: results.publish_due(s, world.clock)) == 0
    world.clock.advance(days=1)
    assert world.do(lambda s: results.publish_due(s, world.clock)) == 1
    with world.tx() as s:
        assert s.get(Inspection, row_id).published_at is not None
        assert [r.id for r in repo.inspections(s, published=True)] == [row_id]
