"""Mass assignment (ASVS 8.2.3, 15.3.3): fields an enterprise must not set (status, amounts,
the enterprise itself, role, assignee, deadline, source) in JSON and form bodies are ignored or
refused, never stored."""

from __future__ import annotations

from sqlalchemy import select

from huiqi.models.appeal import Appeal
from huiqi.models.application import Application
from huiqi.models.user import User
from tests.fixtures.web import post_form
from tests.grants.conftest import World
from tests.grants.web import Clients
from tests.security.objects import add_category

EXTRA = {"status": "approved", "approved_amount": "9999999", "amount": "9999999",
         "role": "office", "assignee": "office1", "deadline": "2099-01-01",
         "first_approved_by": 1, "is_active": False, "department": "jb-finance",
         "lead_department": "东宝区商务局", "resolve_due": "2099-01-01", "satisfaction": 5,
         "submitted_by_role": "office", "id": 424242}


def test_application_api_ignores_extra_fields(world: World, web: Clients) -> None:
    api = web.api("ent_a")
    body = {"item_id": "testville.rent", **EXTRA, "enterprise_uscc": world.ent_b.enterprise_uscc,
            "enterprise_name": "冒名企业"}
    r = api.post("/api/v1/grants/applications", json=body)
    assert r.status_code in (201, 422), r.text
    with world.tx() as s:
        rows = list(s.scalars(select(Application)))
    if r.status_code == 422:
        assert rows == []
        return
    (app,) = rows
    assert app.id != 424242 and app.status == "submitted"
    assert app.enterprise_uscc == world.ent_a.enterprise_uscc
    assert app.enterprise_name != "冒名企业" and app.first_approved_by is None
    assert app.department != "jb-finance"
    assert r.json()["status"] == "submitted"


def test_appeal_api_keeps_the_callers_enterprise_and_the_initial_state(
        world: World, web: Clients) -> None:
    add_category(world)
    api = web.api("ent_a")
    body = {"category": "其他", "title": "用电报装慢", "description": "三个月未通电",
            **EXTRA, "enterprise_name": "冒名企业"}
    for field, value, message in [("source", "hotline", "热线"),
                                  ("enterprise_uscc", world.ent_b.enterprise_uscc, "本企业")]:
        refused = api.post("/api/v1/appeals", json={**body, field: value})
        assert refused.status_code == 422 and message in refused.text, field
    r = api.post("/api/v1/appeals", json=body)
    assert r.status_code == 201, r.text  # accepted, the other extras ignored
    with world.tx() as s:
        rows = list(s.scalars(select(Appeal)))
    (appeal,) = rows
    assert appeal.id != 424242
    assert appeal.enterprise_uscc == world.ent_a.enterprise_uscc
    assert appeal.enterprise_name != "冒名企业"
    assert appeal.status not in ("closed", "resolved", "replied") and appeal.satisfaction is None
    assert appeal.submitted_by_role == "enterprise" and appeal.source != "hotline"
    assert appeal.lead_department_id is None or appeal.lead_department != "东宝区商务局"


def test_application_form_ignores_extra_fields(world: World, web: Clients) -> None:
    page = web.page("ent_a")
    form = {**{k: str(v) for k, v in EXTRA.items()},
            "enterprise_uscc": world.ent_b.enterprise_uscc, "enterprise_name": "冒名企业"}
    r = post_form(page, "/grants/apply/testville.rent", data=form)
    assert r.status_code == 303, r.text  # submitted, the extras ignored
    with world.tx() as s:
        (app,) = s.scalars(select(Application))
        user = s.get(User, world.ent_a.user_id)
        assert user is not None and user.role == "enterprise" and user.is_active
        assert app.status == "submitted" and app.id != 424242
        assert app.enterprise_uscc == world.ent_a.enterprise_uscc
        assert app.enterprise_name != "冒名企业" and app.department != "jb-finance"
