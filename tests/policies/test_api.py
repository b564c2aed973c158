"""The policy library API (/api/v1/policies…): office only, Bearer tokens."""

from __future__ import annotations

import pytest

from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.kit.db import unit_of_work
from huiqi.models.user import User
from tests.policies.conftest import policy_yaml


@pytest.fixture
def api(client, make_user, app_engine, clock):
    """`api("office")`: headers with a Bearer token of a new user of that role."""

    def factory(role: str = "office") -> dict[str, str]:
        creds = make_user(role)
        with unit_of_work(app_engine) as db:
            actor = Actor.of(db.get(User, creds.id))
            _, secret = auth_service.create_api_token(db, actor, clock, "测试")
        return {"Authorization": f"Bearer {secret}"}

    return factory


def test_upload_publish_diff_withdraw(client, api, doc_id) -> None:
    office = api()
    bad = client.post("/api/v1/policies", headers=office, json={
        "filename": "rent.yaml", "source": policy_yaml(doc_id, criterion="monthly_rent > 'x'")})
    assert bad.status_code == 422
    problem = bad.json()["error"]["details"]["problems"][0]
    assert problem["file"] == "rent.yaml" and problem["criterion"] == "租金达标"
    assert problem["line"] == 17 and problem["item"] == f"{doc_id}-rent"

    check = client.post("/api/v1/policies/check", headers=office,
                        json={"source": policy_yaml(doc_id)})
    assert check.status_code == 200 and check.json()["ok"] is True
    assert len(check.json()["tests"]) == 3

    created = client.post("/api/v1/policies", headers=office,
                          json={"filename": "rent.yaml", "source": policy_yaml(doc_id)})
    assert created.status_code == 201 and created.json()["status"] == "draft"
    listing = client.get("/api/v1/policies", headers=office).json()
    did = next(d["id"] for d in listing if d["policy_id"] == doc_id)
    published = client.post(f"/api/v1/policies/{did}/versions/1/publish", headers=office)
    assert published.status_code == 200
    assert published.json()["version"]["status"] == "published"
    assert published.json()["rematch"]["items"] >= 1
    client.post("/api/v1/policies", headers=office, json={
        "filename": "rent.yaml", "source": policy_yaml(doc_id, min_rent=1000)})
    detail = client.get(f"/api/v1/policies/{did}", headers=office).json()
    assert (detail["published_version"], detail["latest_version"]) == (1, 2)
    assert detail["items"][0]["id"] == f"{doc_id}-rent"
    assert detail["items"][0]["budget_per_year"] == "1000000"
    d = client.get(f"/api/v1/policies/{did}/diff?a=1&b=2", headers=office).json()
    assert "+      租金达标: monthly_rent >= 1000" in d["unified"]
    source = client.get(f"/api/v1/policies/{did}/versions/2", headers=office).json()["source"]
    assert source == policy_yaml(doc_id, min_rent=1000)
    withdrawn = client.post(f"/api/v1/policies/{did}/withdraw", headers=office,
                            json={"reason": "测试"})
    assert withdrawn.status_code == 200
    again = client.post(f"/api/v1/policies/{did}/withdraw", headers=office, json={})
    assert again.status_code == 409


@pytest.mark.parametrize("role", ["enterprise", "department", "liaison", "auditor"])
def test_other_roles_get_404(client, api, role) -> None:
    headers = api(role)
    assert client.get("/api/v1/policies", headers=headers).status_code == 404
    assert client.post("/api/v1/policies/check", headers=headers,
                       json={"source": "x"}).status_code in (403, 404)
