"""Targeting per item: the list equals `huiqi match` for the same date enterprise by enterprise;
a batch push reaches each enterprise once and a re-run notifies nobody again; fact requests;
filters; department access. Tiers, officials and visit tasks: test_targeting_liaison.py."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.insights import service
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import unit_of_work
from huiqi.kit.errors import NotFound
from huiqi.kit.settings import PROJECT_ROOT
from huiqi.models.insight_action import InsightAction
from huiqi.models.notification import Notification
from huiqi.policies import service as policies
from huiqi.rules import REGION_CRITERION
from tests.insights.conftest import AS_OF, TECH, World

SRC = PROJECT_ROOT / "src"
CLOCK = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
OFFICE = Actor(user_id=None, username="office-test", display_name="营商办", role=None)


def _match_file(world: World, tmp_path: Path) -> Path:
    """`huiqi match --out` on the world's database, as a user runs it (its own process)."""
    out = tmp_path / "match.csv"
    env = {**os.environ, "HUIQI_DATABASE_URL": world.url, "PYTHONPATH": str(SRC)}
    env.pop("HUIQI_AS_OF", None)
    done = subprocess.run([sys.executable, "-m", "huiqi.cli.main", "match", "--out", str(out),
                           "--as-of", AS_OF.isoformat()], env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr + done.stdout
    return out


def test_targeting_equals_huiqi_match(world: World, tmp_path: Path) -> None:
    out = _match_file(world, tmp_path)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    compared = 0
    with unit_of_work(world.engine) as db:
        for version in policies.published_items(db):
            item = version.item
            if not item.in_force(AS_OF):
                continue
            mine = {r.uscc: r for r in service.evaluate(db, item, AS_OF)}
            theirs = {}
            for r in rows:
                if r["item"] != item.id:
                    continue
                failed = [f for f in r["failed"].split(";") if f]
                if r["eligible"] == "false" and (len(failed) != 1 or REGION_CRITERION in failed):
                    continue  # not a near miss, or outside the item's region: not listed
                theirs[r["uscc"]] = r
            assert set(mine) == set(theirs), item.id
            for uscc, r in theirs.items():
                m = mine[uscc]
                assert {True: "true", False: "false", None: "unknown"}[m.eligible] == \
                    r["eligible"], (item.id, uscc)
                assert (str(m.amount) if m.amount is not None else "") == r["amount"]
                assert ";".join(m.failed) == r["failed"] and ";".join(m.missing) == r["missing"]
                compared += 1
    assert compared > 50


def _accounts(world: World, usccs: list[str]) -> dict[str, int]:
    ids = {}
    with unit_of_work(world.engine) as db:
        for k, uscc in enumerate(usccs):
            user = auth_service.create_user(
                db, Actor.system(), CLOCK, username=f"ent-{uuid.uuid4().hex[:10]}",
                display_name=f"企业{k}", role="enterprise", password="Test-Pass-123x",
                enterprise_uscc=uscc)
            ids[uscc] = user.id
    return ids


def _notifications(world: World, user_ids: list[int]) -> dict[int, int]:
    with unit_of_work(world.engine) as db:
        rows = db.execute(select(Notification.user_id, func.count())
                          .where(Notification.user_id.in_(user_ids))
                          .group_by(Notification.user_id)).all()
    return {uid: int(n) for uid, n in rows}


def test_push_reaches_each_enterprise_once(world: World) -> None:
    with unit_of_work(world.engine) as db:
        item = policies.get_item(db, "dongbao.first-loan-301").item
        unknown = service.targeting(db, item, AS_OF, segment="unknown").rows
    assert len(unknown) >= 4
    accounts = _accounts(world, [r.uscc for r in unknown[:3]])
    with unit_of_work(world.engine) as db:
        first = service.act(db, OFFICE, CLOCK, item, "push", unknown)
    assert (first.selected, first.created, first.skipped) == (len(unknown), len(unknown), 0)
    assert first.notified == 3 and first.without_account == len(unknown) - 3
    assert _notifications(world, list(accounts.values())) == {u: 1 for u in accounts.values()}
    with unit_of_work(world.engine) as db:
        again = service.act(db, OFFICE, CLOCK, item, "push", unknown)
        pushed = service.pushes(db)
        reached = service.reached_usccs(db, item.id)
    assert (again.created, again.skipped, again.notified) == (0, len(unknown), 0)
    assert _notifications(world, list(accounts.values())) == {u: 1 for u in accounts.values()}
    mine = next(p for p in pushed if p.kind == "push" and p.item_id == item.id)
    assert (mine.actions, mine.reached) == (len(unknown), 3)
    assert reached == set(accounts)


def test_fact_request_answer_updates_profile_and_rematches(world: World) -> None:
    with unit_of_work(world.engine) as db:
        item = policies.get_item(db, "dongbao.ecommerce-loan").item
        rows = [r for r in service.targeting(db, item, AS_OF, segment="unknown").rows
                if r.missing == ("online_sales",)]
    assert rows, "the fixture has an enterprise missing only its online sales"
    target = rows[0]
    uid = _accounts(world, [target.uscc])[target.uscc]
    with unit_of_work(world.engine) as db:
        report = service.act(db, OFFICE, CLOCK, item, "facts", [target])
        action_id = db.scalar(select(InsightAction.id).where(
            InsightAction.kind == "facts", InsightAction.enterprise_uscc == target.uscc))
    assert report.notified >= 1 and action_id is not None
    with unit_of_work(world.engine) as db:
        links = set(db.scalars(select(Notification.link).where(Notification.user_id == uid)))
    assert f"/insights/requests/{action_id}" in links
    ent = Actor(uid, "e", "e", _role("enterprise"), enterprise_uscc=target.uscc)
    other = Actor(uid + 999, "x", "x", _role("enterprise"), enterprise_uscc="91420802MA00000000")
    with unit_of_work(world.engine) as db, pytest.raises(NotFound):
        service.fact_request(db, other, action_id)
    with unit_of_work(world.engine) as db:
        service.answer_fact_request(db, ent, CLOCK, action_id,
                                    {"online_sales": "8000000"}, AS_OF)
    with unit_of_work(world.engine) as db:
        after = {r.uscc: r for r in service.evaluate(db, item, AS_OF)}[target.uscc]
        done = db.get(InsightAction, action_id)
        assert done is not None and done.status == "done"
    assert "online_sales" not in after.missing
    assert after.eligible is not None  # decided now


def test_filters_and_department_scope(world: World) -> None:
    with unit_of_work(world.engine) as db:
        item = policies.get_item(db, TECH).item
        everyone = service.targeting(db, item, AS_OF, segment="near")
        street = everyone.options["street"][0][0]
        narrowed = service.targeting(db, item, AS_OF, segment="near", filters={"street": street})
        assert narrowed.rows and all(r.street == street for r in narrowed.rows)
        assert sum(narrowed.counts.values()) < sum(everyone.counts.values())
        dept = auth_service.create_department(db, Actor.system(), "d-other", "别的局")
        other = Actor(None, "d", "d", _role("department"), department_id=dept.id)
        with pytest.raises(NotFound):
            service.item_for(db, other, TECH)
        assert service.items_for(db, other) == []


def test_eligible_amounts_sum(world: World) -> None:
    with unit_of_work(world.engine) as db:
        item = policies.get_item(db, TECH).item
        t = service.targeting(db, item, AS_OF, segment="eligible")
    with unit_of_work(world.engine) as db:
        every = {r.uscc: r for r in service.evaluate(db, item, AS_OF)}
    decided = {u for u in world.moved if every[u].eligible is not None}
    assert len(decided) >= 2 and decided <= {r.uscc for r in t.rows}
    assert t.amount_total == sum((r.amount or Decimal(0) for r in t.rows), Decimal(0))


def _role(name: str):  # type: ignore[no-untyped-def]
    from huiqi.models.user import Role

    return Role(name)
