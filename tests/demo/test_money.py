"""The demo has money: applications in several states and a paid payout batch, made through the
grants flow, so the office dashboard's money tiles are not 0 and agree with the ledgers."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import func, select

from huiqi.auth.actor import Actor
from huiqi.insights import dashboard
from huiqi.kit.db import unit_of_work
from huiqi.models.application import Application
from huiqi.models.grant import Grant
from huiqi.models.payout import PayoutBatch
from huiqi.models.user import Role
from tests.fixtures.demo import Demo

OFFICE = Actor(None, "test", "测试营商办", Role.OFFICE)


def test_the_demo_has_applications_grants_and_a_paid_batch(demo: Demo) -> None:
    with unit_of_work(demo.engine) as db:
        states = Counter(db.scalars(select(Application.status)))
        grants = list(db.scalars(select(Grant)))
        batches = list(db.scalars(select(PayoutBatch)))
        money = dashboard.money(db, OFFICE, 2025)
    # every state, though the loop walkthroughs share this demo and may since have paid its
    # approved grants (approved → paid)
    assert {"submitted", "rejected", "paid"} <= set(states), states
    assert states["approved"] + states["paid"] > 1, states
    paid = [g for g in grants if g.status == "paid"]
    assert paid and batches and all(b.status == "paid" for b in batches)  # (a loop adds one)
    assert sum((b.total for b in batches), Decimal(0)) == sum((g.amount for g in paid),
                                                             Decimal(0))
    tiles = {t.label: t for t in money.tiles}
    for tile in tiles.values():
        paid_by_a_loop = tile.label == "待兑现" and len(batches) > 1  # the loop's batch paid all
        assert tile.count > 0 or "免申即享" in tile.label or paid_by_a_loop, tile
    assert sum(t.amount or 0 for t in tiles.values()) > 0
    # the dashboard's figures are the ledgers' own sums
    assert sum(r.paid for r in money.by_item) == sum((g.amount for g in paid), Decimal(0))
    assert sum(r.approved for r in money.by_item) == sum((g.amount for g in grants), Decimal(0))
    used = [r for r in money.by_item if r.budget]
    assert used and all(Decimal(0) < r.used <= r.budget for r in used if r.approved)  # type: ignore[operator]


def test_the_demo_money_is_seeded_once(demo: Demo) -> None:
    import io

    from rich.console import Console

    from huiqi.grants.demo import seed_grants

    with unit_of_work(demo.engine) as db:
        before = db.scalar(select(func.count()).select_from(Application))
    seed_grants(demo.engine, Console(file=io.StringIO()))
    with unit_of_work(demo.engine) as db:
        assert db.scalar(select(func.count()).select_from(Application)) == before
