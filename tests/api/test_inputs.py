"""Out-of-range ids and numbers in any spelling are a 404/422 with a Chinese message, never a 5xx:
every route that takes an int, in the API and the pages."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from fastapi.dependencies.utils import get_typed_signature
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.grants import forms, ledgers
from huiqi.kit import numbers
from huiqi.kit.db import unit_of_work
from huiqi.kit.errors import ValidationFailed
from huiqi.models.user import User
from tests.fixtures.web import csrf_token, login

HUGE = (str(2**63), str(10**30), "-" + str(2**63 + 1))
PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


def int_routes(app) -> list[tuple[str, str, list[str]]]:
    """(method, path, names of its int path parameters) for every route with one."""
    out = []
    for route in iter_route_contexts(app.routes):
        path = route.path_format or ""
        if route.endpoint is None:  # a mount (static files)
            continue
        params = get_typed_signature(route.endpoint).parameters
        ints = [n for n in PARAM.findall(path) if n[0] in params
                and "int" in str(params[n[0]].annotation)]
        out += [(m, path, [n for n, _ in ints]) for m in sorted(route.methods or ())
                if ints and m != "HEAD"]
    return out


def test_every_int_route_refuses_ids_beyond_64_bits(app, make_user, app_engine, clock) -> None:
    routes = int_routes(app)
    assert len(routes) >= 40  # the appeals, grants, policies, notifications… routes
    creds = make_user("office")
    with unit_of_work(app_engine) as db:
        _, secret = auth_service.create_api_token(db, Actor.of(db.get(User, creds.id)), clock, "t")
    api = TestClient(app, raise_server_exceptions=False)
    api.headers["Authorization"] = f"Bearer {secret}"
    page = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    assert login(page, creds).status_code == 303
    token = csrf_token(page)
    seen = []
    for method, path, names in routes:
        for value in HUGE:
            url = PARAM.sub(lambda m, v=value, ns=names: v if m.group(1) in ns else "x", path)
            client = api if path.startswith("/api/") else page
            data = {"csrf_token": token} if method != "GET" and client is page else None
            response = client.request(method, url, data=data)
            seen.append((method, path, value, response.status_code))
            assert response.status_code in (404, 405, 422), (method, url, response.text[:300])
            if response.status_code == 422 and path.startswith("/api/"):
                assert "提交的内容有误" in response.json()["error"]["message"]
    assert {s for *_, s in seen} & {404, 422}


@pytest.mark.parametrize("year", ["²", "２０２５", "٢٠٢٥", "2025.0", "99999999999999999999999"])
def test_year_in_another_script_is_a_422(app, make_user, app_engine, clock, year) -> None:
    creds = make_user("office")
    with unit_of_work(app_engine) as db:
        _, secret = auth_service.create_api_token(db, Actor.of(db.get(User, creds.id)), clock, "t")
    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/api/v1/grants/applications", params={"year": year},
                          headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "年度应为四位数字（半角），例如 2025。"


def test_numbers_are_parsed_strictly() -> None:
    assert numbers.parse_money("1,234.50") == Decimal("1234.50")
    assert forms.money("15250") == Decimal("15250")
    for bad, says in [("1e400", "应为数字"), ("１２", "应为数字"), ("NaN", "应为数字"),
                      ("Infinity", "应为数字"), ("1" * 30, "应为数字"), ("12.345", "精确到分"),
                      ("99999999999999", "不能超过")]:
        with pytest.raises(ValidationFailed, match=says):
            forms.money(bad)
    assert numbers.parse_int(" 42 ", "评分") == 42
    for bad in ("²", "٣", "1_000", "4.0", str(2**64)):
        with pytest.raises(ValidationFailed, match="评分"):
            numbers.parse_int(bad, "评分")
    assert numbers.is_id("9223372036854775807") and not numbers.is_id("9223372036854775808")
    assert not numbers.is_id("²") and not numbers.is_id("")
    assert ledgers.parse_year("2025") == 2025
    with pytest.raises(ValidationFailed):
        ledgers.parse_year("²⁰²⁵")
    with pytest.raises(ValidationFailed):
        forms.ids(["1", "²"])
