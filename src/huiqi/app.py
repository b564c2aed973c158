"""The FastAPI application factory: the composition root.

Domains plug in by adding their module to VIEWS (HTML pages, mounted at /) or ENDPOINTS (JSON,
mounted under /api/v1); each module exposes `router: APIRouter`. A listed module that does not
exist yet is skipped, so a domain can be listed before it lands.

Every route gets, without asking: the request guard (CSRF on state-changing page requests, the
auditor read-only rule), the error handlers (JSON / htmx toast / page), security headers. The
request's unit of work is the `DBSession` dependency (huiqi.kit.web).
"""

from __future__ import annotations

import gc
import importlib
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from types import ModuleType

from anyio import to_thread
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

import huiqi
import huiqi.models  # every table registered before the first query
from huiqi.audit.middleware import AuditDownloads
from huiqi.auth.guards import request_guard
from huiqi.kit.clock import Clock
from huiqi.kit.db import (
    IN_FLIGHT,
    REQUEST_THREADS,
    make_engine,
    read_only_sessions,
    session_factory,
)
from huiqi.kit.inflight import InFlightLimit
from huiqi.kit.proxies import TrustedProxies, parse_networks
from huiqi.kit.ratelimit import Limiter
from huiqi.kit.ratelimit_asgi import RateLimit
from huiqi.kit.reconnect import RetryDisconnected
from huiqi.kit.scheduler import Scheduler, domain_ticks, minutes_from_env
from huiqi.kit.security import secret_from_file
from huiqi.kit.settings import Settings, get_settings
from huiqi.policies import service as policies
from huiqi.security import service as security
from huiqi.ui import errors
from huiqi.ui.headers import SecurityHeaders
from huiqi.ui.templating import STATIC_DIR, render

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
VIEWS: list[str] = [
    "huiqi.ui.views",
    "huiqi.auth.views",
    "huiqi.auth.mfa_views",
    "huiqi.auth.admin_views",
    "huiqi.notify.views",
    "huiqi.audit.views",
    "huiqi.grants.views",
    "huiqi.insights.dashboard_views",
    "huiqi.insights.report_views",
    "huiqi.insights.indicators_views",
    "huiqi.matching.views",
    "huiqi.policies.views",
    "huiqi.appeals.views",
    "huiqi.appeals.open311",  # Open311 GeoReport v2 at /open311/v2 (token auth, no cookie)
    "huiqi.registry.views",
    "huiqi.liaison.views",
    "huiqi.liaison.views_office",
    "huiqi.supervision.views",
    "huiqi.supervision.views_work",
    "huiqi.supervision.views_catalog",
    "huiqi.knowledge.views",
    "huiqi.ratings.views",
    "huiqi.projects.views",
    "huiqi.projects.views_templates",
    "huiqi.insights.targeting_views",
    "huiqi.insights.simulation_views",
]
ENDPOINTS: list[str] = [
    "huiqi.auth.endpoints",
    "huiqi.notify.endpoints",
    "huiqi.audit.endpoints",
    "huiqi.grants.endpoints",
    "huiqi.grants.endpoints_trust",
    "huiqi.insights.indicators_endpoints",
    "huiqi.insights.report_endpoints",
    "huiqi.matching.endpoints",
    "huiqi.policies.endpoints",
    "huiqi.appeals.endpoints",
    "huiqi.knowledge.endpoints",
    "huiqi.liaison.endpoints",
    "huiqi.supervision.endpoints",
    "huiqi.ratings.endpoints",
    "huiqi.projects.endpoints",
    "huiqi.insights.targeting_endpoints",
    "huiqi.insights.simulation_endpoints",
]
# FastAPI tries routers in order and each of a router's routes in turn, twice per request (a few
# microseconds a route): the busiest come first. Paths of different modules never overlap
# (tests/web/test_routes.py), so the order decides nothing else.
HOT_FIRST: tuple[str, ...] = (
    "huiqi.matching.endpoints", "huiqi.notify.endpoints",  # 政策礼包 API, the bell's polling
    "huiqi.matching.views", "huiqi.notify.views", "huiqi.ui.views",
)


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, *, clock: Clock | None = None,
    scheduler_minutes: float | None = None,
) -> FastAPI:
    """`scheduler_minutes`: run the scheduled ticks in a background thread every N minutes
    (default: HUIQI_SCHEDULER_MINUTES, unset = off; `make run` sets it)."""
    from huiqi.kit import logsafe

    logsafe.install()  # no CR/LF forging, no secrets in any log line
    settings = settings or get_settings()
    if scheduler_minutes is None:
        scheduler_minutes = minutes_from_env()
    owns_engine = engine is None
    engine = engine or make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from huiqi.notify import worker
        from huiqi.notify.service import deliver

        to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
        try:
            deliver(engine)  # anything left pending by a previous run
        except Exception:
            log.exception("delivering pending notifications at start-up failed")
        worker.start(engine)  # delivers slow channels and retries, off the request
        try:
            with session_factory(engine)() as session:
                policies.warm(session)
        except Exception as exc:  # e.g. not migrated yet: the first request will say so
            log.warning("reading the published policies at start-up failed: %s", exc)
        # What start-up loaded (code, policies, catalogs) lives as long as the process: frozen,
        # the collector's full passes skip it. Unfrozen, a full pass over it stalled every
        # request of the worker for 130-180 ms, a few times a minute under load.
        gc.collect()
        gc.freeze()
        scheduler = Scheduler(engine, app.state.clock, domain_ticks("huiqi"),
                              minutes=scheduler_minutes) if scheduler_minutes else None
        if scheduler:
            scheduler.start()
        yield
        if scheduler:
            scheduler.stop()
        worker.stop(engine)
        if owns_engine:
            engine.dispose()

    app = FastAPI(
        title="惠企 Huiqi API", version=huiqi.__version__, lifespan=lifespan,
        docs_url=None, redoc_url=None, openapi_url=f"{API_PREFIX}/openapi.json",
        dependencies=GUARDS,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    app.state.read_session_factory = read_only_sessions(engine)  # kit.web.read_only routes
    app.state.clock = clock or Clock()
    app.state.secret_key = settings.secret_key or secret_from_file(settings.data_dir)
    # This database's policy items (published versions), scoped to the engine, not the process.
    app.state.policy_items = policies.attach(engine, settings.policies_dir)
    errors.install(app)
    app.state.render_page = render  # kit.pages.render: auth's pages, which may not import ui
    app.state.limiter = Limiter()
    app.add_exception_handler(security.Replayed, security.replay_response)
    app.add_middleware(RetryDisconnected)  # a read on a connection found dead: once more
    app.add_middleware(security.StoreResponses)  # Idempotency-Key: the first answer kept
    app.add_middleware(AuditDownloads)  # every file handed out is audited
    app.add_middleware(SecurityHeaders)
    app.add_middleware(InFlightLimit, limit=IN_FLIGHT)  # see huiqi.kit.inflight
    # Outside the in-flight gate: a flood is answered 429 without waiting for a place inside.
    app.add_middleware(RateLimit, limiter=app.state.limiter)
    app.add_middleware(TrustedProxies, networks=parse_networks(settings.trusted_proxies))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    routers = [(API_PREFIX if name in ENDPOINTS else "", module.router)
               for name, module in _modules(routing_order())]
    for prefix, router in routers:
        app.include_router(router, prefix=prefix)
    return app


# Dependencies of every route: CSRF on unsafe methods, the auditor's read-only rule.
GUARDS = [Depends(request_guard)]


def routing_order() -> list[str]:
    """VIEWS then ENDPOINTS, with HOT_FIRST moved to the front."""
    listed = [*VIEWS, *ENDPOINTS]
    return sorted(listed, key=lambda n: HOT_FIRST.index(n) if n in HOT_FIRST else len(HOT_FIRST))


def _modules(names: Iterable[str]) -> Iterable[tuple[str, ModuleType]]:
    for name in names:
        try:
            yield name, importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            log.debug("router module %s not present yet", name)
