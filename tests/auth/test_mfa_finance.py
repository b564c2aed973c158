"""The finance bureau's handlers (财政局经办人: department accounts of a 财政局, who do the
财政复核 and confirm 免申即享 lists) must pass a second factor; other department handlers need
not. Finance is not a role, so the policy decides per account (`mfa_policy.required_for`)."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from huiqi.auth import mfa, mfa_policy
from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.grants.access import finance_department_for
from huiqi.kit.db import unit_of_work
from huiqi.models.department import is_finance_bureau
from tests.fixtures.web import _MFA, _db_key, csrf_token, login


def _department(app_engine, name: str, code: str | None = None) -> str:
    code = code or f"d{uuid.uuid4().hex[:8]}"
    with unit_of_work(app_engine) as db:
        auth_service.create_department(db, Actor.system(), code, f"{name}{code[-4:]}")
    return code


def _opens_nothing(client) -> None:
    assert "huiqi_session" not in client.cookies
    assert client.get("/").headers["location"].startswith("/login")


def test_a_finance_bureau_handler_cannot_log_in_with_a_password_alone(
        client, make_user, app_engine, clock) -> None:
    creds = make_user("department", department_code=_department(app_engine, "江北区财政局"))
    first = login(client, creds, second_step=False)
    assert first.status_code == 303 and first.headers["location"] == "/login/otp"
    _opens_nothing(client)
    secret = _MFA[(_db_key(app_engine), creds.username)]["secret"]
    token = csrf_token(client, "/login/otp")
    done = client.post("/login/otp", data={"code": mfa.code_at(secret, clock.now()),
                                           "csrf_token": token})
    assert done.status_code == 303 and "huiqi_session" in client.cookies
    assert client.get("/").status_code == 200


def test_a_finance_bureau_handler_without_a_factor_must_enrol_first(
        client, make_user, app_engine) -> None:
    code = _department(app_engine, "财政局")
    creds = make_user("department", department_code=code, mfa=False)
    first = login(client, creds, second_step=False)
    assert first.status_code == 303 and first.headers["location"] == "/login/enrol"
    _opens_nothing(client)
    assert login(client, creds).status_code == 303  # enrols at /login/enrol, then in
    client.cookies.clear()
    assert login(client, creds, second_step=False).headers["location"] == "/login/otp"


def test_the_finance_bureau_is_known_by_its_code_too(client, make_user, app_engine) -> None:
    code = _department(app_engine, "区资金支付中心", f"江北区财政局{uuid.uuid4().hex[:4]}")
    creds = make_user("department", department_code=code, mfa=False)
    assert login(client, creds, second_step=False).headers["location"] == "/login/enrol"
    _opens_nothing(client)


def test_an_ordinary_department_handler_still_logs_in_with_a_password(
        client, make_user, app_engine) -> None:
    for name in ("江北区商务委员会", "江北区人力资源和社会保障局", "区财务科"):
        client.cookies.clear()
        creds = make_user("department", department_code=_department(app_engine, name))
        assert (creds.username not in {k[1] for k in _MFA})  # the fixture enrolled nothing
        response = login(client, creds, second_step=False)
        assert response.status_code == 303 and response.headers["location"] == "/", name
        assert "huiqi_session" in client.cookies
        assert client.get("/").status_code == 200


def test_the_security_settings_name_the_finance_handlers(logged_in) -> None:
    page = logged_in("security").get("/admin/roles")
    assert page.status_code == 200
    assert "须第二因素的账号" in page.text and "财政局经办人" in page.text
    for label in ("营商办", "审计管理员", "系统管理员", "安全管理员"):
        assert label in mfa_policy.described()


@given(st.text(max_size=30))
def test_every_bureau_grants_routes_finance_review_to_is_recognised(department: str) -> None:
    # The name grants gives an application's 财政复核 department, whatever the item's department.
    assert is_finance_bureau(finance_department_for(department))
    assert is_finance_bureau(None, finance_department_for(department))
