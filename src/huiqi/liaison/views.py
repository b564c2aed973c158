"""The official's pages (服务专员, phone-sized first): its portfolio, an enterprise's contact
ledger, the visit log form (policies from the live 礼包, facts to collect, a problem → an appeal,
photos), visit plans, photos. The office reads the same ledger."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.responses import FileResponse, Response

from huiqi.appeals import service as appeals
from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import CurrentUser, LiaisonUser
from huiqi.kit import uploads, web
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.kit.web import ClockDep, DBSession, FormDep
from huiqi.liaison import home as home_panel
from huiqi.liaison import repository as repo
from huiqi.liaison import service
from huiqi.models.user import Role
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
register_nav(NavItem("包联台账", "/liaison", {Role.LIAISON}, order=20,
                     description="我包联的企业、礼包、待采集信息、走访计划、未联系提醒",
                     group="服务企业"))
home_panel.register()


@router.get("/liaison")
def home(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser) -> Response:
    if actor.role in (Role.OFFICE, Role.AUDITOR):
        return redirect(request, "/liaison/rates")
    portfolio = service.portfolio(db, actor, clock)
    return render(request, "liaison/portfolio.html", {"p": portfolio, "official": None,
                                                      "today": clock.today_local()})


@router.get("/liaison/enterprises/{uscc}")
def ledger(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
           uscc: str) -> Response:
    found = service.ledger(db, actor, clock, uscc)
    titles = _titles(db, clock, request, found.enterprise) if actor.role is Role.LIAISON else {}
    return render(request, "liaison/ledger.html",
                  {"l": found, "channels": service.CHANNELS, "titles": titles,
                   "may_log": actor.role is Role.LIAISON, "today": clock.today_local()})


def _titles(db: Any, clock: Clock, request: Request, ent: Any) -> dict[str, str]:
    return service.offered(service.pack_for(db, clock, web.settings_of(request), ent))


def _visit_context(db: Any, clock: Clock, request: Request, actor: Actor, uscc: str,
                   **extra: Any) -> dict[str, Any]:
    ent = service.access_enterprise(db, actor, uscc, write=True)
    pack = service.pack_for(db, clock, web.settings_of(request), ent)
    amounts = {e.item.id: e.amount for e in pack.eligible}
    return {"ent": ent, "offer": service.offered(pack), "amounts": amounts,
            "facts": service.missing_facts(pack), "channels": service.CHANNELS,
            "categories": appeals.list_categories(db), "today": clock.today_local(),
            "campaigns": [c for c in repo.campaigns(db)
                          if c.starts_on <= clock.today_local() <= c.ends_on],
            "warning": service.frequency_warning(db, ent.uscc, clock.today_local()),
            "errors": {}, "error": "", "v": {}, "chosen": [], **extra}


@router.get("/liaison/enterprises/{uscc}/visit")
def visit_form(request: Request, db: DBSession, clock: ClockDep, actor: LiaisonUser,
               uscc: str) -> Response:
    return render(request, "liaison/visit.html",
                  _visit_context(db, clock, request, actor, uscc,
                                 v={"contacted_on": clock.today_local().isoformat()}))


def _visit_in(form: Any) -> service.VisitIn:
    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    campaign = text("campaign_id")
    return service.VisitIn(
        channel=text("channel") or "visit", contacted_on=text("contacted_on"),
        people_met=text("people_met"), topics=text("topics"),
        policies=[str(p) for p in form.getlist("policies")], problems=text("problems"),
        raise_appeal=text("raise_appeal") == "1", appeal_category=text("appeal_category"),
        next_visit_on=text("next_visit_on"),
        facts={k[5:]: str(v) for k, v in form.items() if k.startswith("fact_")},
        materials=text("materials") or "0", cards=text("cards") or "0",
        campaign_id=int(campaign) if campaign.isascii() and campaign.isdigit() else None)


@router.post("/liaison/enterprises/{uscc}/visit", max_body_size=40 * 1024 * 1024)
def visit_save(request: Request, db: DBSession, clock: ClockDep, actor: LiaisonUser,
               uscc: str, form: FormDep) -> Response:
    data = _visit_in(form)
    files = [(f.filename or "photo", f.file) for f in form.getlist("photos")
             if isinstance(f, UploadFile) and f.filename]
    try:
        logged = service.log(db, actor, clock, web.settings_of(request), uscc, data, files)
    except (ValidationFailed, uploads.UploadTooLarge) as exc:
        db.rollback()
        details = exc.details if isinstance(exc.details, dict) else {}
        values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        return render(request, "liaison/visit.html",
                      _visit_context(db, clock, request, actor, uscc, errors=details,
                                     error=exc.message, v=values, chosen=data.policies),
                      status_code=422)
    parts = [f"已记录{service.CHANNELS[data.channel]}。"]
    if logged.gained:
        parts.append(f"企业新增可享受政策：{'、'.join(logged.gained)}（已通知企业）。")
    if logged.appeal_id:
        parts.append(f"已发起诉求（编号 {logged.appeal_id}，来源：包联走访）。")
    flash(request, "".join(parts))
    if logged.warning:
        flash(request, logged.warning, "error")
    return redirect(request, f"/liaison/enterprises/{logged.contact.enterprise_uscc}")


@router.post("/liaison/enterprises/{uscc}/plans")
def plan_save(request: Request, db: DBSession, clock: ClockDep, actor: LiaisonUser,
              uscc: str, form: FormDep) -> Response:
    row = service.plan(db, actor, clock, uscc, str(form.get("planned_on", "")),
                       str(form.get("note", "")))
    flash(request, f"已制定 {row.planned_on.isoformat()} 的走访计划，前一天提醒。")
    return redirect(request, f"/liaison/enterprises/{row.enterprise_uscc}")


@router.get("/liaison/photos/{photo_id}")
def photo(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
          photo_id: int) -> Response:
    row = repo.photo(db, photo_id)
    contact = repo.contact(db, row.contact_id) if row else None
    if row is None or contact is None:
        raise NotFound("未找到该照片。")
    service.access_enterprise(db, actor, contact.enterprise_uscc)
    root = web.settings_of(request).uploads_dir / "liaison"
    return FileResponse(uploads.resolve(root, row.stored_name), media_type=row.content_type)
