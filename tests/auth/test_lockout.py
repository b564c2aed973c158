"""Lockout per account and source, rate limits (429 + Retry-After), trusted proxies: the 等保
lockout (5 failures / 15 min → 30 min) without handing an attacker a way to keep the owner out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from huiqi.app import create_app
from huiqi.auth import throttle
from huiqi.kit.settings import Settings
from huiqi.models.audit import AuditLog
from huiqi.models.login_lock import LoginLock
from tests.fixtures.web import login, post_form

BAD = "Wrong-Pass-1"


def _actions(engine: Engine, user_id: int) -> list[tuple[str, str | None, dict | None]]:
    with engine.connect() as conn:
        rows = conn.execute(select(AuditLog.action, AuditLog.source_ip, AuditLog.after).where(
            AuditLog.subject_type == "users", AuditLog.subject_id == str(user_id))
            .order_by(AuditLog.id))
        return [tuple(r) for r in rows]


@pytest.fixture
def from_ip(app: FastAPI) -> Iterator:
    clients: list[TestClient] = []

    def make(ip: str) -> TestClient:
        c = TestClient(app, follow_redirects=False, client=(ip, 40000))
        c.__enter__()
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def test_lock_holds_for_the_source_only_and_keeps_sessions(from_ip, make_user, app_engine):
    user = make_user("liaison")
    owner, attacker = from_ip("10.0.0.1"), from_ip("203.0.113.9")
    assert login(owner, user).status_code == 303
    for _ in range(5):
        assert login(attacker, (user.username, BAD)).status_code == 400
    # The attacker's address is locked, even with the right password, and says nothing more.
    locked = login(attacker, user)
    assert locked.status_code == 400 and "锁定" not in locked.text.split("login-help")[0]
    # The owner's live session goes on, and a fresh login from the owner's address works.
    assert owner.get("/").status_code == 200
    assert login(from_ip("10.0.0.1"), user).status_code == 303
    actions = _actions(app_engine, user.id)
    lockouts = [a for a in actions if a[0] == "auth.lockout"]
    assert len(lockouts) == 1 and lockouts[0][1] == "203.0.113.9"
    assert lockouts[0][2]["source"] == "203.0.113.9" and lockouts[0][2]["minutes"] == 30
    assert [a[0] for a in actions].count("auth.login_refused_locked") == 1


def test_repeated_locks_double_up_to_a_day(from_ip, make_user, clock, app_engine):
    user, attacker = make_user("liaison"), from_ip("198.51.100.7")
    minutes = []
    for _ in range(8):
        for _ in range(5):
            login(attacker, (user.username, BAD))
        with app_engine.connect() as conn:
            until = conn.scalar(select(LoginLock.locked_until).where(
                LoginLock.user_id == user.id, LoginLock.source == "198.51.100.7"))
        minutes.append(round((until - clock.now()).total_seconds() / 60))
        clock.set(until + timedelta(seconds=1))
    assert minutes == [30, 60, 120, 240, 480, 960, 1440, 1440]
    # A success from that source resets the progression.
    assert login(attacker, user).status_code == 303
    for _ in range(5):
        login(from_ip("198.51.100.7"), (user.username, BAD))
    with app_engine.connect() as conn:
        until = conn.scalar(select(LoginLock.locked_until).where(
            LoginLock.user_id == user.id, LoginLock.source == "198.51.100.7"))
    assert until - clock.now() == timedelta(minutes=30)


def test_account_wide_cap_lets_only_known_sources_try(from_ip, make_user, clock, app_engine,
                                                      monkeypatch):
    monkeypatch.setattr(throttle, "ACCOUNT_HOURLY_CAP", 12)
    user = make_user("liaison")
    assert login(from_ip("10.0.0.1"), user).status_code == 303  # a known source
    for i in range(12):  # 12 failures from 4 addresses, none of them locked (3 each)
        login(from_ip(f"203.0.113.{i % 4 + 1}"), (user.username, BAD))
    # A new address is refused without a password check, even with the right password …
    assert login(from_ip("203.0.113.50"), user).status_code == 400
    # … the owner's known address is not.
    assert login(from_ip("10.0.0.1"), user).status_code == 303
    assert "auth.login_refused_account_cap" in [a[0] for a in _actions(app_engine, user.id)]
    clock.advance(hours=1, seconds=1)
    assert login(from_ip("203.0.113.50"), user).status_code == 303


def test_office_unlock_lifts_every_lock_and_is_audited(from_ip, logged_in, make_user,
                                                       app_engine):
    office, user, attacker = logged_in("office"), make_user("liaison"), from_ip("203.0.113.9")
    for _ in range(5):
        login(attacker, (user.username, BAD))
    page = office.get("/admin/users", params={"q": user.username})
    assert "锁定至" in page.text and "解除锁定" in page.text
    assert post_form(office, f"/admin/users/{user.id}/unlock").status_code == 303
    assert login(attacker, user).status_code == 303
    unlock = [a for a in _actions(app_engine, user.id) if a[0] == "user.unlock"]
    assert len(unlock) == 1


def test_login_flood_from_one_address_gets_429_with_retry_after(from_ip, make_user, app, clock):
    user, attacker = make_user("liaison"), from_ip("192.0.2.1")
    statuses = [login(attacker, (f"nobody{i}", BAD)).status_code for i in range(35)]
    assert statuses[:30] == [400] * 30 and set(statuses[30:]) == {429}
    limited = login(attacker, (user.username, user.password))
    assert limited.status_code == 429
    assert "操作过于频繁" in limited.text and int(limited.headers["retry-after"]) >= 1
    # Other addresses are unaffected; after the window the address may try again.
    assert login(from_ip("192.0.2.2"), user).status_code == 303
    clock.advance(seconds=120)
    assert login(attacker, user).status_code == 303


def test_api_limits_per_account_and_token_guessing(from_ip, logged_in, app, clock, monkeypatch):
    from huiqi.kit import ratelimit

    monkeypatch.setattr(ratelimit, "API_ACCOUNT", ratelimit.Rule("api-account", 5, 60))
    monkeypatch.setattr(ratelimit, "TOKEN_FAILURES_IP", ratelimit.Rule("token-fail", 3, 60))
    from huiqi.auth import dependencies

    monkeypatch.setattr(dependencies, "ratelimit", ratelimit)
    office = logged_in("office")
    created = post_form(office, "/account/tokens", {"name": "t"})
    import re

    secret = re.search(r"(hq_[A-Za-z0-9_-]{20,})", created.text).group(1)
    api = from_ip("192.0.2.10")
    ok = [api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code
          for _ in range(6)]
    assert ok[:5] == [200] * 5 and ok[5] == 429
    limited = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert limited.json()["error"]["code"] == "rate_limited" and "Retry-After" in limited.headers
    guesser = from_ip("192.0.2.11")
    bad = [guesser.get("/api/v1/me", headers={"Authorization": "Bearer hq_nope"}).status_code
           for _ in range(4)]
    assert bad == [401, 401, 401, 429]


def test_forged_forwarded_for_is_ignored_unless_from_a_trusted_proxy(
    app_engine, app_db_url, clock, tmp_path, make_user
):
    user = make_user("liaison")

    def app_with(proxies: tuple[str, ...]) -> FastAPI:
        settings = Settings(data_dir=tmp_path, database_url=app_db_url, secret_key="k",
                            trusted_proxies=proxies)
        return create_app(settings, app_engine, clock=clock)

    forged = {"X-Forwarded-For": "1.2.3.4"}
    with TestClient(app_with(()), follow_redirects=False, client=("198.51.100.1", 1),
                    headers=forged) as c:
        login(c, (user.username, BAD))
    with TestClient(app_with(("10.0.0.0/8",)), follow_redirects=False, client=("10.1.1.1", 1),
                    headers={"X-Forwarded-For": "9.9.9.9, 5.6.7.8, 10.2.2.2"}) as c:
        login(c, (user.username, BAD))
    sources = [a[1] for a in _actions(app_engine, user.id) if a[0] == "auth.login_failed"]
    assert sources == ["198.51.100.1", "5.6.7.8"]


def test_password_checks_are_bounded(monkeypatch):
    from huiqi.kit import security

    monkeypatch.setattr(security, "PASSWORD_SLOT_WAIT", 0.05)
    taken = [security._slot() for _ in range(security.PASSWORD_SLOTS)]
    try:
        with pytest.raises(security.PasswordChecksBusy) as busy:
            security.verify_password(None, "x")
        assert busy.value.status_code == 429 and busy.value.headers["Retry-After"] == "5"
    finally:
        for slot in taken:
            slot.release()
    assert security.verify_password(None, "x") is False
