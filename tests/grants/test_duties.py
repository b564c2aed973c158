"""审批与复核分离 on SQLite and PostgreSQL: no one approves alone, and a refusal is audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from huiqi.auth.actor import Actor
from huiqi.grants import applications as apps
from huiqi.grants import duties, payouts, review
from huiqi.kit.errors import AuditedRefusal, ValidationFailed
from huiqi.models.application import Application
from huiqi.models.audit import AuditLog
from huiqi.models.department import Department
from huiqi.models.user import User
from tests.grants.conftest import World
from tests.grants.web import Clients


def _refusals(world: World) -> list[AuditLog]:
    with world.tx() as s:
        rows = list(s.scalars(select(AuditLog).where(AuditLog.action == "grants.duty_refused")
                               .order_by(AuditLog.id)))
        s.expunge_all()
        return rows


def _move_to_finance(world: World, who: Actor) -> Actor:
    """The approver is moved to the finance bureau: still the same person."""
    with world.tx() as s:
        user = s.get(User, who.user_id)
        user.department_id = s.scalar(select(Department.id).where(Department.code == "jb-finance"))
        s.flush()
        return Actor.of(user)


def _loan(world: World, amount: str = "2000000") -> int:
    return world.do(apps.submit, world.ent_a, item_id="testville.loan",
                    facts={"loan_amount": amount}).id


def test_the_approver_cannot_finance_review(world: World) -> None:
    before, app_id = len(_refusals(world)), _loan(world)
    world.do(review.approve, world.dept, app_id)
    same = _move_to_finance(world, world.dept)
    with pytest.raises(AuditedRefusal, match="财政复核须由另一人办理") as err:
        world.do(review.finance_approve, same, app_id)
    assert err.value.status_code == 403
    with pytest.raises(AuditedRefusal):
        world.do(review.reject, same, app_id, "不予支持")
    [first, _] = _refusals(world)[before:]  # committed although the steps were not
    assert first.actor_id == same.user_id and first.after["step"] == "finance_review"
    with world.tx() as s:
        assert s.get(Application, app_id).status == "finance_review"
    done = world.do(review.finance_approve, world.finance, app_id)
    assert done.status == "approved" and done.approved_amount == Decimal("20000.00")


def test_api_answers_403_in_chinese_and_audits(world: World, web: Clients) -> None:
    before, app_id = len(_refusals(world)), _loan(world)
    assert web.api("dept").post(f"/api/v1/grants/applications/{app_id}/approve",
                                json={}).status_code == 200
    _move_to_finance(world, world.dept)
    got = web.api("dept").post(f"/api/v1/grants/applications/{app_id}/finance-approve", json={})
    assert got.status_code == 403, got.text
    assert got.json()["error"]["message"] == ("您已在部门审核中审批过该申报，财政复核须由另一人办理"
                                              "（审批与复核分离）。")
    assert len(_refusals(world)) == before + 1
    ok = web.api("finance").post(f"/api/v1/grants/applications/{app_id}/finance-approve",
                                 json={})
    assert ok.status_code == 200 and ok.json()["status"] == "approved"


def test_above_the_threshold_a_second_approver_is_needed(world: World, web: Clients) -> None:
    office, before = web.api("office"), len(_refusals(world))
    set_ = office.post("/api/v1/grants/settings",
                       json={"key": "second_approval_above", "value": "10000"})
    assert set_.status_code == 200 and set_.json()["second_approval_above"] == "10000.00"
    assert office.post("/api/v1/grants/settings", json={"key": "second_approval_above",
                                                       "value": "-1"}).status_code == 422
    app_id = _loan(world)  # 20,000.00 > 10,000
    first = world.do(review.approve, world.dept, app_id)
    assert first.status == "submitted" and first.first_approved_amount == Decimal("20000.00")
    with pytest.raises(AuditedRefusal, match="须由本部门另一名审批人复核审批"):
        world.do(review.approve, world.dept, app_id)
    second = world.do(review.approve, world.dept2, app_id)
    assert second.status == "finance_review" and second.proposed_amount == Decimal("20000.00")
    # neither approver may finance-review it
    for who in (world.dept, world.dept2):
        with pytest.raises(AuditedRefusal):
            world.do(review.finance_approve, _move_to_finance(world, who), app_id)
    assert len(_refusals(world)) == before + 3


def test_below_the_threshold_one_approver_suffices(world: World) -> None:
    with world.tx() as s:
        duties.change_setting(s, world.office, "second_approval_above", "50000",
                              clock=world.clock)
    approved = world.do(review.approve, world.dept, _loan(world))
    assert approved.status == "finance_review" and approved.first_approved_by is None


def test_settings_are_the_offices(world: World) -> None:
    with world.tx() as s, pytest.raises(Exception, match="无权"):
        duties.change_setting(s, world.dept, "publicity_workdays", "7", clock=world.clock)
    with world.tx() as s, pytest.raises(ValidationFailed, match="1–30 个工作日"):
        duties.change_setting(s, world.office, "publicity_workdays", "0", clock=world.clock)
    with world.tx() as s:
        assert duties.change_setting(s, world.office, "publicity_workdays", "7",
                                     clock=world.clock)["publicity_workdays"] == "7"
    with world.tx() as s:
        assert duties.publicity_workdays(s) == 7
        last = s.scalars(select(AuditLog).where(AuditLog.action == "grants.setting_change")
                         .order_by(AuditLog.id.desc())).first()
        assert last is not None and last.after["publicity_workdays"] == "7"


def test_the_maker_of_a_payout_batch_cannot_mark_it_paid(world: World) -> None:
    before = len(_refusals(world))
    app = world.do(apps.submit, world.ent_a, item_id="testville.rent")
    world.do(review.approve, world.dept, app.id)
    batch = world.do(payouts.create_batch, world.office)
    world.do(payouts.export, world.office, batch.id)
    with pytest.raises(AuditedRefusal, match="标记已兑付须由另一人办理"):
        world.do(payouts.mark_paid, world.office, batch.id)
    assert [r.after["step"] for r in _refusals(world)[before:]] == ["payout_paid"]
    paid = world.do(payouts.mark_paid, world.office2, batch.id)
    assert paid.newly_paid == 1 and paid.batch.paid_by == world.office2.user_id
