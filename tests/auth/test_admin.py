"""The office's account administration."""

from __future__ import annotations

import re

from sqlalchemy import select

from huiqi.models.audit import AuditLog
from tests.fixtures.web import csrf_token, login, post_form, test_uscc

LINK = re.compile(r'<code class="secret-value" id="set-password-link">https?://[^/]+([^<]+)</code>')


def set_via_link(client, page_html: str, password: str = "Own-Choice-77x") -> str:
    """The owner follows the one-time link an administrator was shown, and sets a password."""
    path = LINK.search(page_html).group(1)
    client.cookies.clear()
    token = csrf_token(client, path)
    response = client.post(path, data={"new": password, "confirm": password,
                                       "csrf_token": token})
    assert response.status_code == 303, response.text
    return password


def test_office_creates_an_enterprise_account_that_can_log_in(client, logged_in) -> None:
    office = logged_in("office")
    uscc = test_uscc()
    response = post_form(office, "/admin/users", {
        "username": "qiye-admin-made", "display_name": "重庆某火锅店", "role": "enterprise",
        "enterprise_uscc": uscc.lower()})
    assert response.status_code == 200, response.text
    assert "Own-Choice" not in response.text
    password = set_via_link(client, response.text)
    assert login(client, ("qiye-admin-made", password)).status_code == 303
    assert uscc in office.get("/admin/users", params={"q": "admin-made"}).text


def test_mistakes_are_explained_and_the_form_kept(logged_in) -> None:
    office = logged_in("office")
    response = post_form(office, "/admin/users", {
        "username": "handler-x", "display_name": "经办人", "role": "department"})
    assert response.status_code == 422
    assert "须指定所属部门" in response.text and 'value="handler-x"' in response.text


def test_reset_password_unlock_and_deactivate(client, logged_in, make_user, app_engine) -> None:
    office, user = logged_in("office"), make_user("liaison")
    for _ in range(5):
        login(client, (user.username, "Wrong-Pass-1"))
    assert "解除锁定" in office.get("/admin/users", params={"q": user.username}).text
    assert post_form(office, f"/admin/users/{user.id}/unlock").status_code == 303
    assert login(client, user).status_code == 303

    reset = post_form(office, f"/admin/users/{user.id}/reset-password")
    assert client.get("/").status_code == 303  # the reset ended the user's session
    assert login(client, user).status_code == 400  # the old password is gone at once
    new_password = set_via_link(client, reset.text)
    assert login(client, (user.username, new_password)).status_code == 303

    deactivated = post_form(office, f"/admin/users/{user.id}/active", {"active": "false"})
    assert deactivated.status_code == 303
    assert client.get("/").status_code == 303
    client.cookies.clear()
    assert login(client, (user.username, new_password)).status_code == 400
    with app_engine.connect() as conn:
        actions = list(conn.scalars(select(AuditLog.action).where(
            AuditLog.subject_type == "users", AuditLog.subject_id == str(user.id),
            AuditLog.actor_username == office.creds.username).order_by(AuditLog.id)))
    assert actions == ["user.unlock", "auth.password_link_issue", "user.deactivate"]


def test_cannot_deactivate_oneself(logged_in) -> None:
    office = logged_in("office")
    response = post_form(office, f"/admin/users/{office.creds.id}/active", {"active": "false"})
    assert response.status_code == 404  # office accounts are the system administrator's
    assert office.get("/").status_code == 200


def test_departments(logged_in) -> None:
    office = logged_in("office")
    created = post_form(office, "/admin/departments", {"code": "adm-swj", "name": "区商务委"})
    assert created.status_code == 303
    again = post_form(office, "/admin/departments", {"code": "adm-swj", "name": "别的名字"})
    assert again.status_code == 409 and "已存在" in again.text


def test_other_roles_do_not_see_administration(logged_in) -> None:
    for role in ("enterprise", "department", "liaison", "auditor"):
        c = logged_in(role)
        assert c.get("/admin/users").status_code == 404
        assert 'href="/admin/users"' not in c.get("/").text
