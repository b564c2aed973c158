"""Pages that belong to no domain: the API docs viewer and the health check."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import text
from starlette.responses import JSONResponse, Response

from huiqi.kit import web
from huiqi.kit.web import API_DOCS_PAGE, DBSession
from huiqi.ui.templating import render

router = web.router(include_in_schema=False)


@router.get(API_DOCS_PAGE)
def api_docs(request: Request) -> Response:
    return render(request, "api_docs.html", {"openapi_url": request.app.openapi_url})


@router.get("/healthz")
def healthz(db: DBSession) -> Response:
    db.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})
