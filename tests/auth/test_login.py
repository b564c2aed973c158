"""Login, logout, session rotation, idle timeout and lockout, through HTTP."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from huiqi.auth.service import LOGIN_FAILED_MESSAGE
from huiqi.kit.security import token_digest
from huiqi.models.audit import AuditLog
from huiqi.models.session import UserSession
from tests.fixtures.web import Creds, csrf_token, login, post_form


def _audit_actions(engine: Engine, username: str) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(AuditLog.action).where(AuditLog.actor_username == username)
                            .order_by(AuditLog.id))
        return [r[0] for r in rows]


def _use_session(client: TestClient, token: str) -> None:
    client.cookies.delete("huiqi_session")
    client.cookies.set("huiqi_session", token, domain="testserver.local")


def test_pages_redirect_to_login_when_logged_out(client: TestClient) -> None:
    response = client.get("/notifications?page=2")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fnotifications%3Fpage%3D2"


def test_login_sets_a_safe_cookie_and_lands_on_next(client, make_user, app_engine) -> None:
    user: Creds = make_user("office")
    response = login(client, user, next="/notifications")
    assert response.status_code == 303
    assert response.headers["location"] == "/notifications"
    cookie = next(h for h in response.headers.get_list("set-cookie")
                  if h.startswith("huiqi_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    home = client.get("/")
    assert home.status_code == 200 and user.display_name in home.text
    assert "auth.login" in _audit_actions(app_engine, user.username)


def test_cookie_is_secure_over_https(app, make_user) -> None:
    user = make_user("office")
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        cookie = next(h for h in login(c, user).headers.get_list("set-cookie")
                      if h.startswith("__Host-huiqi_session="))
    assert "Secure" in cookie


def test_login_never_redirects_off_site(client, make_user) -> None:
    response = login(client, make_user("office"), next="//evil.example/x")
    assert response.headers["location"] == "/"


def test_wrong_password_unknown_user_same_message(client, make_user, app_engine) -> None:
    user = make_user("office")
    wrong = login(client, (user.username, "Wrong-Pass-1"))
    unknown = login(client, ("nobody-here", "Wrong-Pass-1"))
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert LOGIN_FAILED_MESSAGE in response.text
        assert "huiqi_session" not in client.cookies
    assert _audit_actions(app_engine, user.username) == ["auth.login_failed"]
    assert _audit_actions(app_engine, "nobody-here") == ["auth.login_failed"]


def test_session_id_is_new_at_every_login_and_old_one_dies(client, make_user, app_engine) -> None:
    user = make_user("office")
    _use_session(client, "planted-by-an-attacker")
    login(client, user)
    first = client.cookies["huiqi_session"]
    assert first != "planted-by-an-attacker"
    post_form(client, "/logout")
    login(client, user)
    second = client.cookies["huiqi_session"]
    assert second != first
    with app_engine.connect() as conn:
        ids = set(conn.scalars(select(UserSession.id).where(UserSession.user_id == user.id)))
    assert token_digest(second) in ids and token_digest(first) not in ids
    # The first token no longer opens anything.
    _use_session(client, first)
    assert client.get("/").status_code == 303


def test_session_tokens_are_stored_hashed(client, make_user, app_engine) -> None:
    user = make_user("office")
    login(client, user)
    token = client.cookies["huiqi_session"]
    with app_engine.connect() as conn:
        stored = conn.scalar(select(UserSession.id).where(UserSession.user_id == user.id))
    assert stored == token_digest(token) and stored != token


def test_logout_ends_the_session(client, make_user) -> None:
    login(client, make_user("office"))
    token = client.cookies["huiqi_session"]
    response = post_form(client, "/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?reason=logout"
    assert response.headers["clear-site-data"] == '"cache", "cookies", "storage"'
    _use_session(client, token)
    assert client.get("/").status_code == 303


def test_idle_timeout_after_30_minutes(client, make_user, clock) -> None:
    login(client, make_user("office"))
    clock.advance(minutes=29)
    assert client.get("/").status_code == 200  # activity resets the idle clock
    clock.advance(minutes=29)
    assert client.get("/").status_code == 200
    clock.advance(minutes=30, seconds=1)
    response = client.get("/")
    assert response.status_code == 303
    assert "reason=timeout" in response.headers["location"]
    page = client.get(response.headers["location"])
    assert "登录已超时" in page.text


def test_polling_the_bell_does_not_keep_a_session_alive(client, make_user, clock) -> None:
    login(client, make_user("office"))
    for _ in range(4):
        clock.advance(minutes=10)
        client.get("/notifications/bell", headers={"HX-Request": "true"})
    response = client.get("/notifications/bell", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?")


def test_five_failures_in_15_minutes_lock_for_30_minutes(client, make_user, clock, app_engine):
    user = make_user("office")
    for _ in range(5):
        clock.advance(minutes=2)
        assert login(client, (user.username, "Wrong-Pass-1")).status_code == 400
    # Locked: even the right password gets the same answer as a wrong one.
    locked = login(client, user)
    assert locked.status_code == 400 and LOGIN_FAILED_MESSAGE in locked.text
    assert "锁定" not in locked.text.split("login-help")[0]  # the message itself says nothing more
    clock.advance(minutes=29)
    assert login(client, user).status_code == 400
    clock.advance(minutes=2)
    assert login(client, user).status_code == 303
    actions = _audit_actions(app_engine, user.username)
    assert actions.count("auth.login_failed") == 5
    assert actions.count("auth.lockout") == 1
    assert actions.count("auth.login_refused_locked") == 2
    assert actions[-1] == "auth.login"


def test_failures_spread_over_more_than_15_minutes_do_not_lock(client, make_user, clock):
    user = make_user("office")
    for _ in range(8):
        assert login(client, (user.username, "Wrong-Pass-1")).status_code == 400
        clock.advance(minutes=4)  # never 5 failures within any 15-minute window
    assert login(client, user).status_code == 303


def test_success_resets_the_failure_count(client, make_user, clock) -> None:
    user = make_user("office")
    for _ in range(4):
        login(client, (user.username, "Wrong-Pass-1"))
    assert login(client, user).status_code == 303
    post_form(client, "/logout")
    for _ in range(4):
        login(client, (user.username, "Wrong-Pass-1"))
    assert login(client, user).status_code == 303


def test_change_password_signs_out_other_sessions(app, make_user, app_engine) -> None:
    user = make_user("office")
    with TestClient(app, follow_redirects=False) as a, TestClient(app, follow_redirects=False) as b:
        login(a, user)
        login(b, user)
        weak = post_form(a, "/account/password",
                         {"current": user.password, "new": "short", "confirm": "short"})
        assert weak.status_code == 422 and "至少 8 位" in weak.text
        new = {"current": user.password, "new": "New-Pass-2025", "confirm": "New-Pass-2025"}
        ok = post_form(a, "/account/password", new)
        assert ok.status_code == 303
        assert a.get("/").status_code == 200
        assert b.get("/").status_code == 303
    with app_engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "auth.password_change", AuditLog.subject_id == str(user.id)))
    assert count == 1


def test_login_page_carries_a_csrf_token(client) -> None:
    assert len(csrf_token(client, "/login")) > 20


def test_locked_until_is_aware_utc_on_both_engines(make_user, client, clock, app_engine) -> None:
    from huiqi.models.login_lock import LoginLock

    user = make_user("office")
    for _ in range(5):
        login(client, (user.username, "Wrong-Pass-1"))
    with app_engine.connect() as conn:
        until = conn.scalar(select(LoginLock.locked_until).where(
            LoginLock.user_id == user.id, LoginLock.source == "testclient"))
    assert until == clock.now() + timedelta(minutes=30)
    assert until.utcoffset() == timedelta(0)


def test_idle_sessions_are_swept_at_the_next_login(app, make_user, clock, app_engine) -> None:
    first, second = make_user("office"), make_user("office")
    with TestClient(app, follow_redirects=False) as a:
        login(a, first)
    clock.advance(minutes=31)
    with TestClient(app, follow_redirects=False) as b:
        login(b, second)
    with app_engine.connect() as conn:
        left = conn.scalar(select(func.count()).select_from(UserSession)
                           .where(UserSession.user_id == first.id))
    assert left == 0
