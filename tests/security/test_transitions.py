"""Illegal state transitions (ASVS 2.3.1; 4.0 11.1.1) answer 409 and leave an audit row
(`request.refused`: who, method, path, status, code, message), and change nothing: approving a
withdrawn application, paying a batch the bank has not had, an enterprise confirming or a
department closing an appeal that has no reply, rating an unfinished case or rating twice."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from huiqi.audit import chain
from huiqi.models.appeal import Appeal
from huiqi.models.application import Application
from huiqi.models.audit import AuditLog
from tests.grants.conftest import World
from tests.grants.web import Clients
from tests.security.objects import add_category


def _refused(world: World, client: TestClient, url: str, body: Any, who: str) -> str:
    r = client.post(url, json=body)
    assert r.status_code == 409, (url, r.status_code, r.text)
    with world.tx() as s:
        rows = list(s.scalars(select(AuditLog).where(AuditLog.action == "request.refused",
                                                     AuditLog.actor_username == who)))
    assert any(row.after and row.after["path"] == url and row.after["status"] == 409
               and row.after["method"] == "POST" for row in rows), url
    return str(r.json()["error"]["message"])


def test_illegal_transitions_are_409_audited_and_change_nothing(world: World,
                                                                 web: Clients) -> None:
    add_category(world)
    ent, dept, office = web.api("ent_a"), web.api("dept"), web.api("office")
    app_id = ent.post("/api/v1/grants/applications",
                      json={"item_id": "testville.rent"}).json()["id"]
    assert ent.post(f"/api/v1/grants/applications/{app_id}/withdraw",
                    json={"note": "不申报了"}).status_code == 200
    _refused(world, dept, f"/api/v1/grants/applications/{app_id}/approve", {},
             world.dept.username)
    other = web.api("ent_b").post("/api/v1/grants/applications",
                                  json={"item_id": "testville.rent"}).json()["id"]
    assert dept.post(f"/api/v1/grants/applications/{other}/approve", json={}).status_code == 200
    batch = office.post("/api/v1/grants/payouts", json={}).json()
    _refused(world, web.api("office2"), f"/api/v1/grants/payouts/{batch['id']}/paid", {},
             world.office2.username)  # not exported to the bank yet

    appeal_id = ent.post("/api/v1/appeals", json={
        "category": "其他", "title": "用电报装慢", "description": "三个月未通电"}
    ).json()["appeal"]["id"]
    _refused(world, ent, f"/api/v1/appeals/{appeal_id}/actions/confirm", {},
             world.ent_a.username)
    _refused(world, office, f"/api/v1/appeals/{appeal_id}/actions/close", {},
             world.office.username)

    _refused(world, ent, "/api/v1/ratings",
             {"case_kind": "application", "case_ref": str(app_id), "level": 1},
             world.ent_a.username)  # withdrawn before any decision: nothing to rate

    with world.tx() as s:
        assert s.get(Application, app_id).status == "withdrawn"  # type: ignore[union-attr]
        assert s.get(Appeal, appeal_id).status == "submitted"  # type: ignore[union-attr]
    assert chain.verify(world.engine).ok
