"""三权分立: a role × permission matrix, exercised through HTTP, and the one-time links."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from huiqi.auth.permissions import ADMIN_ROLES, MATRIX, Perm
from huiqi.models.audit import AuditLog
from huiqi.models.user import Role
from tests.auth.test_admin import LINK, set_via_link
from tests.fixtures.web import login, post_form, test_uscc

ROLES = ["enterprise", "department", "liaison", "office", "auditor", "sysadmin", "security"]

# What each role gets for each administrative action (HTTP status). 404: "not yours to see".
EXPECTED = {
    #              users list  audit log  roles page  create liaison  create auditor
    "enterprise": (404, 404, 404, 404, 404),
    "department": (404, 404, 404, 404, 404),
    "liaison": (404, 404, 404, 404, 404),
    "office": (200, 404, 404, 200, 403),
    "auditor": (404, 200, 404, 403, 403),  # the auditor's writes stop at the guard (403)
    "sysadmin": (200, 404, 404, 200, 403),
    "security": (404, 404, 200, 404, 404),
}


@pytest.mark.parametrize("role", ROLES)
def test_role_permission_matrix(role, logged_in) -> None:
    c = logged_in(role)
    got = (
        c.get("/admin/users").status_code,
        c.get("/audit").status_code,
        c.get("/admin/roles").status_code,
        post_form(c, "/admin/users", {"username": f"new-liaison-{role}", "display_name": "x",
                                      "role": "liaison"}).status_code,
        post_form(c, "/admin/users", {"username": f"new-auditor-{role}", "display_name": "x",
                                      "role": "auditor"}).status_code,
    )
    assert got == EXPECTED[role]


def test_the_matrix_keeps_the_three_powers_apart() -> None:
    sysadmin, security, auditor = (MATRIX[Role.SYSADMIN], MATRIX[Role.SECURITY],
                                   MATRIX[Role.AUDITOR])
    assert Perm.ASSIGN_ROLES not in sysadmin and Perm.AUDIT_READ not in sysadmin
    assert Perm.MANAGE_ACCOUNTS not in security and Perm.AUDIT_READ not in security
    assert auditor == {Perm.AUDIT_READ}
    assert not (sysadmin & security) and not (sysadmin & auditor) and not (security & auditor)
    office = MATRIX[Role.OFFICE]
    assert Perm.AUDIT_READ not in office and Perm.ASSIGN_ROLES not in office


@pytest.mark.parametrize("admin_role", ["auditor", "security", "sysadmin"])
def test_office_cannot_administer_administrators(admin_role, logged_in, make_user) -> None:
    office, target = logged_in("office"), make_user(admin_role)
    assert post_form(office, f"/admin/users/{target.id}/reset-password").status_code == 404
    assert post_form(office, f"/admin/users/{target.id}/active",
                     {"active": "false"}).status_code == 404
    listing = office.get("/admin/users", params={"q": target.username}).text
    assert f"<code>{target.username}</code>" not in listing


def test_security_assigns_roles_but_never_combines_the_three(logged_in, make_user, app_engine):
    security = logged_in("security")
    liaison, auditor = make_user("liaison"), make_user("auditor")
    # A business account may become one administrator …
    assert post_form(security, f"/admin/users/{liaison.id}/role",
                     {"role": "office"}).status_code == 303
    # … but an administrator's role never turns into another (two of the three powers).
    for new in ("sysadmin", "security", "office"):
        refused = post_form(security, f"/admin/users/{auditor.id}/role", {"role": new})
        assert refused.status_code == 403 and "管理员账号" in refused.text
    own = post_form(security, f"/admin/users/{security.creds.id}/role", {"role": "office"})
    assert own.status_code == 403
    # There is no way to give an account a second role: one column, one value.
    bad = post_form(security, f"/admin/users/{liaison.id}/role", {"role": "auditor,sysadmin"})
    assert bad.status_code == 422
    with app_engine.connect() as conn:
        changes = list(conn.execute(select(AuditLog.before, AuditLog.after).where(
            AuditLog.action == "user.role_change")))
    assert ({"role": "liaison"}, {"role": "office"}) in [tuple(r) for r in changes]


def test_sysadmin_cannot_assign_roles_or_read_audit(logged_in, make_user) -> None:
    sysadmin, liaison = logged_in("sysadmin"), make_user("liaison")
    assert post_form(sysadmin, f"/admin/users/{liaison.id}/role",
                     {"role": "office"}).status_code == 404
    assert sysadmin.get("/api/v1/audit").status_code in (401, 404)
    assert sysadmin.get("/audit/export.xlsx").status_code == 404


def test_reset_shows_a_one_time_link_never_a_password(client, logged_in, make_user, clock):
    sysadmin, user = logged_in("sysadmin"), make_user("office")
    reset = post_form(sysadmin, f"/admin/users/{user.id}/reset-password")
    assert reset.status_code == 200 and LINK.search(reset.text)
    assert "密码只显示" not in reset.text
    path = LINK.search(reset.text).group(1)
    set_via_link(client, reset.text, "Brand-New-55x")
    # Used once: the link is dead now.
    assert client.get(path).status_code == 404
    # An unused link expires after 24 h.
    again = post_form(sysadmin, f"/admin/users/{user.id}/reset-password")
    clock.advance(hours=24, seconds=1)
    assert client.get(LINK.search(again.text).group(1)).status_code == 404


def test_set_password_link_checks_the_policy(client, logged_in, make_user) -> None:
    sysadmin = logged_in("sysadmin")
    created = post_form(sysadmin, "/admin/users", {
        "username": "qiye-link", "display_name": "企业", "role": "enterprise",
        "enterprise_uscc": test_uscc()})
    path = LINK.search(created.text).group(1)
    from tests.fixtures.web import csrf_token

    token = csrf_token(client, path)
    weak = client.post(path, data={"new": "short", "confirm": "short", "csrf_token": token})
    assert weak.status_code == 422
    set_via_link(client, created.text, "Strong-Enough-9x")
    assert login(client, ("qiye-link", "Strong-Enough-9x")).status_code == 303


def test_admin_roles_are_exactly_three() -> None:
    assert {r.value for r in ADMIN_ROLES} == {"sysadmin", "security", "auditor"}
