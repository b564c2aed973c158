"""政策礼包 pages: the enterprise's own pack with the facts form (htmx), explanations on demand,
and the office's read-only view of any enterprise's pack."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from markupsafe import Markup
from starlette.responses import Response

from huiqi.auth.dependencies import EnterpriseUser, OfficeUser
from huiqi.kit import web
from huiqi.kit.errors import ValidationFailed
from huiqi.kit.web import ClockDep, DBSession, FormDep, is_htmx
from huiqi.matching import home, packs
from huiqi.models.user import Role
from huiqi.registry import service as registry
from huiqi.registry.service import fact_fields
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import env, flash, redirect, render, toast_headers

router = web.router(include_in_schema=False)

register_nav(NavItem("政策礼包", "/gift-pack", {Role.ENTERPRISE}, order=10,
                     description="可享受的政策、测算金额、还需补充的信息", group="政策兑现"))
register_nav(NavItem("企业政策匹配", "/gift-pack/enterprises", {Role.OFFICE}, order=40,
                     description="查看任一企业可享受的政策、测算金额和缺少的信息（只读）",
                     group="政策管理"))
home.register()


def _page(request: Request, view: packs.PackView, status_code: int = 200,
          headers: dict[str, str] | None = None) -> Response:
    """The pack page (or, for htmx, its body). The entry cards (up to a few hundred, ~100 KB)
    are the same for everyone who sees this pack: rendered once per kept view; the page around
    them (the facts form, the session's CSRF token, messages) is rendered per request."""
    cards = view.remember("cards", lambda: {
        section: Markup(env.get_template("matching/_cards.html").render(  # noqa: S704 autoescaped
            {"entries": getattr(view.pack, section), "v": view, "packs": packs}))
        for section in ("eligible", "unknown", "near_misses")})
    template = "matching/_pack_body.html" if is_htmx(request) else "matching/pack.html"
    return render(request, template, {"v": view, "cards": cards}, status_code=status_code,
                  headers=headers)


@router.get("/gift-pack")
@web.read_only  # a stale pack is re-matched apart (matching.service._rematch)
def my_pack(request: Request, db: DBSession, clock: ClockDep, actor: EnterpriseUser) -> Response:
    return _page(request, packs.view(db, actor, clock, web.settings_of(request)))


@router.post("/gift-pack/facts")
def supply_facts(request: Request, db: DBSession, clock: ClockDep, actor: EnterpriseUser,
                 form: FormDep) -> Response:
    names = {s.name for s in fact_fields()}
    raw: dict[str, Any] = {k.removeprefix("fact_"): v for k, v in form.items()
                           if k.startswith("fact_") and k.removeprefix("fact_") in names}
    settings = web.settings_of(request)
    try:
        view, gained = packs.supply_facts(db, actor, clock, raw, settings)
    except ValidationFailed as exc:  # refused before anything was written
        errors = dict(exc.details) if isinstance(exc.details, dict) else {}
        errors.setdefault("_form", exc.message)
        view = packs.view(db, actor, clock, settings).with_errors(
            errors, {k: str(v) for k, v in raw.items()})
        return _page(request, view, status_code=422)
    message = ("已保存并重新匹配。新符合条件：" + "、".join(gained) + "。") if gained \
        else "已保存并重新匹配。"
    if is_htmx(request):
        return _page(request, view, headers=toast_headers(message))
    flash(request, message)
    return redirect(request, "/gift-pack")


@router.get("/gift-pack/items/{item_id}/explanation")
def my_explanation(request: Request, db: DBSession, clock: ClockDep, actor: EnterpriseUser,
                   item_id: str) -> Response:
    item, lines = packs.explanation(db, actor, clock, item_id, web.settings_of(request))
    return render(request, "matching/_explanation.html", {"item": item, "lines": lines})


@router.get("/gift-pack/enterprises")
def enterprises(request: Request, db: DBSession, actor: OfficeUser, q: str = "",
                page: int = 1) -> Response:
    found = registry.list_enterprises(db, query=q.strip() or None, page=page, per_page=20) \
        if q.strip() else None
    return render(request, "matching/enterprises.html", {"q": q, "found": found})


@router.get("/gift-pack/enterprises/{uscc}")
@web.read_only
def enterprise_pack(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                    uscc: str) -> Response:
    return _page(request, packs.view(db, actor, clock, web.settings_of(request), uscc))


@router.get("/gift-pack/enterprises/{uscc}/items/{item_id}/explanation")
def enterprise_explanation(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                           uscc: str, item_id: str) -> Response:
    item, lines = packs.explanation(db, actor, clock, item_id, web.settings_of(request), uscc)
    return render(request, "matching/_explanation.html", {"item": item, "lines": lines})
