"""A draft version simulated before publication gives the beneficiaries and the cost that
publishing it and matching the registry then store, enterprise by enterprise."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from huiqi.auth.actor import Actor
from huiqi.insights import service
from huiqi.kit.clock import Clock
from huiqi.kit.db import unit_of_work
from huiqi.models.enterprise import Enterprise
from huiqi.models.match_result import MatchResult
from huiqi.models.user import Role
from huiqi.policies import service as policies
from tests.insights.conftest import AS_OF, TECH, TECH_FILE, World

OFFICE = Actor(None, "office-sim", "营商办", Role.OFFICE)
SYSTEM = Actor.system("test", via="cli")
EDITS = [("equipment_investment >= 5000000", "equipment_investment >= 5500000"),
         ("equipment_investment: 5000000\n", "equipment_investment: 5500000\n"),
         ("equipment_investment: 4999999.99", "equipment_investment: 5499999.99")]


def test_simulating_a_draft_equals_publishing_and_matching(world: World) -> None:
    text = TECH_FILE.read_text(encoding="utf-8")
    for old, new in EDITS:
        assert old in text
        text = text.replace(old, new)
    with unit_of_work(world.engine) as db:
        row = policies.save(db, SYSTEM, Clock(), text, TECH_FILE.name)
        document_id, number = row.document_id, row.number
    with unit_of_work(world.engine) as db:
        draft = service.draft_version(db, OFFICE, document_id, number)
        assert draft.status == "draft"
        sims = {s.item.id: s for s in service.simulate(db, draft.items, AS_OF)}
        before = {s.item.id: s for s in service.simulate(
            db, service.baseline(db, OFFICE, draft).items, AS_OF)}
    assert sims[TECH].eligible < before[TECH].eligible  # the draft is stricter
    with unit_of_work(world.engine) as db:
        policies.publish(db, SYSTEM, Clock(), document_id, number, as_of=AS_OF)
    with unit_of_work(world.engine) as db:
        for item_id, sim in sims.items():
            stored = db.execute(
                select(Enterprise.id, MatchResult.amount)
                .join(Enterprise, Enterprise.id == MatchResult.enterprise_id)
                .where(MatchResult.item_id == item_id, MatchResult.eligible.is_(True))).all()
            assert sorted(int(i) for i in sim.eligible_ids) == sorted(i for i, _ in stored)
            assert sim.certain == sum((a for _, a in stored), Decimal(0))
            unknown = db.scalar(select(func.count()).select_from(MatchResult).where(
                MatchResult.item_id == item_id, MatchResult.eligible.is_(None)))
            assert sim.unknown == unknown
