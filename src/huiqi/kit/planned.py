"""Hot read routes served on a dependency plan made once, not solved per request.

    planned.install(app, routers, guards, selected)   # before app.include_router(...)

FastAPI resolves a route's dependency tree anew on every request, and since 0.12x also works
out cache keys, OAuth scopes and generator kinds for every node each time. For the 政策礼包
page that cost 0.65 ms of a 1.3 ms request (in-process, 2 cores), more than finding the caller
and the pack together. A route marked `@web.inline_read` whose endpoint returns a Response is
therefore also served by a plain Starlette route, placed ahead of FastAPI's, that runs the same
dependency functions in the same order with the same per-request caching, planned once from the
route's own declaration: the signature stays the access policy, and the FastAPI route stays for
the OpenAPI docs and for when the plan must step aside (dependency overrides set, a method other
than GET).

A plan takes only what it can do exactly: dependencies that are async functions (or objects
with an async `__call__`) or async generators of function scope, asking for nothing but the
request, other dependencies, and query or path parameters (validated by FastAPI's own field
logic, errors reported as FastAPI reports them). Anything else leaves the route to FastAPI
(see `plan`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any, get_type_hints

from anyio import CancelScope
from fastapi import FastAPI, params
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_dependant, request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope

# Dependant fields naming a parameter FastAPI fills with something other than a dependency.
_SPECIAL = ("websocket_param_name", "response_param_name", "background_tasks_param_name",
            "security_scopes_param_name")
_PARAMS = ("header_params", "cookie_params", "body_params")  # path and query ones are planned


class Unplannable(Exception):
    """The route needs something only FastAPI's solver does; it stays with FastAPI."""


@dataclass(frozen=True)
class Step:
    call: Callable[..., Any]
    generator: bool  # an async generator: entered before the endpoint, left after it
    args: tuple[tuple[str, int], ...]  # (parameter, index of the step whose value it takes)
    request_params: tuple[str, ...]  # given the request (as Request or HTTPConnection)
    path_params: Sequence[Any] = ()  # FastAPI ModelFields, validated as FastAPI does
    query_params: Sequence[Any] = ()


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]  # the dependencies, each after those it takes
    endpoint: Step  # its value is the response

    async def run(self, request: Request) -> Response:
        # As FastAPI solves: a dependency runs only if its own parameters are valid and all it
        # depends on ran; the others still run, and then every error is reported at once (a
        # caller who is not logged in hears that first, not about a bad parameter).
        values: list[Any] = []
        ran: list[bool] = []
        errors: list[Any] = []
        async with AsyncExitStack() as stack:
            for step in self.steps:
                step_kwargs, ok = _inputs(step, values, ran, errors, request)
                ran.append(ok)
                if not ok:
                    values.append(None)
                elif step.generator:
                    values.append(await stack.enter_async_context(
                        _shielded_exit(step.call(**step_kwargs))))
                else:
                    values.append(await step.call(**step_kwargs))
            kwargs, ok = _inputs(self.endpoint, values, ran, errors, request)
            if errors or not ok:
                raise RequestValidationError(errors)
            response = await self.endpoint.call(**kwargs)
        if not isinstance(response, Response):  # plan() checked the annotation; this is a bug
            raise TypeError(f"{self.endpoint.call.__name__} returned {type(response).__name__}")
        return response


def _inputs(step: Step, values: list[Any], ran: list[bool], errors: list[Any],
            request: Request) -> tuple[dict[str, Any], bool]:
    """The arguments of `step`, and whether it may run (its parameter errors go to `errors`)."""
    kwargs = {name: values[i] for name, i in step.args}
    ok = all(ran[i] for _, i in step.args)
    if step.path_params or step.query_params:
        found, wrong = request_params_to_args(step.path_params, request.path_params)
        query, wrong_query = request_params_to_args(step.query_params, request.query_params)
        errors.extend((*wrong, *wrong_query))
        ok = ok and not wrong and not wrong_query
        kwargs.update(found)
        kwargs.update(query)
    for name in step.request_params:
        kwargs[name] = request
    return kwargs, ok


@asynccontextmanager
async def _shielded_exit(generator: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """An async generator dependency as a context manager whose exit is not cancelled halfway
    (it commits or closes the unit of work), as FastAPI does it."""
    manager = asynccontextmanager(lambda: generator)()
    value = await manager.__aenter__()
    try:
        yield value
    except BaseException as exc:
        with CancelScope(shield=True):
            if not await manager.__aexit__(type(exc), exc, exc.__traceback__):
                raise
    else:
        with CancelScope(shield=True):
            await manager.__aexit__(None, None, None)


def plan(route: APIRoute, guards: Sequence[params.Depends], path: str) -> Plan:
    """The plan for `route` under the app-wide `guards`; Unplannable if it needs FastAPI."""
    try:
        returns = get_type_hints(inspect.unwrap(route.endpoint)).get("return")
    except (NameError, TypeError) as exc:  # an annotation only a type checker can read
        raise Unplannable(f"annotations: {exc}") from exc
    if not (inspect.isclass(returns) and issubclass(returns, Response)):
        raise Unplannable("the endpoint does not return a Response (FastAPI serialises it)")
    if not inspect.iscoroutinefunction(route.endpoint):
        raise Unplannable("a sync endpoint (web.router() makes marked reads async)")
    steps: list[Step] = []
    seen: dict[tuple[Any, Any], int] = {}
    for depends in guards:
        _place(get_dependant(path=path, call=_call_of(depends), use_cache=depends.use_cache,
                             scope=getattr(depends, "scope", None)), steps, seen)
    top = get_dependant(path=path, call=route.endpoint)
    for name in (*_SPECIAL, *_PARAMS):
        if getattr(top, name, None):
            raise Unplannable(f"the endpoint takes {name}")
    args = tuple((sub.name or "", _place(sub, steps, seen)) for sub in top.dependencies)
    return Plan(tuple(steps), Step(route.endpoint, False, args, _request_params(top),
                                   tuple(top.path_params), tuple(top.query_params)))


def _request_params(node: Dependant) -> tuple[str, ...]:
    return tuple(name for name in (node.request_param_name, node.http_connection_param_name)
                 if name)


def _call_of(depends: params.Depends) -> Callable[..., Any]:
    if depends.dependency is None:
        raise Unplannable("a Depends() without a dependency")
    return depends.dependency


def _place(node: Dependant, steps: list[Step], seen: dict[tuple[Any, Any], int]) -> int:
    """Add `node` after its own dependencies (depth first, in declaration order, as FastAPI
    solves them) unless an equal one is already placed; its step's index."""
    key = (node.call, node.scope)  # FastAPI's per-request cache key, scopes aside (none here)
    if node.use_cache and key in seen:
        return seen[key]
    if not node.use_cache:
        raise Unplannable("use_cache=False")
    for name in (*_SPECIAL, *_PARAMS):
        if getattr(node, name, None):
            raise Unplannable(f"{node.call!r} takes {name}")
    if node.own_oauth_scopes or node.parent_oauth_scopes or getattr(node, "concurrency", None):
        raise Unplannable(f"{node.call!r} has scopes or a concurrency limit")
    args = tuple((sub.name or "", _place(sub, steps, seen)) for sub in node.dependencies)
    call = node.call
    if call is None:
        raise Unplannable("a dependency without a call")
    if inspect.isasyncgenfunction(call):
        if node.scope != "function":
            raise Unplannable(f"{call!r} is a generator that outlives the response")
        generator = True
    elif inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(
            getattr(call, "__call__", None)):  # noqa: B004 - an object with async __call__
        generator = False
    else:
        raise Unplannable(f"{call!r} is sync (FastAPI runs it in the thread pool)")
    steps.append(Step(call, generator, args, _request_params(node), tuple(node.path_params),
                      tuple(node.query_params)))
    seen[key] = len(steps) - 1
    return seen[key]


class PlannedRoute(Route):
    """A GET route serving its plan; it stands aside (no match) while the app has dependency
    overrides, so FastAPI's route behind it serves instead."""

    def __init__(self, path: str, plan: Plan, app: FastAPI, endpoint: Callable[..., Any]
                 ) -> None:
        async def serve(request: Request) -> Response:
            return await plan.run(request)

        # Markers on the endpoint (web.inline_read, auth.passive…) are read from
        # scope["endpoint"]: carry them over.
        functools.update_wrapper(serve, endpoint, assigned=("__module__", "__name__",
                                                           "__qualname__", "__doc__"))
        del serve.__wrapped__  # it is not the endpoint's signature that Starlette calls
        super().__init__(path, serve, methods=["GET"], include_in_schema=False)
        self.methods = {"GET"}  # no implicit HEAD: FastAPI's route answers it as before
        self.plan = plan
        self._app = app  # its overrides are read per request: they may be replaced wholesale

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self._app.dependency_overrides or scope.get("method") != "GET":
            return Match.NONE, {}
        return super().matches(scope)


def install(app: FastAPI, routers: Iterable[tuple[str, APIRouter]],
            guards: Sequence[params.Depends], selected: Callable[[Callable[..., Any]], bool]
            ) -> list[PlannedRoute]:
    """Add a PlannedRoute for every route of `routers` ((prefix, router) as they are about to
    be included) whose endpoint is `selected` and can be planned. Call it before including the
    routers: Starlette matches routes in order."""
    added = []
    for prefix, router in routers:
        for route in router.routes:
            if not (isinstance(route, APIRoute) and selected(route.endpoint)):
                continue
            if route.methods != {"GET"} or router.dependencies or route.dependencies:
                continue  # not a plain read: FastAPI keeps it
            path = prefix + route.path
            try:
                made = plan(route, guards, path)
            except (Unplannable, AttributeError, TypeError):
                # Unplannable, or a FastAPI whose internals moved: FastAPI serves it (the
                # planned-routes test then names what is no longer planned).
                continue
            added.append(PlannedRoute(path, made, app, route.endpoint))
    app.router.routes.extend(added)
    return added
