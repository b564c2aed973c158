"""Budget ledger, finance review, yearly caps, 不重复支持, and 50 approvals at once."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import Engine, create_engine, select

from huiqi.grants import applications as apps
from huiqi.grants import budget, review
from huiqi.grants.awards import CapExceeded, ExcludedItem
from huiqi.kit.db import make_engine, unit_of_work
from huiqi.kit.errors import HuiqiError, PermissionDenied, ValidationFailed
from huiqi.models.budget import BudgetAccount
from huiqi.models.budget_entry import BudgetEntry
from huiqi.models.grant import Grant
from huiqi.policies import service as policies
from tests.grants.conftest import World


def _view(w: World, item_id: str) -> budget.BudgetView:
    with w.tx() as s:
        return budget.view(s, item_id, 2025, None)


def test_budget_exhaustion_refuses_the_approval_that_does_not_fit(world: World) -> None:
    # rent budget 100000; each enterprise 10000 × 3 = 30000 → three fit, the fourth does not.
    ids = []
    for n in range(10, 14):
        ent = world.enterprise(n)
        ids.append(world.do(apps.submit, ent, item_id="testville.rent").id)
    for app_id in ids[:3]:
        world.do(review.approve, world.dept, app_id)
    refused = r"预算不足：剩余 10000\.00 元，本次需 30000\.00 元"
    with pytest.raises(budget.BudgetExhausted, match=refused):
        world.do(review.approve, world.dept, ids[3])
    view = _view(world, "testville.rent")
    assert (view.total, view.committed, view.reserved, view.remaining) == (
        Decimal("100000.00"), Decimal("90000.00"), Decimal("0.00"), Decimal("10000.00"))
    # Lowering to what is left is allowed, with a reason.
    done = world.do(review.approve, world.dept, ids[3], amount=Decimal("10000.00"),
                    reason="年度预算余额不足，按余额支持")
    assert done.approved_amount == Decimal("10000.00")
    assert _view(world, "testville.rent").remaining == Decimal("0.00")


def test_finance_review_reserves_then_commits_and_releases_the_difference(world: World) -> None:
    app = world.do(apps.submit, world.ent_a, item_id="testville.loan",
                   facts={"loan_amount": "2000000"})
    assert app.finance_department == "江北区财政局"
    assert app.estimated_amount == Decimal("20000.00")
    mid = world.do(review.approve, world.dept, app.id)
    assert mid.status == "finance_review" and mid.proposed_amount == Decimal("20000.00")
    view = _view(world, "testville.loan")
    assert (view.reserved, view.committed) == (Decimal("20000.00"), Decimal("0.00"))
    with pytest.raises(PermissionDenied):
        world.do(review.finance_approve, world.dept, app.id)  # not the finance bureau
    with pytest.raises(ValidationFailed, match="高于部门审核金额"):
        world.do(review.finance_approve, world.finance, app.id, amount=Decimal("20000.01"))
    done = world.do(review.finance_approve, world.finance, app.id, amount=Decimal("15000.00"),
                    reason="部分贷款用途不符")
    assert done.status == "approved" and done.approved_amount == Decimal("15000.00")
    view = _view(world, "testville.loan")
    assert (view.reserved, view.committed) == (Decimal("0.00"), Decimal("15000.00"))
    with world.tx() as s:
        entries = s.scalars(select(BudgetEntry).order_by(BudgetEntry.id))
        kinds = [(e.kind, e.amount) for e in entries]
    assert kinds == [("reserve", Decimal("20000.00")), ("commit", Decimal("15000.00")),
                     ("release", Decimal("5000.00"))]


def test_finance_reject_releases_the_reservation(world: World) -> None:
    app = world.do(apps.submit, world.ent_a, item_id="testville.loan",
                   facts={"loan_amount": "1000000"})
    world.do(review.approve, world.dept, app.id)
    with pytest.raises(PermissionDenied):
        world.do(review.reject, world.dept, app.id, "部门无权在财政复核阶段驳回")
    done = world.do(review.reject, world.finance, app.id, "贷款合同与付息凭证不一致")
    assert done.status == "rejected"
    view = _view(world, "testville.loan")
    assert (view.reserved, view.committed) == (Decimal("0.00"), Decimal("0.00"))


def test_yearly_cap_per_enterprise_counts_grants_and_pending_finance(world: World) -> None:
    # loan: per_year cap 30000. Approve 20000 (pending finance), then a second application in the
    # same year is impossible (duplicate), so simulate a second year's budget separately: a new
    # application after the first was rejected must respect the cap including the pending one.
    first = world.do(apps.submit, world.ent_a, item_id="testville.loan",
                     facts={"loan_amount": "2000000"})
    world.do(review.approve, world.dept, first.id)
    world.do(review.finance_approve, world.finance, first.id)
    with world.tx() as s:  # a second grant in the year (e.g. a second loan, entered by hand)
        s.get(Grant, s.scalars(select(Grant.id)).one()).status = "paid"
    second = _force_second(world)
    with pytest.raises(CapExceeded, match=r"剩余额度 10000\.00 元"):
        world.do(review.approve, world.dept, second)
    done = world.do(review.approve, world.dept, second, amount=Decimal("10000.00"),
                    reason="每年上限3万元，已享受2万元")
    assert done.status == "finance_review"


def _force_second(w: World) -> int:
    """A second application of ent_a for the loan item in 2025 (the first one is paid, so the
    duplicate rule would refuse it: insert it as if it came from another channel)."""
    from huiqi.models.application import Application

    with w.tx() as s:
        first = s.scalars(select(Application)).one()
        second = Application(**{c.key: getattr(first, c.key) for c in Application.__table__.c
                                if c.key not in ("id",)})
        second.status, second.facts = "submitted", {"loan_amount": "3000000"}
        second.proposed_amount = second.approved_amount = None
        s.add(second)
        s.flush()
        return second.id


def test_exclusions_refuse_application_and_approval(world: World) -> None:
    a = world.do(apps.submit, world.ent_a, item_id="testville.excl-b",
                 facts={"loan_amount": "100"})
    world.do(review.approve, world.dept, a.id)
    # excl-a lists excl-b as excluded: refused at submission already.
    with pytest.raises(ExcludedItem, match=r"不重复支持.*续贷奖励"):
        world.do(apps.submit, world.ent_a, item_id="testville.excl-a", facts={"first_loan": True})
    # The other direction: ent_b applies for both, the first approval blocks the second.
    b1 = world.do(apps.submit, world.ent_b, item_id="testville.excl-a", facts={"first_loan": True})
    b2 = world.do(apps.submit, world.ent_b, item_id="testville.excl-b",
                  facts={"loan_amount": "100"})
    world.do(review.approve, world.dept, b1.id)
    with pytest.raises(ExcludedItem, match="首贷奖励"):
        world.do(review.approve, world.dept, b2.id)


def test_unlimited_budget_when_the_item_has_none(world: World) -> None:
    a = world.do(apps.submit, world.ent_a, item_id="testville.excl-b", facts={"loan_amount": "1"})
    world.do(review.approve, world.dept, a.id)
    view = _view(world, "testville.excl-b")
    assert view.unlimited and view.remaining is None and view.committed == Decimal("5000.00")


def test_office_sets_budget_never_below_what_is_used(world: World) -> None:
    a = world.do(apps.submit, world.ent_a, item_id="testville.rent")
    world.do(review.approve, world.dept, a.id)
    with world.tx() as s, pytest.raises(HuiqiError, match=r"不能低于已占用的 30000\.00 元"):
        budget.set_total(s, world.office, "testville.rent", 2025, Decimal("20000"),
                         world.clock.now())
    with world.tx() as s:
        budget.set_total(s, world.office, "testville.rent", 2025, Decimal("200000"),
                         world.clock.now())
    assert _view(world, "testville.rent").remaining == Decimal("170000.00")


def _pool_of(world: World, size: int) -> Engine:
    """A second engine on the world's database, serving the same policy items."""
    url = world.engine.url.render_as_string(hide_password=False)
    if world.engine.dialect.name == "postgresql":
        engine = create_engine(url, pool_size=size, max_overflow=0)
    else:
        engine = make_engine(url)  # SQLite: writers queue on the database lock anyway
    policies.use_items(engine, policies.items(world.engine).source)
    return engine


def test_fifty_concurrent_approvals_against_a_budget_for_ten(world: World) -> None:
    """PostgreSQL: FOR UPDATE on the budget row; SQLite: BEGIN IMMEDIATE. Each approval is its
    own thread, session and transaction, released at the same instant by a barrier."""
    ents = world.enterprises(range(100, 150))
    with world.tx() as s:
        ids = [apps.submit(s, ent, item_id="testville.tight", clock=world.clock).id
               for ent in ents]
    engine = _pool_of(world, 60)
    barrier, results = threading.Barrier(50), {}

    def approve(app_id: int) -> None:
        barrier.wait()
        try:
            with unit_of_work(engine) as s:
                review.approve(s, world.dept, app_id, clock=world.clock)
            results[app_id] = "approved"
        except HuiqiError as exc:
            results[app_id] = exc.code

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    engine.dispose()
    outcomes = sorted(results.values())
    assert outcomes.count("approved") == 10
    assert outcomes.count("budget_exhausted") == 40
    with world.tx() as s:
        acct = s.scalars(select(BudgetAccount).where(BudgetAccount.item_id == "testville.tight")
                         ).one()
        assert (acct.total, acct.committed, acct.reserved) == (
            Decimal("10000.00"), Decimal("10000.00"), Decimal("0.00"))
        assert len(s.scalars(select(Grant.id).where(Grant.item_id == "testville.tight")).all()) \
            == 10
        # The ledger never went negative: replaying the entries in order stays within budget.
        running = Decimal(0)
        for e in s.scalars(select(BudgetEntry).where(BudgetEntry.account_id == acct.id)
                           .order_by(BudgetEntry.id)):
            running += e.amount if e.kind == "reserve" else Decimal(0)
            assert running <= acct.total


def test_excluded_items_approved_at_once_grant_only_one(world: World) -> None:
    """不重复支持 across two items (two budget rows): the enterprise row lock serialises them."""
    a = world.do(apps.submit, world.ent_a, item_id="testville.excl-a", facts={"first_loan": True})
    b = world.do(apps.submit, world.ent_a, item_id="testville.excl-b",
                 facts={"loan_amount": "100"})
    engine = _pool_of(world, 4)
    barrier, results = threading.Barrier(2), []

    def approve(app_id: int) -> None:
        barrier.wait()
        try:
            with unit_of_work(engine) as s:
                review.approve(s, world.dept, app_id, clock=world.clock)
            results.append("approved")
        except HuiqiError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=approve, args=(i,)) for i in (a.id, b.id)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    engine.dispose()
    assert sorted(results) == ["approved", "grant_excluded"]
