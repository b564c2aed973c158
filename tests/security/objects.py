"""Objects of one enterprise (ent_b) for the tenant tests: an application with a material, its
grant and payout batch, an appeal with an attachment, a notification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from huiqi.grants import applications as apps
from huiqi.grants import payouts, review
from huiqi.models.appeal_category import AppealCategory
from huiqi.models.grant import Grant
from huiqi.models.material import Material
from huiqi.models.notification import Notification
from tests.grants.conftest import PDF, World, upload
from tests.grants.web import Clients


def add_category(world: World, name: str = "其他") -> None:
    with world.tx() as s:
        s.add(AppealCategory(code="other", name=name, sign_within_workdays=1,
                             resolve_within_workdays=5,
                             updated_at=datetime(2025, 1, 1, tzinfo=UTC)))


@dataclass
class Owned:
    uscc: str
    name: str
    application_id: int
    material_id: int
    grant_id: int
    batch_id: int
    appeal_id: int
    attachment_id: int
    notification_id: int


def owned_by_ent_b(world: World, web: Clients) -> Owned:
    add_category(world)
    ent = world.ent_b
    app = world.do(apps.submit, ent, item_id="testville.rent",
                   files=[upload("房屋租赁合同"), upload("营业执照")])
    world.do(review.approve, world.dept, app.id)
    batch = world.do(payouts.create_batch, world.office)
    api = web.api("ent_b")
    created = api.post("/api/v1/appeals", json={"category": "其他", "title": "乙企业的诉求",
                                                "description": "乙企业联系人 13800001111",
                                                "contact_phone": "13800001111"})
    assert created.status_code == 201, created.text
    appeal_id = created.json()["appeal"]["id"]
    att = api.post(f"/api/v1/appeals/{appeal_id}/attachments",
                   files={"file": ("证明.pdf", PDF, "application/pdf")})
    assert att.status_code == 201, att.text
    with world.tx() as s:
        material = s.scalars(select(Material.id).where(Material.application_id == app.id)).first()
        grant = s.scalars(select(Grant.id).where(Grant.application_id == app.id)).one()
        note = s.scalars(select(Notification.id).where(
            Notification.user_id == ent.user_id)).first()
    assert material and note
    return Owned(ent.enterprise_uscc or "", "测试企业2有限公司", app.id, material, grant,
                 batch.id, appeal_id, att.json()["id"], note)
