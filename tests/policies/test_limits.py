"""Expression size and depth limits: an oversized or deeply nested expression is a policy error
naming file, item and criterion (never a RecursionError), and the largest expression allowed
works everywhere after it: check, save, publication (re-match), the 政策礼包 API and page."""

from __future__ import annotations

import pytest

from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.kit.db import unit_of_work
from huiqi.models.user import User
from huiqi.rules._checker import MAX_DEPTH
from tests.fixtures.web import login
from tests.policies.conftest import policy_yaml

pytestmark = pytest.mark.usefixtures("library_source")


def token(app_engine, clock, user_id: int) -> dict[str, str]:
    with unit_of_work(app_engine) as db:
        actor = Actor.of(db.get(User, user_id))
        _, secret = auth_service.create_api_token(db, actor, clock, "测试")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def office(make_user, app_engine, clock) -> dict[str, str]:
    return token(app_engine, clock, make_user("office").id)


def chain(n: int) -> str:
    """`monthly_rent >= 20000 AND monthly_rent >= 1 AND …`: n terms, n levels deep."""
    return " AND ".join(["monthly_rent >= 20000", *(f"monthly_rent >= {i}" for i in range(1, n))])


def nested(n: int) -> str:
    return "(" * n + "monthly_rent >= 20000" + ")" * n


@pytest.mark.parametrize(("criterion", "says"), [
    (chain(250), "表达式过长"), (chain(150), "表达式过长"), (chain(45), "表达式嵌套过深"),
    (nested(45), "表达式嵌套过深"), ("NOT " * 300 + "monthly_rent >= 20000", "嵌套"),
])
def test_too_large_an_expression_is_a_clear_policy_error(client, office, doc_id, criterion,
                                                         says) -> None:
    source = policy_yaml(doc_id, criterion=criterion)
    check = client.post("/api/v1/policies/check", headers=office,
                        json={"source": source, "filename": "deep.yaml"})
    assert check.status_code == 200 and check.json()["ok"] is False
    problem = check.json()["problems"][0]
    assert (problem["file"], problem["item"], problem["criterion"]) == \
        ("deep.yaml", f"{doc_id}-rent", "租金达标")
    assert says in problem["message"] and "请拆成几个条件" in problem["message"]
    assert problem["code"] in ("expression_too_long", "expression_too_deep")
    saved = client.post("/api/v1/policies", headers=office,
                        json={"filename": "deep.yaml", "source": source})
    assert saved.status_code == 422
    assert saved.json()["error"]["details"]["problems"][0]["criterion"] == "租金达标"
    listing = client.get("/api/v1/policies", headers=office).json()
    assert doc_id not in {d["policy_id"] for d in listing}  # nothing saved


def test_deeply_nested_yaml_is_a_yaml_error(client, office) -> None:
    for source in ("policy: " + "[" * 5000 + "]" * 5000, "a: " + "{b: " * 5000 + "1" + "}" * 5000):
        check = client.post("/api/v1/policies/check", headers=office, json={"source": source})
        assert check.status_code == 200 and check.json()["ok"] is False
        problem = check.json()["problems"][0]
        assert "嵌套超过 50 层" in problem["message"] and problem["code"] == "yaml_invalid"


def test_the_largest_expression_allowed_works_everywhere(client, office, doc_id, enterprise,
                                                         app_engine, clock) -> None:
    n = next(n for n in range(MAX_DEPTH, 0, -1) if client.post(
        "/api/v1/policies/check", headers=office,
        json={"source": policy_yaml(doc_id, criterion=chain(n))}).json()["ok"])
    assert n >= MAX_DEPTH - 4  # the limit is about depth, not a much smaller accident
    owner = enterprise(monthly_rent=30000)
    created = client.post("/api/v1/policies", headers=office, json={
        "filename": "deep.yaml", "source": policy_yaml(doc_id, criterion=chain(n))})
    assert created.status_code == 201
    did = next(d["id"] for d in client.get("/api/v1/policies", headers=office).json()
               if d["policy_id"] == doc_id)
    published = client.post(f"/api/v1/policies/{did}/versions/1/publish", headers=office)
    assert published.status_code == 200, published.text
    pack = client.get("/api/v1/gift-pack", headers=token(app_engine, clock, owner.id))
    assert pack.status_code == 200, pack.text
    assert f"{doc_id}-rent" in pack.text
    assert login(client, owner).status_code == 303
    page = client.get("/gift-pack")
    assert page.status_code == 200 and f"房租补贴（{doc_id}）" in page.text
    explanation = client.get(f"/gift-pack/items/{doc_id}-rent/explanation")
    assert explanation.status_code == 200
