"""The 政策礼包 page, its API, the bell and the notifications API are served on a plan
(huiqi.kit.planned) rather than by FastAPI's solver: for every kind of caller the answer is the
one FastAPI's own route gives, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.kit import planned
from huiqi.kit.db import unit_of_work
from huiqi.models.user import User

Client = Callable[..., TestClient]
PLANNED = {"/gift-pack", "/api/v1/gift-pack", "/notifications/bell", "/api/v1/notifications"}


def _nothing() -> None:  # a dependency override that overrides nothing
    return None


def _answer(client: TestClient, url: str, *, fastapi: bool, **kw: Any) -> tuple[Any, ...]:
    app: FastAPI = client.app  # type: ignore[assignment]
    if fastapi:
        app.dependency_overrides[_nothing] = _nothing
    try:
        r = client.get(url, **kw)
    finally:
        app.dependency_overrides.clear()
    return r.status_code, r.text, sorted((k, v) for k, v in r.headers.items() if k != "date")


def _token(app_engine: Engine, clock: Any, user_id: int) -> str:
    with unit_of_work(app_engine) as db:
        _, secret = auth_service.create_api_token(db, Actor.of(db.get(User, user_id)), clock, "t")
    return secret


def test_the_app_plans_exactly_its_marked_reads(app: FastAPI) -> None:
    assert {r.path for r in app.router.routes if isinstance(r, planned.PlannedRoute)} == PLANNED


def test_every_caller_gets_fastapis_answer(
        app: FastAPI, logged_in: Client, register: Any, app_engine: Engine, clock: Any,
        plan_runs: list[str]) -> None:
    owner = logged_in("enterprise", enterprise_uscc=register())
    office = logged_in("office")
    anonymous = TestClient(app, base_url="http://testserver", follow_redirects=False)
    bearer = {"Authorization": f"Bearer {_token(app_engine, clock, owner.creds.id)}"}
    office_bearer = {"Authorization": f"Bearer {_token(app_engine, clock, office.creds.id)}"}
    cases = [
        (owner, "/gift-pack", {}), (owner, "/notifications/bell", {}),
        (owner, "/gift-pack", {"HX-Request": "true"}),
        (anonymous, "/api/v1/gift-pack", bearer),
        (anonymous, "/api/v1/gift-pack?explain=true", bearer),
        (anonymous, "/api/v1/gift-pack?explain=maybe", bearer),  # 422
        (office, "/gift-pack", {}), (anonymous, "/api/v1/gift-pack", office_bearer),  # 404
        (anonymous, "/gift-pack", {}), (anonymous, "/notifications/bell", {}),  # to the login
        (anonymous, "/api/v1/gift-pack", {}),  # 401
        (anonymous, "/api/v1/gift-pack", {"Authorization": "Bearer hq_not-a-token"}),
        (anonymous, "/api/v1/gift-pack?explain=maybe", {}),  # 401 before 422, as FastAPI
        (anonymous, "/api/v1/notifications?per_page=5", bearer),
        (anonymous, "/api/v1/notifications?page=0&per_page=500", bearer),  # 422, two errors
        (anonymous, "/api/v1/notifications?page=0", {}),  # 401
    ]
    statuses = []
    for client, url, headers in cases:
        plan_runs.clear()
        plan = _answer(client, url, fastapi=False, headers=headers)
        assert plan_runs == [url.split("?")[0]], url
        assert plan == _answer(client, url, fastapi=True, headers=headers), (url, headers)
        statuses.append(plan[0])
    assert statuses == [200, 200, 200, 200, 200, 422, 404, 404, 303, 303, 401, 401, 401,
                        200, 422, 401]


def test_a_timed_out_session_is_ended_and_told_as_fastapi_tells_it(
        logged_in: Client, register: Any, make_user: Any, app: FastAPI, clock: Any,
        plan_runs: list[str]) -> None:
    uscc = register()
    first, second = (logged_in("enterprise", enterprise_uscc=uscc) for _ in range(2))
    clock.advance(minutes=31)
    plan = _answer(first, "/gift-pack", fastapi=False)
    assert plan_runs == ["/gift-pack"]
    assert plan[0] == 303 and "reason=timeout" in dict(plan[2])["location"]
    assert plan == _answer(second, "/gift-pack", fastapi=True)
    assert _answer(first, "/gift-pack", fastapi=False)[0] == 303  # ended: no second chance
