"""免申即享 that can be audited: frozen rows, regeneration with a diff, 公示 and objections."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from huiqi.grants import autogrant, autolists, payouts
from huiqi.grants.autogrant import Candidate
from huiqi.kit.errors import Conflict, NotFound
from huiqi.models.application import Application
from huiqi.models.grant import Grant
from huiqi.registry import service as registry
from tests.grants.conftest import World, publicise
from tests.grants.web import Clients


def _list(world: World, *actors: object) -> int:
    cands = [Candidate(a.enterprise_uscc) for a in actors]  # type: ignore[attr-defined]
    return world.do(autogrant.generate, world.office, "testville.auto", cands).id


def _rows(world: World, list_id: int) -> dict[str, Application]:
    with world.tx() as s:
        rows = {a.enterprise_uscc: a for a in autogrant.rows(s, world.hr, list_id)}
        s.expunge_all()
        return rows


def _set(world: World, uscc: str, **facts: str) -> None:
    with world.tx() as s:
        registry.upsert(s, {"uscc": uscc, **facts})


def test_rows_freeze_facts_version_and_amount(world: World) -> None:
    list_id = _list(world, world.ent_a)
    row = _rows(world, list_id)[world.ent_a.enterprise_uscc]
    assert row.facts == {"region": "500105", "unemployment_insurance_paid": "20000.00"}
    assert row.estimated_amount == Decimal("12000.00") and row.policy_version.startswith(
        "testville.grants-2025@")


def test_a_changed_fact_needs_a_regenerated_list_that_shows_the_diff(world: World) -> None:
    c = world.enterprise(4, unemployment_insurance_paid="1000")
    list_id = _list(world, world.ent_a, world.ent_b, c)
    _set(world, world.ent_b.enterprise_uscc, unemployment_insurance_paid="0")  # no longer
    _set(world, c.enterprise_uscc, unemployment_insurance_paid="2000")  # more
    publicise(world, list_id)
    result = world.do(autogrant.confirm, world.hr, list_id)
    assert len(result.confirmed) == 1 and len(result.refused) == 2  # only ent_a unchanged
    assert all("请重新生成名单" in r for r in result.refused.values())
    new = world.do(autogrant.regenerate, world.office, list_id)
    assert new.replaces_id == list_id
    removed, changed = new.changes["removed"], new.changes["changed"]
    assert [(r["uscc"], r["reason"], r["changed"]) for r in removed] == [
        (world.ent_b.enterprise_uscc, "不符合：缴纳失业保险费", ["上年度实际缴纳失业保险费"])]
    assert [(r["uscc"], r["from"], r["to"]) for r in changed] == [
        (c.enterprise_uscc, "600.00", "1200.00")]
    with pytest.raises(Conflict, match="取代"):
        world.do(autogrant.regenerate, world.office, list_id)
    publicise(world, new.id)
    done = world.do(autogrant.confirm, world.hr, new.id)
    assert len(done.confirmed) == 1 and not done.refused
    with world.tx() as s:  # the amount granted is the amount the list showed
        grants = {g.enterprise_uscc: g.amount for g in s.scalars(select(Grant))}
    assert grants == {world.ent_a.enterprise_uscc: Decimal("12000.00"),
                      c.enterprise_uscc: Decimal("1200.00")}


def test_granting_waits_for_the_publicity(world: World) -> None:
    list_id = _list(world, world.ent_a)
    refused = world.do(autogrant.confirm, world.hr, list_id)
    assert "请先发布公示" in next(iter(refused.refused.values()))
    listing = world.do(autolists.publish, world.office, list_id)
    refused = world.do(autogrant.confirm, world.hr, list_id)
    assert f"公示至 {listing.publicity_until.isoformat()}" in next(iter(refused.refused.values()))
    with pytest.raises(Conflict, match="已于"):
        world.do(autolists.publish, world.office, list_id)


def test_an_objected_row_is_not_paid_until_decided(world: World, web: Clients) -> None:
    list_id = _list(world, world.ent_a, world.ent_b)
    rows = _rows(world, list_id)
    a, b = rows[world.ent_a.enterprise_uscc].id, rows[world.ent_b.enterprise_uscc].id
    assert web.api("office").post(f"/api/v1/grants/auto-lists/{list_id}/publish").status_code \
        == 200
    public = web.anonymous().get(f"/api/v1/public/auto-lists/{list_id}").json()
    assert sorted((r["name"], r["amount"]) for r in public["rows"]) == [
        ("测试企业1有限公司", "12000.00"), ("测试企业2有限公司", "12000.00")]
    # ent_b may not object for ent_a; anyone may raise a concern
    assert web.api("ent_b").post(f"/api/v1/grants/auto-rows/{a}/objection",
                                 json={"kind": "objection", "note": "x"}).status_code == 404
    concern = web.api("ent_b").post(f"/api/v1/grants/auto-rows/{a}/objection",
                                    json={"kind": "concern", "note": "该企业已停业"})
    assert concern.status_code == 200 and concern.json()["objection_status"] == "open"
    declined = web.api("ent_b").post(f"/api/v1/grants/auto-rows/{b}/objection",
                                     json={"kind": "decline", "note": ""})
    assert declined.json()["status"] == "rejected"
    listing = world.do(autogrant.access_list, world.office, list_id)
    publicise_after(world, listing.publicity_until)
    held = world.do(autogrant.confirm, world.hr, list_id)
    assert held.confirmed == [] and "公示异议" in held.refused[a]
    with pytest.raises(Conflict, match="没有可纳入批次"):  # nothing granted, nothing to pay
        world.do(payouts.create_batch, world.office, item_id="testville.auto")
    decided = web.api("hr").post(f"/api/v1/grants/auto-rows/{a}/decision",
                                 json={"upheld": False, "decision": "经核实企业正常经营"})
    assert decided.status_code == 200 and decided.json()["objection_status"] == "dismissed"
    assert world.do(autogrant.confirm, world.hr, list_id).confirmed == [a]
    batch = world.do(payouts.create_batch, world.office, item_id="testville.auto")
    world.do(payouts.export, world.office, batch.id)
    assert world.do(payouts.mark_paid, world.office2, batch.id).newly_paid == 1


def test_objections_only_during_the_publicity(world: World) -> None:
    list_id = _list(world, world.ent_a)
    row = _rows(world, list_id)[world.ent_a.enterprise_uscc].id
    with pytest.raises(NotFound):
        world.do(autolists.raise_objection, world.ent_a, row, "objection", "金额有误")
    publicise(world, list_id)
    with pytest.raises(Conflict, match="不在公示期内"):
        world.do(autolists.raise_objection, world.ent_a, row, "objection", "金额有误")


def publicise_after(world: World, until: object) -> None:
    from datetime import UTC, datetime, timedelta

    day = until + timedelta(days=1)  # type: ignore[operator]
    world.clock.set(datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC))


def test_office_publishes_and_regenerates_from_the_page(world: World, web: Clients) -> None:
    from tests.fixtures.web import post_form

    list_id = _list(world, world.ent_a, world.ent_b)
    office = web.page("office")
    assert "尚未公示" in office.get(f"/grants/auto-lists/{list_id}").text
    assert post_form(office, f"/grants/auto-lists/{list_id}/publish", {}).status_code == 303
    assert "公示期：2025-06-02 至 2025-06-09" in office.get(f"/grants/auto-lists/{list_id}").text
    _set(world, world.ent_b.enterprise_uscc, unemployment_insurance_paid="0")
    made = post_form(office, f"/grants/auto-lists/{list_id}/regenerate", {})
    assert made.status_code == 303
    page = office.get(made.headers["location"]).text
    assert "移出 1 家" in page
    assert "移出 测试企业2有限公司（12000.00 元）：不符合：缴纳失业保险费" in page
