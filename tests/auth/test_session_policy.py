"""Sessions end 12 h after login however active; `__Host-` cookie over HTTPS; common and
keyboard-pattern passwords are refused when set or reset."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from huiqi.kit.password_blocklist import is_common
from huiqi.kit.security import WeakPassword, check_password_policy, generate_password
from tests.auth.test_admin import LINK
from tests.fixtures.web import csrf_token, login, post_form

COMMON = ["Password1", "P@ssw0rd", "1qaz@WSX", "!QAZ2wsx", "Qwer1234!", "Admin@123",
          "Abc123456!", "Aa123456!", "Woaini1314!", "Zxcvbnm,./1", "1qaz@WSX3edc", "Welcome123!",
          "Passw0rd!", "P@55w0rd", "Qazwsx123!"]


def test_absolute_lifetime_is_12_hours_even_when_active(client, make_user, clock) -> None:
    login(client, make_user("liaison"))
    for _ in range(47):  # active every 15 minutes for 11 h 45 min
        clock.advance(minutes=15)
        assert client.get("/").status_code == 200
    clock.advance(minutes=15, seconds=1)
    response = client.get("/")
    assert response.status_code == 303 and "reason=timeout" in response.headers["location"]


def test_host_prefixed_cookie_over_https(app, make_user) -> None:
    user = make_user("liaison")
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        response = login(c, user)
        cookie = next(h for h in response.headers.get_list("set-cookie")
                      if h.startswith("__Host-huiqi_session="))
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
        assert c.get("/").status_code == 200
        # The plain name is not read over HTTPS (a sibling site could have planted it).
        token = c.cookies.get("__Host-huiqi_session")
        c.cookies.clear()
        c.cookies.set("huiqi_session", token)
        assert c.get("/").status_code == 303


@pytest.mark.parametrize("password", COMMON)
def test_common_and_keyboard_passwords_are_refused(password) -> None:
    assert is_common(password)
    with pytest.raises(WeakPassword) as exc:
        check_password_policy(password, "someone")
    assert "常见" in str(exc.value)


def test_generated_and_ordinary_strong_passwords_pass() -> None:
    for password in ["Tr0ub4dor&3x", "Own-Choice-77x", "Mei-Lan-Hua-2025", "Zhou_Ying#58"]:
        check_password_policy(password, "someone")
    assert not any(is_common(generate_password(12)) for _ in range(500))


def test_blocklist_applies_on_change_and_on_set_password_link(client, logged_in) -> None:
    sysadmin = logged_in("sysadmin")
    liaison = logged_in("liaison")
    change = post_form(liaison, "/account/password", {
        "current": liaison.creds.password, "new": "P@ssw0rd", "confirm": "P@ssw0rd"})
    assert change.status_code == 422 and "常见" in change.text
    reset = post_form(sysadmin, f"/admin/users/{liaison.creds.id}/reset-password")
    path = LINK.search(reset.text).group(1)
    token = csrf_token(client, path)
    refused = client.post(path, data={"new": "1qaz@WSX", "confirm": "1qaz@WSX",
                                      "csrf_token": token})
    assert refused.status_code == 422 and "常见" in refused.text
