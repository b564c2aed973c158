"""The pages a rater opens without logging in: a window's QR code (`/r/w/<window>/<signature>`,
rate limited per address and window) and an SMS link (`/r/s/<signed token>`, used once).
The forms carry the pre-login CSRF token like the login form."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import Response

from huiqi.kit import web
from huiqi.kit.errors import HuiqiError
from huiqi.kit.web import ClockDep, DBSession, FormDep, client_ip
from huiqi.ratings import service, webforms
from huiqi.ratings.vocab import BAD_TAGS, GOOD_TAGS, Level
from huiqi.ui.templating import render

router = web.router(include_in_schema=False)


def _secret(request: Request) -> str:
    secret: str = request.app.state.secret_key
    return secret


def _ctx(title: str, action: str, values: dict[str, Any], error: str = "",
         **extra: Any) -> dict[str, Any]:
    return {"title": title, "action": action, "values": values, "error": error,
            "levels": list(Level), "good_tags": GOOD_TAGS, "bad_tags": BAD_TAGS, **extra}


def _values(form: Any) -> dict[str, Any]:
    keys = ("level", "comment", "other_tags", "item", "staff_no", "ticket", "rater_name",
            "rater_phone")
    values: dict[str, Any] = {k: webforms.text(form, k) for k in keys}
    values["tags"] = [t for t in form.getlist("tags") if isinstance(t, str)]
    return values


@router.get("/r/w/{code}/{sig}")
def window_page(request: Request, db: DBSession, code: str, sig: str) -> Response:
    window = service.qr_window(db, _secret(request), code, sig)
    return render(request, "ratings/rate_public.html", _ctx(
        f"评价 · {window.name}", request.url.path, {}, window=window))


@router.post("/r/w/{code}/{sig}")
def window_rate(request: Request, db: DBSession, clock: ClockDep, code: str, sig: str,
                form: FormDep) -> Response:
    values = _values(form)
    data = service.WindowRatingIn(webforms.rating_in(form), values["item"], values["staff_no"],
                                  values["ticket"])
    try:
        rating = service.rate_window(db, clock, request.app.state.limiter, client_ip(request),
                                     _secret(request), code, sig, data)
    except HuiqiError as exc:
        if exc.status_code not in (409, 422):
            raise
        db.rollback()
        window = service.qr_window(db, _secret(request), code, sig)
        return render(request, "ratings/rate_public.html", _ctx(
            f"评价 · {window.name}", request.url.path, values, exc.message, window=window),
            status_code=exc.status_code)
    return render(request, "ratings/thanks.html", {"title": "感谢评价", "rating": rating})


@router.get("/r/s/{token}")
def invite_page(request: Request, db: DBSession, clock: ClockDep, token: str) -> Response:
    row = service.open_invite(db, clock, _secret(request), token)
    return render(request, "ratings/rate_public.html", _ctx(
        "办件评价", request.url.path, {}, invite=row))


@router.post("/r/s/{token}")
def invite_rate(request: Request, db: DBSession, clock: ClockDep, token: str, form: FormDep
                ) -> Response:
    try:
        rating = service.rate_invite(db, clock, client_ip(request), _secret(request), token,
                                     webforms.rating_in(form))
    except HuiqiError as exc:
        if exc.status_code != 422:
            raise
        db.rollback()
        row = service.open_invite(db, clock, _secret(request), token)
        return render(request, "ratings/rate_public.html", _ctx(
            "办件评价", request.url.path, _values(form), exc.message, invite=row),
            status_code=422)
    return render(request, "ratings/thanks.html", {"title": "感谢评价", "rating": rating})
