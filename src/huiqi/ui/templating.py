"""The Jinja2 environment and the helpers every view uses to answer with HTML.

    return render(request, "grants/list.html", {"page": page})
    flash(request, "已保存。"); return redirect(request, "/grants")

`render` adds what the base layout needs: the actor, the CSRF token, the role's navigation and
pending flash messages. Templates live in ui/templates/<domain>/.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import inspect as _state
from starlette.responses import HTMLResponse

from huiqi.kit import masking
from huiqi.kit.clock import to_local
from huiqi.kit.csrf import ANON_COOKIE, anonymous_token
from huiqi.kit.db import is_read_only
from huiqi.kit.pages import flash as flash  # re-exported: every domain's views use them
from huiqi.kit.pages import redirect as redirect
from huiqi.kit.security import new_token, sign
from huiqi.kit.web import is_https
from huiqi.models.user import ROLE_LABELS, Role
from huiqi.ui.nav import nav_for, nav_groups

if TYPE_CHECKING:
    from huiqi.auth.dependencies import Auth

UI_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = UI_DIR / "templates"
STATIC_DIR = UI_DIR / "static"


def _localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return to_local(value).strftime(fmt) if value else ""


def _money(value: Decimal | int | float | str | None, unit: str = "元") -> str:
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    return f"{amount:,.2f}{unit}"


def _isodate(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return to_local(value).date().isoformat() if isinstance(value, datetime) else value.isoformat()


def _role_label(value: str | Role | None) -> str:
    try:
        return ROLE_LABELS[Role(value)] if value else "—"
    except ValueError:
        return str(value)


def _prettyjson(value: object) -> str:
    """Readable JSON for people (Chinese kept as is); autoescaped like any other text."""
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str)


@lru_cache(maxsize=256)
def _static_url(path: str) -> str:
    """A versioned URL so browsers fetch a changed file at once (long cache otherwise). Looked
    up once per process (a page asks several times per request): a restart picks up changes."""
    file = STATIC_DIR / path
    version = int(file.stat().st_mtime) if file.exists() else 0
    return f"/static/{path}?v={version}"


def make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader([str(TEMPLATES_DIR)]),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates are read once per process, like static URLs: checking every template's
        # mtime on each render cost ~0.7 ms of a 政策礼包 request. A restart picks up changes.
        auto_reload=False,
    )
    env.filters.update(localtime=_localtime, money=_money, isodate=_isodate,
                       role_label=_role_label, prettyjson=_prettyjson)
    env.filters.update(mask_account=masking.mask_account, mask_phone=masking.mask_phone,
                       mask_id=masking.mask_id)
    env.globals.update(static_url=_static_url, app_name="惠企")
    return env


env = make_env()


def add_template_dir(path: Path | str) -> None:
    """Also look for templates in `path` (after ui/templates): for a package or test that keeps
    its own templates next to its code."""
    loader = env.loader
    assert isinstance(loader, FileSystemLoader)
    if str(path) not in loader.searchpath:
        loader.searchpath.append(str(path))


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *,
    status_code: int = 200, headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The page `template` for this request's user (layout, navigation, CSRF token, flash
    messages)."""
    auth = getattr(request.state, "auth", None)
    anon_csrf: str | None = None
    if auth is not None and auth.csrf_token is not None:
        csrf, flashes = auth.csrf_token, _pop_flashes(auth)
    else:
        csrf = anon_csrf = anonymous_token(request) or new_token(24)
        flashes = []
    actor = auth.actor if auth else None
    nav = nav_for(actor)
    ctx = {
        "request": request, "actor": actor, "csrf_token": csrf, "flashes": flashes,
        "nav": nav, "nav_groups": nav_groups(nav), "path": request.url.path,
        **(context or {}),
    }
    html = env.get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    if anon_csrf is not None:
        response.set_cookie(ANON_COOKIE, sign(request.app.state.secret_key, anon_csrf),
                            httponly=True, samesite="lax", secure=is_https(request), path="/")
    return response


def may_flash(auth: Auth) -> bool:
    """Whether a page for this request may show messages: some waited when it began, or it
    added some (flash() loaded the session row). Otherwise the page is the same every time."""
    return auth.pending_flashes or "session" in vars(auth)


def _pop_flashes(auth: Auth) -> list[dict[str, Any]]:
    """Pending messages, cleared (saved by the request's unit of work). Skipped when the request
    failed and its transaction was rolled back: the messages then wait for the next page."""
    if not may_flash(auth):
        return []
    added_now = "session" in vars(auth)
    db = auth.db
    if not added_now and not (db is not None and db.in_transaction()):
        return []  # the request failed and its unit of work has ended
    if not added_now and db is not None and is_read_only(db):  # it may not write: clear apart
        return auth.pop_flashes_apart()
    row = auth.session
    if row is None or _state(row).detached or _state(row).expired:
        return []
    flashes = row.flashes or []
    if flashes:
        row.flashes = None
    return flashes


def toast_headers(message: str, level: str = "success") -> dict[str, str]:
    """HX-Trigger header that shows a toast (ASCII-escaped JSON: headers are Latin-1)."""
    return {"HX-Trigger": json.dumps({"huiqi:toast": {"level": level, "message": message}})}
