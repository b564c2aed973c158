"""Every state-changing page request needs the session's CSRF token; /api uses Bearer tokens."""

from __future__ import annotations

from tests.fixtures.web import csrf_token, login

MESSAGE = "安全校验未通过"


def test_login_form_without_or_with_wrong_token_is_refused(client, make_user) -> None:
    user = make_user("office")
    client.get("/login")  # gets the pre-login cookie
    for token in (None, "forged-token"):
        data = {"username": user.username, "password": user.password}
        if token:
            data["csrf_token"] = token
        response = client.post("/login", data=data)
        assert response.status_code == 403
        assert MESSAGE in response.text
        assert "huiqi_session" not in client.cookies


def test_pre_login_token_must_match_its_signed_cookie(client, make_user) -> None:
    user = make_user("office")
    token = csrf_token(client, "/login")
    client.cookies.delete("huiqi_csrf")
    response = client.post("/login", data={"username": user.username, "password": user.password,
                                           "csrf_token": token})
    assert response.status_code == 403


def test_logged_in_forms_need_the_session_token(client, make_user) -> None:
    login(client, make_user("office"))
    assert client.post("/notifications/read-all").status_code == 403
    wrong = client.post("/notifications/read-all", data={"csrf_token": "nope"})
    assert wrong.status_code == 403 and MESSAGE in wrong.text
    ok = client.post("/notifications/read-all", data={"csrf_token": csrf_token(client)})
    assert ok.status_code == 303


def test_htmx_requests_send_the_token_in_a_header(client, make_user) -> None:
    login(client, make_user("office"))
    token = csrf_token(client)
    refused = client.post("/notifications/read-all", headers={"HX-Request": "true"})
    assert refused.status_code == 403
    assert "huiqi:toast" in refused.headers["HX-Trigger"]
    ok = client.post("/notifications/read-all",
                     headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert ok.status_code == 204 and ok.headers["HX-Redirect"] == "/notifications"


def test_a_token_from_another_session_does_not_work(app, client, make_user) -> None:
    from fastapi.testclient import TestClient

    login(client, make_user("office"))
    with TestClient(app, follow_redirects=False) as other:
        login(other, make_user("office"))
        foreign = csrf_token(other)
    assert client.post("/notifications/read-all", data={"csrf_token": foreign}).status_code == 403


def test_logout_needs_the_token_too(client, make_user) -> None:
    login(client, make_user("office"))
    assert client.post("/logout").status_code == 403
    assert client.get("/").status_code == 200  # still logged in


def test_foreign_origin_or_referer_is_refused_alongside_the_token(logged_in) -> None:
    from tests.fixtures.web import csrf_token

    office = logged_in("liaison")
    token = csrf_token(office)
    data = {"name": "t", "csrf_token": token}
    evil = office.post("/account/tokens", data=data, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    null = office.post("/account/tokens", data=data, headers={"Origin": "null"})
    assert null.status_code == 403
    referer = office.post("/account/tokens", data=data,
                          headers={"Referer": "https://evil.example/page"})
    assert referer.status_code == 403
    own = office.post("/account/tokens", data=data, headers={"Origin": "http://testserver"})
    assert own.status_code == 200
    assert office.post("/account/tokens", data=data).status_code == 200  # no header: token decides


def test_csp_forbids_inline_styles_and_keeps_base_uri(client) -> None:
    csp = client.get("/login").headers["content-security-policy"]
    assert "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "base-uri 'self'" in csp and "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
