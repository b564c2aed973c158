"""免申即享: list from matching → department confirms (all or some) → notified → paid."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from huiqi.grants import applications as apps
from huiqi.grants import autogrant, budget, payouts
from huiqi.grants.autogrant import Candidate
from huiqi.kit.errors import Conflict, NotFound, PermissionDenied
from huiqi.models.application import Application
from huiqi.models.grant import Grant
from huiqi.models.notification import Notification
from tests.grants.conftest import World, publicise


def test_generate_from_registry_confirm_some_decline_one_then_paid(world: World) -> None:
    world.enterprise(3, unemployment_insurance_paid="0")  # not eligible: left out of the list
    c = world.enterprise(4, unemployment_insurance_paid="12345.67")
    with world.tx() as s:
        candidates = autogrant.eligible_in_registry(s, "testville.auto", world.clock.today_local())
    assert sorted((x.uscc, x.amount) for x in candidates) == sorted([
        (world.ent_a.enterprise_uscc, Decimal("12000.00")),
        (world.ent_b.enterprise_uscc, Decimal("12000.00")),
        (c.enterprise_uscc, Decimal("7407.40"))])
    listing = world.do(autogrant.generate, world.office, "testville.auto", candidates)
    assert listing.rows == 3
    with world.tx() as s:
        rows = {r.enterprise_uscc: r.id for r in autogrant.rows(s, world.hr, listing.id)}
        # before confirmation the enterprise does not see a case it never applied for
        with pytest.raises(NotFound):
            apps.get(s, world.ent_a, rows[world.ent_a.enterprise_uscc])
    publicise(world, listing.id)
    result = world.do(autogrant.confirm, world.hr, listing.id,
                      [rows[world.ent_a.enterprise_uscc], rows[c.enterprise_uscc]])
    assert sorted(result.confirmed) == sorted([rows[world.ent_a.enterprise_uscc],
                                               rows[c.enterprise_uscc]]) and not result.refused
    declined = world.do(autogrant.decline, world.hr, listing.id,
                        [rows[world.ent_b.enterprise_uscc]], "上年度存在欠缴，暂不返还")
    assert declined.confirmed == [rows[world.ent_b.enterprise_uscc]]
    with world.tx() as s:
        grants = {g.enterprise_uscc: g for g in s.scalars(select(Grant))}
        assert grants[c.enterprise_uscc].amount == Decimal("7407.40")
        assert grants[c.enterprise_uscc].source == "auto"
        assert world.ent_b.enterprise_uscc not in grants
        note = s.scalars(select(Notification).where(
            Notification.user_id == world.ent_a.user_id)).one()
        assert note.title == "免申即享：政策资金已确认" and "12000.00" in note.body
        assert apps.get(s, world.ent_a, rows[world.ent_a.enterprise_uscc]).status == "approved"
        assert not s.scalars(select(Notification).where(
            Notification.user_id == world.ent_b.user_id)).all()  # no news of a decline
    batch = world.do(payouts.create_batch, world.office, item_id="testville.auto")
    world.do(payouts.export, world.office, batch.id)
    assert world.do(payouts.mark_paid, world.office2, batch.id).newly_paid == 2
    assert world.do(apps.get, world.ent_a, rows[world.ent_a.enterprise_uscc]).status == "paid"


def test_caller_list_confirm_all_and_regenerate_skips_the_listed(world: World) -> None:
    cands = [Candidate(world.ent_a.enterprise_uscc, Decimal("12000.00")),
             Candidate("91500105MA9999999X", Decimal("1"))]  # unknown enterprise: skipped
    listing = world.do(autogrant.generate, world.office, "testville.auto", cands)
    assert listing.rows == 1
    publicise(world, listing.id)
    result = world.do(autogrant.confirm, world.hr, listing.id)
    assert len(result.confirmed) == 1
    again = world.do(autogrant.confirm, world.hr, listing.id)
    assert again.confirmed == [] and again.refused == {}
    with pytest.raises(Conflict, match="名单为空"):
        world.do(autogrant.generate, world.office, "testville.auto", cands)


def test_confirmation_uses_the_engine_not_the_list_amount(world: World) -> None:
    """A list amount above the engine's is not what is granted: the engine decides."""
    listing = world.do(autogrant.generate, world.office, "testville.auto",
                       [Candidate(world.ent_a.enterprise_uscc, Decimal("99999.00"))])
    publicise(world, listing.id)
    world.do(autogrant.confirm, world.hr, listing.id)
    with world.tx() as s:
        assert s.scalars(select(Grant.amount)).one() == Decimal("12000.00")


def test_confirm_refuses_rows_that_no_longer_qualify_and_keeps_the_rest(world: World) -> None:
    listing = world.do(autogrant.generate, world.office, "testville.auto", [
        Candidate(world.ent_a.enterprise_uscc), Candidate(world.ent_b.enterprise_uscc)])
    with world.tx() as s:  # ent_b's premium is corrected to 0 after the list was made
        from huiqi.registry import service as registry

        registry.upsert(s, {"uscc": world.ent_b.enterprise_uscc,
                            "unemployment_insurance_paid": "0"})
    publicise(world, listing.id)
    result = world.do(autogrant.confirm, world.hr, listing.id)
    assert len(result.confirmed) == 1 and len(result.refused) == 1
    # the frozen row no longer matches the facts: the list must be regenerated
    assert "请重新生成名单" in next(iter(result.refused.values()))
    with world.tx() as s:
        statuses = sorted(s.scalars(select(Application.status)))
        # the confirmed row's notice is delivered although a later row was refused
        note = s.scalars(select(Notification).where(
            Notification.user_id == world.ent_a.user_id)).one()
        committed = budget.view(s, "testville.auto", 2025, None).committed
    assert statuses == ["approved", "submitted"]
    assert note.delivered_at is not None
    assert committed == Decimal("12000.00")


def test_only_office_generates_only_the_item_department_confirms(world: World) -> None:
    with pytest.raises(PermissionDenied):
        world.do(autogrant.generate, world.dept, "testville.auto", [])
    with pytest.raises(Conflict, match="不是免申即享"):
        world.do(autogrant.generate, world.office, "testville.rent", [])
    listing = world.do(autogrant.generate, world.office, "testville.auto",
                       [Candidate(world.ent_a.enterprise_uscc)])
    with pytest.raises(NotFound):
        world.do(autogrant.confirm, world.dept, listing.id)  # commerce, not HR
    with pytest.raises(PermissionDenied):
        world.do(autogrant.confirm, world.office, listing.id)
