"""Second factor (TOTP, RFC 6238): required for the office and the administrators, once per code,
30-second steps, recovery codes, enrolment at the first login."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from huiqi.auth import mfa
from huiqi.models.audit import AuditLog
from tests.fixtures.web import _MFA, _db_key, csrf_token, login


def _password_step(client, creds):
    return login(client, creds, second_step=False)


def _answer(client, code: str, where: str = "/login/otp"):
    token = csrf_token(client, where)
    return client.post(where, data={"code": code, "csrf_token": token})


def _secret(app_engine, creds) -> dict:
    return _MFA[(_db_key(app_engine), creds.username)]


def test_password_alone_opens_nothing_for_an_admin_role(client, make_user) -> None:
    for role in ("office", "auditor", "sysadmin", "security"):
        client.cookies.clear()
        creds = make_user(role)
        first = _password_step(client, creds)
        assert first.status_code == 303 and first.headers["location"] == "/login/otp"
        assert "huiqi_session" not in client.cookies
        assert client.get("/admin/users").status_code == 303  # to the login page
        assert client.get("/").headers["location"].startswith("/login")


def test_a_code_works_once_and_only_in_its_step(client, make_user, clock, app_engine) -> None:
    creds = make_user("office")
    secret = _secret(app_engine, creds)["secret"]
    _password_step(client, creds)
    stale = mfa.code_at(secret, clock.now() - timedelta(seconds=30))
    assert _answer(client, stale).status_code == 400  # the previous step: too old
    code = mfa.code_at(secret, clock.now())
    ok = _answer(client, code)
    assert ok.status_code == 303 and "huiqi_session" in client.cookies
    # The same code again (another login within the step) is refused: replay.
    client.cookies.clear()
    _password_step(client, creds)
    replay = _answer(client, code)
    assert replay.status_code == 400 and "已使用过" in replay.text
    clock.advance(seconds=30)
    assert _answer(client, mfa.code_at(secret, clock.now())).status_code == 303
    with app_engine.connect() as conn:
        actions = list(conn.scalars(select(AuditLog.action).where(
            AuditLog.subject_id == str(creds.id), AuditLog.subject_type == "users")))
    assert "auth.mfa_replay_refused" in actions


def test_recovery_codes_work_once(client, make_user, app_engine) -> None:
    creds = make_user("auditor")
    code = _secret(app_engine, creds)["codes"][0]
    _password_step(client, creds)
    assert _answer(client, code).status_code == 303
    client.cookies.clear()
    _password_step(client, creds)
    assert _answer(client, code).status_code == 400


def test_required_role_enrols_at_first_login(client, make_user, clock) -> None:
    creds = make_user("office", mfa=False)
    first = _password_step(client, creds)
    assert first.headers["location"] == "/login/enrol"
    page = client.get("/login/enrol")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    assert "otpauth://totp/" in page.text
    assert _answer(client, "000000", "/login/enrol").status_code == 400
    done = _answer(client, mfa.code_at(secret, clock.now()), "/login/enrol")
    assert done.status_code == 200 and "恢复码" in done.text
    assert len(re.findall(r"<li><code>", done.text)) == 10
    assert client.get("/").status_code == 200
    # From now on the login asks for a code.
    client.cookies.clear()
    assert _password_step(client, creds).headers["location"] == "/login/otp"


def test_optional_for_other_roles(client, make_user) -> None:
    creds = make_user("liaison")
    response = _password_step(client, creds)
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_bad_codes_count_towards_the_lockout(client, make_user, clock, app_engine) -> None:
    creds = make_user("office")
    secret = _secret(app_engine, creds)["secret"]
    _password_step(client, creds)
    for _ in range(5):
        assert _answer(client, "123456" if mfa.code_at(secret, clock.now()) != "123456"
                       else "654321").status_code == 400
    # Locked for this source: even the right code is refused now.
    assert _answer(client, mfa.code_at(secret, clock.now())).status_code == 400
    with app_engine.connect() as conn:
        assert conn.scalar(select(AuditLog.id).where(
            AuditLog.action == "auth.lockout", AuditLog.subject_id == str(creds.id)))


def test_the_pending_step_expires_after_five_minutes(client, make_user, clock, app_engine):
    creds = make_user("office")
    secret = _secret(app_engine, creds)["secret"]
    _password_step(client, creds)
    clock.advance(minutes=5, seconds=1)
    token = csrf_token(client, "/login")
    late = client.post("/login/otp", data={"code": mfa.code_at(secret, clock.now()),
                                           "csrf_token": token})
    assert late.status_code == 404 and "huiqi_session" not in client.cookies


def test_totp_secret_is_stored_encrypted(make_user, app_engine) -> None:
    creds = make_user("office")
    with app_engine.connect() as conn:
        from huiqi.models.user import User

        stored = conn.scalar(select(User.totp_secret).where(User.id == creds.id))
    assert stored.startswith("enc:1:") and _secret(app_engine, creds)["secret"] not in stored
