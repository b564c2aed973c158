"""Role aliases, "missing and forbidden look the same", and the read-only auditor."""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts

from huiqi.auth.dependencies import CurrentUser
from tests.fixtures.web import csrf_token

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _unsafe_routes(app: FastAPI) -> list[tuple[str, str, object]]:
    """(method, path with ids filled in, endpoint) of every state-changing route, including those
    of included routers."""
    found = []
    for route in iter_route_contexts(app.routes):
        for method in sorted(set(route.methods or ()) & UNSAFE):
            path = re.sub(r"\{[^}]+\}", "1", route.path_format or "")
            found.append((method, path, route.endpoint))
    return found


def test_route_walk_sees_every_mounted_router(app) -> None:
    paths = {path for _, path, _ in _unsafe_routes(app)}
    assert {"/login", "/logout", "/notifications/read-all", "/account/tokens"} <= paths
    assert "/api/v1/notifications/1/read" in paths


def _probe_router() -> APIRouter:
    """Routes written the way a domain writes them, with no auditor check of their own."""
    router = APIRouter()

    @router.post("/probe/{item_id}/approve")
    def approve(actor: CurrentUser, item_id: int) -> dict[str, str]:
        return {"approved": str(item_id)}

    @router.delete("/probe/{item_id}")
    def remove(actor: CurrentUser, item_id: int) -> dict[str, str]:
        return {"removed": str(item_id)}

    return router


@pytest.fixture
def probed_app(app: FastAPI) -> FastAPI:
    app.include_router(_probe_router())
    app.include_router(_probe_router(), prefix="/api/v1")
    return app


def test_probe_routes_work_for_other_roles(probed_app, logged_in) -> None:
    office = logged_in("office")
    response = office.post("/probe/7/approve", headers={"X-CSRF-Token": csrf_token(office)})
    assert response.status_code == 200 and response.json() == {"approved": "7"}


def _api_token(engine, clock, creds) -> str:
    from huiqi.auth import service
    from huiqi.auth.actor import Actor
    from huiqi.kit.db import unit_of_work

    with unit_of_work(engine) as db:
        _, secret = service.create_api_token(
            db, Actor(creds.id, creds.username, "", None), clock, "test")
    return secret


def test_auditor_can_change_nothing(probed_app, logged_in, app_engine, clock) -> None:
    """Every state-changing route of the app — including those later domains add — refuses the
    auditor, except the few marked @auditor_may that only touch the auditor's own account."""
    app = probed_app
    auditor = logged_in("auditor")
    token = csrf_token(auditor)
    bearer = {"Authorization": f"Bearer {_api_token(app_engine, clock, auditor.creds)}"}
    allowed = {"/logout", "/account/password", "/account/tokens", "/account/tokens/1/revoke",
               "/notifications/1/open", "/notifications/read-all",
               "/api/v1/notifications/1/read", "/login"}
    checked = 0
    for method, path, endpoint in _unsafe_routes(app):
        if path in allowed:
            assert getattr(endpoint, "__huiqi_auditor_may__", False) or path == "/login"
            continue
        headers = bearer if path.startswith(("/api/", "/open311/")) else {"X-CSRF-Token": token}
        response = auditor.request(method, path, data={"csrf_token": token}, headers=headers)
        assert response.status_code == 403, (method, path, response.status_code)
        assert "审计管理员账号只能查阅" in response.text
        checked += 1
    assert checked >= 4  # at least the probes; every domain's routes add to this


def test_auditor_with_an_api_token_cannot_mutate(probed_app, logged_in, app_engine, clock):
    from fastapi.testclient import TestClient

    app = probed_app
    auditor = logged_in("auditor")
    secret = _api_token(app_engine, clock, auditor.creds)

    with TestClient(app) as api:
        headers = {"Authorization": f"Bearer {secret}"}
        assert api.get("/api/v1/me", headers=headers).json()["role"] == "auditor"
        refused = api.post("/api/v1/probe/1/approve", headers=headers)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden"
        own = api.post("/api/v1/notifications/999999/read", headers=headers)
        assert own.status_code == 404  # allowed for the auditor (own notifications), none here


@pytest.mark.parametrize("role", ["enterprise", "department", "liaison", "office"])
def test_audit_log_looks_missing_to_other_roles(logged_in, role: str) -> None:
    c = logged_in(role)
    forbidden = c.get("/audit")
    missing = c.get("/no-such-page")
    assert forbidden.status_code == missing.status_code == 404
    title = re.compile(r"<h1 id=\"error-title\">(.*?)</h1>.*?<p class=\"lead\">(.*?)</p>", re.S)
    assert title.search(forbidden.text).groups() == title.search(missing.text).groups()


def test_auditor_sees_the_audit_log(logged_in) -> None:
    assert logged_in("auditor").get("/audit").status_code == 200


def test_navigation_follows_the_role(logged_in) -> None:
    auditor_home = logged_in("auditor").get("/").text
    office_home = logged_in("office").get("/").text
    assert 'href="/audit"' in auditor_home
    assert 'href="/audit"' not in office_home


def test_leader_can_change_nothing(probed_app, logged_in, app_engine, clock) -> None:
    """领导 read everything and change nothing: every state-changing route of the app (the ones
    later domains add included) refuses them, except the own-account ones (@auditor_may)."""
    leader = logged_in("leader")
    token = csrf_token(leader)
    bearer = {"Authorization": f"Bearer {_api_token(app_engine, clock, leader.creds)}"}
    checked = 0
    for method, path, endpoint in _unsafe_routes(probed_app):
        if getattr(endpoint, "__huiqi_auditor_may__", False) or path == "/login":
            continue
        headers = bearer if path.startswith(("/api/", "/open311/")) else {"X-CSRF-Token": token}
        response = leader.request(method, path, data={"csrf_token": token}, headers=headers)
        assert response.status_code == 403, (method, path, response.status_code)
        assert "领导账号只能查阅" in response.text
        checked += 1
    assert checked >= 4


def _insights_pages(app: FastAPI) -> list[str]:
    """Every GET page and API route of insights without a path parameter."""
    found = []
    for route in iter_route_contexts(app.routes):
        path = route.path_format or ""
        if "GET" in (route.methods or ()) and "{" not in path and (
                path.startswith(("/insights", "/api/v1/insights"))):
            found.append(path)
    return sorted(set(found))


# The indicator catalog's import template belongs to the import, an office write; the old
# visit-task page redirects officials to their 包联台账 (liaison pages are not a leader's).
NOT_FOR_LEADERS = {"/insights/indicators/template.xlsx", "/insights/indicators/import",
                   "/insights/visits"}


def test_leader_reads_every_insights_page(app, logged_in, app_engine, clock) -> None:
    leader = logged_in("leader")
    bearer = {"Authorization": f"Bearer {_api_token(app_engine, clock, leader.creds)}"}
    pages = _insights_pages(app)
    assert {"/insights/dashboard", "/insights/reports", "/insights/targeting",
            "/insights/simulations", "/insights/indicators"} <= set(pages)
    for path in pages:
        response = leader.get(path, headers=bearer if path.startswith("/api/") else {})
        expected = 404 if path in NOT_FOR_LEADERS else 200
        assert response.status_code == expected, (path, response.status_code)
    home = leader.get("/").text
    for href in ("/insights/dashboard", "/insights/reports", "/insights/targeting",
                 "/insights/simulations", "/insights/indicators", "/grants/applications",
                 "/appeals"):
        assert f'href="{href}"' in home, href
    assert "生成报告" not in leader.get("/insights/reports").text


def test_leader_sees_the_office_figures(app, logged_in, app_engine, clock) -> None:
    office, leader = logged_in("office"), logged_in("leader")

    def figures(who):  # type: ignore[no-untyped-def]
        bearer = {"Authorization": f"Bearer {_api_token(app_engine, clock, who.creds)}"}
        return who.get("/api/v1/insights/dashboard?year=2025", headers=bearer).json()

    office_figures = figures(office)
    assert figures(leader) == office_figures
    for tile in office_figures["money"] + office_figures["appeals"]:
        assert leader.get(tile["href"]).status_code == 200, tile["href"]
