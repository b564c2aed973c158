"""Enterprise profiles in the browser (issue 15 item 9): the office (and a liaison for its own
enterprises) edits a profile, sees its history; the enterprise edits what it declares itself
and proposes the rest; the office works the queue of proposals."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import Response

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import CurrentUser, EnterpriseUser, OfficeUser
from huiqi.kit import web
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.kit.web import ClockDep, DBSession, FormDep
from huiqi.models.user import Role
from huiqi.registry import service
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
register_nav(NavItem("企业信息维护", "/profiles", {Role.OFFICE}, order=41,
                     description="修改企业画像、变更记录、企业变更申请核实", group="服务企业"))
register_nav(NavItem("企业信息", "/profiles/me", {Role.ENTERPRISE}, order=12,
                     description="维护企业自报信息，申请变更需核实的信息", group="服务企业"))
EDITORS = (Role.OFFICE, Role.LIAISON, Role.ENTERPRISE)
STATUSES = {"pending": "待核实", "accepted": "已通过", "rejected": "已驳回"}


def _labels() -> dict[str, str]:
    return {s.name: s.label for s in service.load_catalog()}


def _show(name: str, text: str | None) -> str:
    catalog = service.load_catalog()
    return service.display(catalog.get(name), text)


def _fields(actor: Actor) -> list[Any]:
    fields = service.editable_fields()
    if actor.role is Role.ENTERPRISE:
        return [s for s in fields if s.name in service.SELF_DECLARED]
    return fields


def _context(db: Any, actor: Actor, enterprise: Any, **extra: Any) -> dict[str, Any]:
    values = service.current_values(db, enterprise)
    verified = [s for s in service.editable_fields() if s.kind == "profile"
                and s.name not in service.SELF_DECLARED]
    pending = (service.proposals(db, actor, "", enterprise.uscc)
               if actor.role in (Role.OFFICE, Role.ENTERPRISE) else [])
    return {"enterprise": enterprise, "values": {**values, **extra.pop("submitted", {})},
            "fields": _fields(actor), "verified_fields": verified,
            "is_enterprise": actor.role is Role.ENTERPRISE, "errors": {}, "error": "",
            "propose_errors": {}, "propose_error": "", "proposed": {}, "pending": pending,
            "labels": _labels(), "show": _show, "statuses": STATUSES, **extra}


def _editor(actor: Actor) -> None:
    if actor.role not in EDITORS:
        raise NotFound("页面不存在，或您没有访问权限。")


@router.get("/profiles")
def search(request: Request, db: DBSession, actor: OfficeUser, q: str = "") -> Response:
    page = service.list_enterprises(db, query=q or None, per_page=50)
    return render(request, "registry/search.html", {"page": page, "q": q})


@router.get("/profiles/me")
def mine(request: Request, actor: EnterpriseUser) -> Response:
    if not actor.enterprise_uscc:
        raise NotFound("您的账号未关联企业，请联系营商办。")
    return redirect(request, f"/profiles/{actor.enterprise_uscc}")


@router.get("/profiles/proposals")
def queue(request: Request, db: DBSession, actor: OfficeUser, status: str = "pending"
          ) -> Response:
    status = status if status in STATUSES else "pending"
    rows = service.proposal_queue(db, actor, status)
    return render(request, "registry/proposals.html",
                  {"rows": rows, "status": status, "statuses": STATUSES, "labels": _labels(),
                   "show": _show})


@router.post("/profiles/proposals/{proposal_id}/decide")
def decide(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
           proposal_id: int, form: FormDep) -> Response:
    accept = str(form.get("accept", "")) == "1"
    result = service.decide(db, actor, clock, proposal_id, accept, str(form.get("note", "")),
                            web.settings_of(request))
    message = "已通过，企业信息已更新并重新匹配。" if accept else "已驳回。"
    if result.gained:
        message += f"新增可享受政策：{'、'.join(result.gained)}（已通知企业）。"
    flash(request, message)
    return redirect(request, "/profiles/proposals")


@router.get("/profiles/{uscc}")
def profile(request: Request, db: DBSession, actor: CurrentUser, uscc: str) -> Response:
    _editor(actor)
    enterprise = service.enterprise_for(db, actor, uscc)
    return render(request, "registry/profile.html", _context(db, actor, enterprise))


@router.post("/profiles/{uscc}")
def save(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser, uscc: str,
         form: FormDep) -> Response:
    _editor(actor)
    enterprise = service.enterprise_for(db, actor, uscc)
    names = {s.name for s in _fields(actor)}
    raw = {k: str(v) for k, v in form.items() if k in names}
    try:
        result = service.edit(db, actor, clock, enterprise.uscc, raw,
                              settings=web.settings_of(request))
    except ValidationFailed as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        return render(request, "registry/profile.html",
                      _context(db, actor, enterprise, errors=details, error=exc.message,
                               submitted=raw), status_code=422)
    if not result.changes:
        flash(request, "没有修改任何信息。", "info")
    else:
        message = f"已保存 {len(result.changes)} 项修改，并已重新匹配政策。"
        if result.gained:
            message += f"新增可享受政策：{'、'.join(result.gained)}（已通知企业）。"
        flash(request, message)
    return redirect(request, f"/profiles/{enterprise.uscc}")


@router.get("/profiles/{uscc}/history")
def history(request: Request, db: DBSession, actor: CurrentUser, uscc: str) -> Response:
    _editor(actor)
    enterprise = service.enterprise_for(db, actor, uscc)
    return render(request, "registry/history.html",
                  {"enterprise": enterprise, "changes": service.history(db, actor, uscc),
                   "labels": _labels(), "show": _show, "sources": service.SOURCES})


@router.post("/profiles/{uscc}/proposals")
def propose(request: Request, db: DBSession, clock: ClockDep, actor: EnterpriseUser, uscc: str,
            form: FormDep) -> Response:
    enterprise = service.enterprise_for(db, actor, uscc)
    raw = {k: str(v) for k, v in form.items() if k not in ("csrf_token", "reason")}
    reason = str(form.get("reason", ""))
    try:
        rows = service.propose(db, actor, clock, raw, reason)
    except ValidationFailed as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        return render(request, "registry/profile.html",
                      _context(db, actor, enterprise, propose_errors=details,
                               propose_error=exc.message, proposed={**raw, "reason": reason}),
                      status_code=422)
    flash(request, f"已提交 {len(rows)} 项变更申请，营商办核实后生效。")
    return redirect(request, f"/profiles/{enterprise.uscc}")
