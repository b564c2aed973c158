"""The application loop: submit → (容缺) → review → approve/reject, with access checks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from huiqi.grants import applications as apps
from huiqi.grants import review
from huiqi.grants.states import InvalidTransition
from huiqi.kit.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from huiqi.models.application import Application
from huiqi.models.audit import AuditLog
from huiqi.models.grant import Grant
from huiqi.models.notification import Notification
from tests.grants.conftest import JPEG, PNG, World, upload


def submit_rent(w: World, who: str = "ent_a", **kw: object) -> Application:
    png = PNG
    files = kw.pop("files", [upload("房屋租赁合同"), upload("营业执照", "执照.png", png)])
    return w.do(apps.submit, w.actors[who], item_id="testville.rent", files=files, **kw)


def test_submit_estimates_with_the_engine_and_notifies_the_department(world: World) -> None:
    app = submit_rent(world)
    assert app.status == "submitted"
    assert app.estimated_amount == Decimal("30000.00")  # monthly_rent 10000 × 3
    assert app.department == "江北区商务委员会" and app.finance_department is None
    assert app.policy_version.startswith("testville.grants-2025@")
    with world.tx() as s:
        titles = list(s.scalars(select(Notification.title).where(
            Notification.user_id == world.dept.user_id)))
        assert titles == ["新的政策申报"]
        mats = apps.materials(s, world.ent_a, app.id)
        assert [m.name for m in mats] == ["房屋租赁合同", "营业执照"]
        assert all(len(m.sha256) == 64 for m in mats)


def test_happy_path_approve_at_engine_amount_creates_grant(world: World) -> None:
    app = submit_rent(world)
    world.do(review.accept, world.dept, app.id)
    done = world.do(review.approve, world.dept, app.id)
    assert done.status == "approved" and done.approved_amount == Decimal("30000.00")
    with world.tx() as s:
        grant = s.scalars(select(Grant).where(Grant.application_id == app.id)).one()
        assert (grant.amount, grant.status, grant.year) == (Decimal("30000.00"), "approved", 2025)
        kinds = [e.kind for e in apps.timeline(s, world.ent_a, app.id)]
        assert kinds == ["submit", "accept", "approve"]
        actions = set(s.scalars(select(AuditLog.action).where(
            AuditLog.subject_type == "grant_applications", AuditLog.subject_id == str(app.id))))
        assert {"grants.application_submit", "grants.application_accept",
                "grants.application_approve"} <= actions


def test_approve_above_engine_amount_is_refused_and_lower_needs_a_reason(world: World) -> None:
    app = submit_rent(world)
    with pytest.raises(ValidationFailed, match=r"高于政策核定金额 30000\.00 元"):
        world.do(review.approve, world.dept, app.id, amount=Decimal("30000.01"))
    with pytest.raises(ValidationFailed, match="调减理由"):
        world.do(review.approve, world.dept, app.id, amount=Decimal("20000"))
    done = world.do(review.approve, world.dept, app.id, amount=Decimal("20000.00"),
                    reason="租金凭证仅覆盖两个月")
    assert done.approved_amount == Decimal("20000.00")
    assert done.engine_amount == Decimal("30000.00")
    assert done.amount_reason == "租金凭证仅覆盖两个月"


def test_reject_needs_a_reason_and_ends_the_case(world: World) -> None:
    app = submit_rent(world)
    with pytest.raises(ValidationFailed):
        world.do(review.reject, world.dept, app.id, "  ")
    done = world.do(review.reject, world.dept, app.id, "租赁合同非国有房屋")
    assert done.status == "rejected" and done.decision_reason == "租赁合同非国有房屋"
    with pytest.raises(InvalidTransition, match="未通过") as exc:
        world.do(review.approve, world.dept, app.id)
    assert exc.value.status_code == 409


def test_gaps_then_upload_returns_to_review_then_approve(world: World) -> None:
    app = submit_rent(world, files=[upload("房屋租赁合同")])
    world.do(review.accept_with_gaps, world.dept, app.id, ["营业执照", "租金缴纳凭证"],
             workdays=5, note="请补齐")
    with world.tx() as s:
        got = s.get(Application, app.id)
        assert got.status == "pending_materials"
        # 2 June 2025 is the 端午 holiday; 5 working days later is Monday 9 June.
        assert got.materials_due == date(2025, 6, 9)
    with pytest.raises(InvalidTransition):
        world.do(review.approve, world.dept, app.id)
    world.do(apps.upload_material, world.ent_a, app.id, upload("营业执照", "执照.pdf"))
    assert world.do(apps.get, world.ent_a, app.id).status == "pending_materials"
    world.do(apps.upload_material, world.ent_a, app.id, upload("租金缴纳凭证", "凭证.jpg",
                                                                 JPEG))
    back = world.do(apps.get, world.dept, app.id)
    assert back.status == "under_review" and back.missing_materials == []
    assert world.do(review.approve, world.dept, app.id).status == "approved"
    with world.tx() as s:
        kinds = [e.kind for e in apps.timeline(s, world.ent_a, app.id)]
    assert kinds == ["submit", "accept_with_gaps", "upload", "upload", "supply", "approve"]


def test_due_date_must_be_in_the_future(world: World) -> None:
    app = submit_rent(world)
    with pytest.raises(ValidationFailed, match="晚于今天"):
        world.do(review.accept_with_gaps, world.dept, app.id, ["营业执照"],
                 due=world.clock.today_local())
    with pytest.raises(ValidationFailed, match="写明"):
        world.do(review.accept_with_gaps, world.dept, app.id, [" "])


def test_another_enterprise_gets_not_found(world: World) -> None:
    app = submit_rent(world)
    for fn in (apps.get, apps.timeline, apps.materials):
        with pytest.raises(NotFound):
            world.do(fn, world.ent_b, app.id)
    with pytest.raises(NotFound):
        world.do(apps.upload_material, world.ent_b, app.id, upload("营业执照"))
    with pytest.raises(NotFound):
        world.do(apps.withdraw, world.ent_b, app.id)
    missing = NotFound
    with pytest.raises(missing) as gone:
        world.do(apps.get, world.ent_b, 999_999)
    with pytest.raises(missing) as theirs:
        world.do(apps.get, world.ent_b, app.id)
    assert gone.value.message == theirs.value.message  # missing and forbidden look the same


def test_other_department_cannot_see_or_review(world: World) -> None:
    app = submit_rent(world)
    with pytest.raises(NotFound):
        world.do(review.approve, world.other_dept, app.id)
    with pytest.raises(NotFound):
        world.do(apps.get, world.hr, app.id)
    assert world.do(apps.get, world.dept2, app.id).id == app.id  # same department, other handler


def test_roles_office_auditor_and_enterprise_cannot_review(world: World) -> None:
    app = submit_rent(world)
    assert world.do(apps.get, world.office, app.id).id == app.id
    assert world.do(apps.get, world.auditor, app.id).id == app.id
    with pytest.raises(PermissionDenied, match="只能查阅"):
        world.do(review.approve, world.auditor, app.id)
    with pytest.raises(PermissionDenied):
        world.do(review.approve, world.office, app.id)
    with pytest.raises(PermissionDenied):
        world.do(review.approve, world.ent_a, app.id)


def test_duplicate_application_refused_withdrawn_one_allows_again(world: World) -> None:
    app = submit_rent(world)
    with pytest.raises(Exception, match="请勿重复申报"):
        submit_rent(world)
    world.do(apps.withdraw, world.ent_a, app.id, "材料有误，重新申报")
    assert submit_rent(world).status == "submitted"


def test_ineligible_and_unknown_facts(world: World) -> None:
    world.enterprise(3, rents_state_property=False)
    from huiqi.auth.actor import Actor
    from huiqi.models.user import User

    with world.tx() as s:
        ent3 = Actor.of(s.scalars(select(User).where(User.username == "ent3")).one())
    with pytest.raises(Exception, match=r"暂不符合.*承租国有房屋"):
        world.do(apps.submit, ent3, item_id="testville.rent")
    with pytest.raises(ValidationFailed, match="不是可申报填写的信息项"):
        world.do(apps.submit, world.ent_a, item_id="testville.loan", facts={"revenue": 1})
    with pytest.raises(ValidationFailed, match="贷款金额"):
        world.do(apps.submit, world.ent_a, item_id="testville.loan",
                 facts={"loan_amount": "很多"})


def test_auto_grant_items_cannot_be_applied_for(world: World) -> None:
    with pytest.raises(Exception, match="免申即享"):
        world.do(apps.submit, world.ent_a, item_id="testville.auto")


def test_out_of_force_date_refused(world: World) -> None:
    world.clock.set(datetime(2026, 1, 1, 2, 0, tzinfo=UTC))  # the platform's day decides
    with pytest.raises(Conflict, match=r"不在有效期内.*今天（2026-01-01）不能申报"):
        world.do(apps.submit, world.ent_a, item_id="testville.rent")
