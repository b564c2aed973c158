"""Planned routes (huiqi.kit.planned) answer exactly what FastAPI's route answers: the same
dependencies called once each in FastAPI's order, generator cleanup before the response (also
when something raises), the same validation errors; and routes a plan cannot serve exactly are
left to FastAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.routing import APIRouter
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.testclient import TestClient
from starlette.responses import JSONResponse, Response

from huiqi.kit import planned

HOT = "__test_hot__"
log: list[str] = []


def hot(fn: Callable[..., Any]) -> Callable[..., Any]:
    setattr(fn, HOT, True)
    return fn


async def resource(request: Request) -> AsyncIterator[str]:
    log.append("open")
    try:
        yield "res"
    except HTTPException:
        log.append("rolled back")
        raise
    log.append("closed")


async def who(request: Request, res: Annotated[str, Depends(resource, scope="function")],
              bearer: Annotated[HTTPAuthorizationCredentials | None,
                                Depends(HTTPBearer(auto_error=False))]) -> str:
    log.append("who")
    if request.headers.get("x-deny"):
        raise HTTPException(403, "denied")
    return bearer.credentials if bearer else "anonymous"


async def guard(request: Request, user: Annotated[str, Depends(who)]) -> None:
    log.append(f"guard {user}")


async def paging(user: Annotated[str, Depends(who)],
                 page: Annotated[int, Query(ge=1)] = 1) -> int:
    log.append(f"paging {page}")
    return page


async def summary(n: Annotated[int, Depends(paging)]) -> str:  # depends on a parametrised one
    log.append("summary")
    return f"page {n}"


Res = Annotated[str, Depends(resource, scope="function")]
Who = Annotated[str, Depends(who)]


async def sync_free_dep() -> int:
    return 1


def sync_dep() -> int:
    return 1


def build() -> tuple[FastAPI, list[planned.PlannedRoute]]:
    app = FastAPI(dependencies=[Depends(guard)])
    router = APIRouter()

    @router.get("/items/{item_id}")
    @hot
    async def item(request: Request, item_id: int, res: Res, user: Who,
                   limit: int = 10, flag: bool = False) -> Response:
        log.append("endpoint")
        if limit == 13:
            raise HTTPException(409, "unlucky")
        return JSONResponse({"item": item_id, "user": user, "res": res, "limit": limit,
                             "flag": flag, "path": request.url.path})

    @router.get("/pages")
    @hot
    async def pages(text: Annotated[str, Depends(summary)], other: Who,
                    size: Annotated[int, Query(le=100)] = 10) -> Response:
        log.append("endpoint")
        return JSONResponse({"text": text, "size": size})

    @router.get("/model")
    @hot
    async def model(user: Who) -> dict[str, str]:  # FastAPI serialises: not planned
        return {"user": user}

    @router.get("/sync-dep")
    @hot
    async def with_sync_dep(n: Annotated[int, Depends(sync_dep)]) -> Response:
        return Response(str(n))

    @router.get("/header")
    @hot
    async def with_header(x_thing: Annotated[str, Header()]) -> Response:
        return Response(x_thing)

    @router.get("/uncached")
    @hot
    async def uncached(n: Annotated[int, Depends(sync_free_dep, use_cache=False)]) -> Response:
        return Response(str(n))

    @router.get("/cold")
    async def cold(user: Who) -> Response:  # not selected
        return Response(user)

    added = planned.install(app, [("/v1", router)], [Depends(guard)],
                            lambda fn: getattr(fn, HOT, False))
    app.include_router(router, prefix="/v1")
    return app, added


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[TestClient, list[planned.PlannedRoute]]]:
    app, added = build()
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, added


def _both(client: TestClient, url: str, **kw: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(status, body, headers, log) through the plan, then through FastAPI (an override set)."""
    answers = []
    for overrides in ({}, {sync_free_dep: sync_free_dep}):
        client.app.dependency_overrides.update(overrides)  # type: ignore[attr-defined]
        log.clear()
        r = client.get(url, **kw)
        client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
        headers = sorted((k, v) for k, v in r.headers.items() if k != "date")
        answers.append((r.status_code, r.text, headers, list(log)))
    return answers[0], answers[1]


def test_only_plannable_selected_routes_get_a_plan(served) -> None:  # type: ignore[no-untyped-def]
    _, added = served
    assert [r.path for r in added] == ["/v1/items/{item_id}", "/v1/pages"]


@pytest.mark.parametrize("url,headers", [
    ("/v1/items/7", {}),
    ("/v1/items/7?limit=3&flag=true", {"Authorization": "Bearer abc"}),
    ("/v1/items/seven", {}),  # path parameter invalid: 422 with FastAPI's error list
    ("/v1/items/7?limit=x&flag=maybe", {}),  # two query errors
    ("/v1/items/seven?limit=x", {}),  # path and query errors, in FastAPI's order
    ("/v1/items/7?limit=13", {}),  # the endpoint raises: the generator sees it, then 409
    ("/v1/items/7", {"x-deny": "1"}),  # a dependency raises
    ("/v1/items/7", {"Authorization": "Basic abc"}),  # HTTPBearer(auto_error=False): None
    ("/v1/pages?page=2&size=5", {}),  # a query parameter of a dependency
    ("/v1/pages?page=0", {}),  # its error; what depends on it does not run, the rest does
    ("/v1/pages?page=0&size=1000", {}),  # its error and the endpoint's, in FastAPI's order
    ("/v1/pages?page=0", {"x-deny": "1"}),  # a dependency refusing comes first
])
def test_a_planned_route_answers_as_fastapi_does(served, url, headers) -> None:  # type: ignore[no-untyped-def]
    client, _ = served
    plan, fastapi = _both(client, url, headers=headers)
    assert plan == fastapi
    assert plan[0] in (200, 403, 409, 422)
    if "page=0" in url and "x-deny" not in headers:
        assert plan[0] == 422 and "summary" not in plan[3] and "endpoint" not in plan[3]


def test_the_plan_calls_each_dependency_once_in_fastapis_order(served) -> None:  # type: ignore[no-untyped-def]
    client, _ = served
    plan, _ = _both(client, "/v1/items/1", headers={"Authorization": "Bearer k"})
    assert plan[3] == ["open", "who", "guard k", "endpoint", "closed"]
    failed, _ = _both(client, "/v1/items/1?limit=13")
    assert failed[3] == ["open", "who", "guard anonymous", "endpoint", "rolled back"]


def test_the_plan_serves_and_stands_aside_for_overrides_and_other_methods(
        served, plan_runs) -> None:  # type: ignore[no-untyped-def]
    client, _ = served
    runs = plan_runs
    assert client.get("/v1/items/2").status_code == 200 and runs == ["/v1/items/2"]
    client.app.dependency_overrides[sync_free_dep] = sync_free_dep
    try:
        assert client.get("/v1/items/2").status_code == 200 and runs == ["/v1/items/2"]
    finally:
        client.app.dependency_overrides.clear()
    assert client.head("/v1/items/2").status_code == 405  # as FastAPI's GET route answers
    assert client.post("/v1/items/2").status_code == 405
    assert runs == ["/v1/items/2"]
    assert client.get("/v1/cold").text == "anonymous" and client.get("/v1/model").json() == {
        "user": "anonymous"}
