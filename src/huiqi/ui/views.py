"""Pages that belong to no domain: the home page, the API docs viewer and the health check."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import JSONResponse, Response

from huiqi.auth.dependencies import CurrentUser
from huiqi.kit import web
from huiqi.kit.db import ping
from huiqi.kit.web import API_DOCS_PAGE, DBSession
from huiqi.ui.dashboard import panels_for
from huiqi.ui.nav import nav_for
from huiqi.ui.templating import render

router = web.router(include_in_schema=False)


@router.get("/", name="home")
def home(request: Request, db: DBSession, actor: CurrentUser) -> Response:
    cards = [item for item in nav_for(actor) if item.on_home]
    return render(request, "home.html", {"cards": cards, "panels": panels_for(db, actor)})


@router.get(API_DOCS_PAGE)
def api_docs(request: Request) -> Response:
    return render(request, "api_docs.html", {"openapi_url": request.app.openapi_url})


@router.get("/healthz")
def healthz(db: DBSession) -> Response:
    ping(db)
    return JSONResponse({"status": "ok"})
