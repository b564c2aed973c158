"""Answering with a page without importing `huiqi.ui`: for `auth`, which `ui` imports (the
actor, the session behind the layout's flash messages), so auth's own pages may not import `ui`
back. `render` calls the renderer the app installed as `app.state.render_page`
(`huiqi.ui.templating.render`, set by `huiqi.app.create_app`); `flash` and `redirect` need
nothing of `ui`, and `ui.templating` re-exports them for every other domain.
"""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import Request
from sqlalchemy import inspect as _state
from starlette.responses import HTMLResponse, RedirectResponse, Response

from huiqi.kit.web import is_htmx, safe_next


class PageRenderer(Protocol):
    def __call__(self, request: Request, template: str, context: dict[str, Any] | None = None,
                 *, status_code: int = 200,
                 headers: dict[str, str] | None = None) -> HTMLResponse: ...


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *,
    status_code: int = 200, headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The page `template` in the site's layout, by the app's renderer."""
    renderer: PageRenderer = request.app.state.render_page
    return renderer(request, template, context, status_code=status_code, headers=headers)


def flash(request: Request, message: str, level: str = "success") -> None:
    """A message shown once on the next page this user sees (level: success | info | error)."""
    auth = getattr(request.state, "auth", None)
    if auth is None or auth.session is None or _state(auth.session).detached:
        return
    auth.session.flashes = [*(auth.session.flashes or []), {"level": level, "message": message}]


def redirect(request: Request, url: str, status_code: int = 303) -> Response:
    """After a POST: a 303 for a normal form, `HX-Redirect` for htmx (a full page load)."""
    url = safe_next(url)
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=status_code)
