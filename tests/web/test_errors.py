"""One handler renders domain errors: JSON for /api, a toast for htmx, a page otherwise."""

from __future__ import annotations

import json

import pytest
from fastapi import APIRouter

from huiqi.auth.dependencies import CurrentUser
from huiqi.kit.errors import Conflict, NotFound, ValidationFailed


@pytest.fixture
def probed(app):
    router = APIRouter()

    @router.get("/probe/closed")
    def closed(actor: CurrentUser) -> None:
        raise Conflict("该诉求已办结，不能再转办。", details={"status": "closed"})

    @router.get("/probe/crash")
    def crash(actor: CurrentUser) -> None:
        raise RuntimeError("boom")

    @router.get("/probe/missing/{item_id}")
    def missing(actor: CurrentUser, item_id: int) -> None:
        raise NotFound("申报不存在。")

    @router.get("/probe/invalid")
    def invalid(actor: CurrentUser) -> None:
        raise ValidationFailed("金额不能高于核定金额。")

    app.include_router(router)
    app.include_router(router, prefix="/api/v1")
    return app


def test_domain_error_as_a_page(probed, logged_in) -> None:
    response = logged_in("office").get("/probe/closed")
    assert response.status_code == 409
    assert "操作冲突" in response.text and "该诉求已办结，不能再转办。" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_domain_error_as_json_for_the_api(probed, client, logged_in, app_engine, clock) -> None:
    from huiqi.auth import service
    from huiqi.auth.actor import Actor
    from huiqi.kit.db import unit_of_work

    c = logged_in("office")
    with unit_of_work(app_engine) as db:
        _, secret = service.create_api_token(
            db, Actor(c.creds.id, c.creds.username, "", None), clock, "t")
    response = client.get("/api/v1/probe/closed", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 409
    error = {"code": "conflict", "message": "该诉求已办结，不能再转办。",
             "details": {"status": "closed"}}
    assert response.json() == {"error": error}
    bad = client.get("/api/v1/probe/missing/abc", headers={"Authorization": f"Bearer {secret}"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"


def test_domain_error_as_an_htmx_toast(probed, logged_in) -> None:
    response = logged_in("office").get("/probe/invalid", headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert response.headers["HX-Reswap"] == "none"
    trigger = json.loads(response.headers["HX-Trigger"])
    assert trigger == {"huiqi:toast": {"level": "error", "message": "金额不能高于核定金额。"}}
    assert 'class="toast toast-error"' in response.text and "<html" not in response.text


def test_unexpected_error_is_a_500_page_with_a_reference(probed, app, logged_in) -> None:
    from fastapi.testclient import TestClient

    c = logged_in("office")
    with TestClient(app, raise_server_exceptions=False, cookies=c.cookies) as quiet:
        response = quiet.get("/probe/crash")
    assert response.status_code == 500
    assert "系统出错了" in response.text and "boom" not in response.text


def test_missing_and_forbidden_look_the_same(probed, logged_in) -> None:
    c = logged_in("enterprise")
    a, b = c.get("/probe/missing/5"), c.get("/audit")
    assert a.status_code == b.status_code == 404


def test_unknown_page_for_anonymous_and_api(client) -> None:
    page = client.get("/nowhere")
    assert page.status_code == 404 and "页面不存在" in page.text
    api = client.get("/api/v1/nowhere")
    assert api.status_code == 404 and api.json()["error"]["code"] == "http_404"


def test_security_headers(client) -> None:
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_unknown_page_keeps_the_navigation_for_a_logged_in_user(logged_in) -> None:
    c = logged_in("auditor")
    page = c.get("/nowhere")
    assert page.status_code == 404
    assert 'href="/audit"' in page.text and c.creds.display_name in page.text


def test_hsts_only_over_https(app, client) -> None:
    from fastapi.testclient import TestClient

    assert "strict-transport-security" not in client.get("/login").headers
    with TestClient(app, base_url="https://testserver") as secure:
        assert secure.get("/login").headers["strict-transport-security"] == \
            "max-age=31536000; includeSubDomains"
