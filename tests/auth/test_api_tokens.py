"""Personal API tokens: created in the browser, shown once, stored hashed, Bearer only."""

from __future__ import annotations

import re

from sqlalchemy import select

from huiqi.kit.security import token_digest
from huiqi.models.api_token import ApiToken
from tests.fixtures.web import post_form

SECRET = re.compile(r'<code class="secret-value" id="new-secret">(hq_[^<]+)</code>')


def _create(c, name: str = "对接", days: str = "") -> str:
    response = post_form(c, "/account/tokens", {"name": name, "days": days})
    assert response.status_code == 200, response.text
    match = SECRET.search(response.text)
    assert match, "the new token is shown once"
    return match.group(1)


def _token_id(c) -> str:
    return re.search(r"/account/tokens/(\d+)/revoke", c.get("/account/tokens").text).group(1)


def test_token_authenticates_api_calls(client, logged_in, app_engine) -> None:
    c = logged_in("enterprise")
    secret = _create(c)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == c.creds.username and body["role"] == "enterprise"
    assert body["enterprise_uscc"] == c.creds.enterprise_uscc
    with app_engine.connect() as conn:
        row = conn.execute(select(ApiToken).where(ApiToken.user_id == c.creds.id)).one()
    assert row.token_digest == token_digest(secret) and secret not in row.prefix + row.name
    assert row.last_used_at is not None
    # Never shown again.
    assert secret not in c.get("/account/tokens").text


def test_missing_wrong_or_revoked_token_is_401(client, logged_in) -> None:
    c = logged_in("office")
    secret = _create(c)
    for headers in ({}, {"Authorization": "Bearer hq_wrong"}, {"Authorization": secret}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["error"]["code"] == "not_authenticated"
    token_id = _token_id(c)
    assert post_form(c, f"/account/tokens/{token_id}/revoke").status_code == 303
    revoked = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert revoked.status_code == 401


def test_token_expires(client, logged_in, clock) -> None:
    c = logged_in("office")
    secret = _create(c, days="1")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(hours=24, seconds=1)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_cannot_revoke_someone_elses_token(logged_in) -> None:
    owner, other = logged_in("office"), logged_in("office")
    _create(owner)
    token_id = _token_id(owner)
    response = post_form(other, f"/account/tokens/{token_id}/revoke")
    assert response.status_code == 404
    assert "/revoke" in owner.get("/account/tokens").text  # still active


def test_session_cookie_does_not_open_the_api(logged_in) -> None:
    c = logged_in("office")
    assert c.get("/api/v1/me").status_code == 401


def test_bearer_token_does_not_open_pages(client, logged_in) -> None:
    secret = _create(logged_in("office"))
    response = client.get("/", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 303  # to the login page


def test_bearer_calls_need_no_csrf_token(client, logged_in) -> None:
    secret = _create(logged_in("office"))
    response = client.post("/api/v1/notifications/12345/read",
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 404  # got past the guard; no such notification


def test_token_name_is_required(logged_in) -> None:
    c = logged_in("office")
    response = post_form(c, "/account/tokens", {"name": "  "})
    assert response.status_code == 422 and "令牌名称" in response.text
