"""Grants pages: enterprise apply / upload / timeline; department review queue and decisions.

Office pages (免申即享, payouts, budget, ledgers) and the public 公示 page are in views_office.py
and included here, so the app lists one module.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import FileResponse, Response

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import CurrentUser, EnterpriseUser
from huiqi.grants import (
    access,
    enterprises,
    events,
    forms,
    home,
    ledgers,
    review,
    views_office,
    views_publicity,
)
from huiqi.grants import applications as apps
from huiqi.grants.standing import standings
from huiqi.grants.states import Status, allowed
from huiqi.kit import web
from huiqi.kit.errors import Conflict, HuiqiError, NotFound, ValidationFailed
from huiqi.kit.pagination import PageQuery, paginate
from huiqi.kit.settings import policy_date_for
from huiqi.kit.uploads import UploadTooLarge
from huiqi.kit.web import ClockDep, DBSession, FormDep
from huiqi.models.user import Role
from huiqi.policies import service as policies
from huiqi.registry.service import fact_fields
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
router.include_router(views_office.router)
router.include_router(views_publicity.router)
home.register()

ENT, DEPT, OFFICE, AUDITOR = Role.ENTERPRISE, Role.DEPARTMENT, Role.OFFICE, Role.AUDITOR
register_nav(NavItem("可申报政策", "/grants/items", {ENT}, order=20,
                     description="选择政策事项，在线填写信息、上传材料", group="政策兑现"))
register_nav(NavItem("我的申报", "/grants/applications", {ENT}, order=21,
                     description="申报进度、补齐材料、兑现情况", group="政策兑现"))
register_nav(NavItem("申报审核", "/grants/applications", {DEPT}, order=20,
                     description="受理、容缺受理、审核与驳回", group="政策兑现"))
register_nav(NavItem("申报台账", "/grants/applications", {OFFICE, AUDITOR, Role.LEADER}, order=20,
                     description="全部政策申报，按条件筛选并导出 Excel", group="政策兑现"))


@router.get("/grants/items")
def item_list(request: Request, db: DBSession, clock: ClockDep, actor: EnterpriseUser) -> Response:
    today = policy_date_for(clock, web.settings_of(request))
    found = [v.item for v in policies.published_items(db)
             if v.item.in_force(today) and not v.item.auto_grant]
    return render(request, "grants/items.html", {"items": sorted(found, key=lambda i: i.id),
                                                 "today": today})


def _fact_specs(item_fields: tuple[str, ...]) -> list[object]:
    return [s for s in fact_fields() if s.name in item_fields]


@router.get("/grants/apply/{item_id}")
def apply_page(request: Request, db: DBSession, clock: ClockDep, item_id: str,
               actor: EnterpriseUser) -> Response:
    item = policies.get_item(db, item_id).item
    known = enterprises.facts(db, actor.enterprise_uscc or "")
    as_of = policy_date_for(clock, web.settings_of(request))
    year = as_of.year
    existing = standings(db, actor.enterprise_uscc or "").get(item_id)
    return render(request, "grants/apply.html", {
        "item": item, "facts": _fact_specs(item.fields), "known": known,
        "today": clock.today_local(), "year": year, "as_of": as_of,
        "closed": item.in_force(as_of) and not item.in_window(as_of),
        # said before the form is filled, not after it is sent (the submit still refuses)
        "existing": existing if existing and existing.blocks_apply(year) else None})


@router.post("/grants/apply/{item_id}", max_body_size=forms.UPLOAD_BODY_LIMIT)
def apply(request: Request, db: DBSession, clock: ClockDep, item_id: str, actor: EnterpriseUser,
          form: FormDep) -> Response:
    item = policies.get_item(db, item_id).item
    facts = {s.name: form.get(f"fact_{s.name}") for s in fact_fields() if s.name in item.fields}
    files = _uploads(form, item.materials)
    bank = apps.BankInfo(_text(form.get("bank_name")), _text(form.get("bank_account_name")),
                         _text(form.get("bank_account")))
    app = apps.submit(db, actor, item_id=item_id, facts={k: v for k, v in facts.items() if v},
                      files=files, bank=bank, clock=clock, settings=web.settings_of(request))
    flash(request, f"已提交“{item.title}”的申报，请留意审核进度。")
    return redirect(request, f"/grants/applications/{app.id}")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _uploads(form: FormData, materials: list[str]) -> list[apps.UploadIn]:
    out = []
    for i, name in enumerate(materials):
        f = form.get(f"material_{i}")
        if isinstance(f, UploadFile) and f.filename:
            out.append(apps.UploadIn(name, f.filename, f.file))
    extra = form.get("material_extra")
    if isinstance(extra, UploadFile) and extra.filename:
        label = _text(form.get("material_extra_name")) or "其他材料"
        out.append(apps.UploadIn(label.strip(), extra.filename, extra.file))
    return out


@router.get("/grants/applications")
def application_list(request: Request, db: DBSession, actor: CurrentUser, params: PageQuery,
                     status: str = "", item_id: str = "", year: str = "",
                     enterprise: str = "", source: str = "") -> Response:
    if actor.role not in (ENT, DEPT, OFFICE, AUDITOR, Role.LEADER):
        raise NotFound("页面不存在，或您没有访问权限。")
    flt = ledgers.LedgerFilter(status=status or None, item_id=item_id or None,
                               year=ledgers.parse_year(year), enterprise=enterprise or None,
                               source=source or None)
    page = paginate(db, ledgers.applications_query(db, actor, flt), params)
    query = {"status": status, "item_id": item_id, "year": year, "enterprise": enterprise,
             "source": source}
    return render(request, "grants/applications.html", {
        "page": page, "query": query, "statuses": list(Status), "Status": Status})


@router.get("/grants/applications/{application_id}")
def application_detail(request: Request, db: DBSession, actor: CurrentUser,
                       application_id: int) -> Response:
    return _detail(request, db, actor, application_id)


def _refused(request: Request, db: DBSession, actor: Actor, application_id: int, form_id: str,
             exc: HuiqiError, typed: dict[str, str]) -> Response:
    """The detail page again, 422, the refusal beside the field it concerns, input kept. The
    refused step's writes (if any) are rolled back first: the page commits what remains."""
    db.rollback()
    field = (exc.details or {}).get("field") if isinstance(exc.details, dict) else None
    if field is None:
        field = next((f for f, words in FIELD_WORDS.get(form_id, ()) if
                      any(w in exc.message for w in words)), DEFAULT_FIELD[form_id])
    return _detail(request, db, actor, application_id, {form_id: {field: exc.message}},
                   {form_id: typed}, status_code=413 if exc.status_code == 413 else 422)


# The form's field a refusal concerns, by what its message speaks of (else the form's main one).
FIELD_WORDS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "approve": (("reason", ("理由",)),), "finance": (("reason", ("理由",)),),
    "upload": (("name", ("材料名称",)),), "gaps": (("due", ("截止",)),)}
DEFAULT_FIELD = {"approve": "amount", "finance": "amount", "reject": "reason", "upload": "file",
                 "gaps": "missing"}


def _detail(request: Request, db: DBSession, actor: Actor, application_id: int,
            errors: dict[str, dict[str, str]] | None = None,
            typed: dict[str, dict[str, str]] | None = None, status_code: int = 200) -> Response:
    app = apps.get(db, actor, application_id)
    note = policies.version_note(db, app.item_id, app.policy_version)  # the version it follows
    preview = review.preview(db, actor, app.id) \
        if note.applied and actor.role in (DEPT, OFFICE, AUDITOR) else None
    owed = app.missing_materials or []
    required = note.applied.item.materials if note.applied else []
    return render(request, "grants/application.html", {
        "app": app, "Status": Status, "status": Status(app.status),
        "version": note,
        "actions": [a.value for a in allowed(app.status)],
        "timeline": apps.timeline(db, actor, app.id), "kind_labels": events.KIND_LABELS,
        "materials": apps.materials(db, actor, app.id),
        "not_uploaded": apps.required_missing(db, app, required), "owed": owed,
        "material_ids": note.applied.item.material_ids if note.applied else {},
        "preview": preview, "facts": _fact_labels(app.facts or {}),
        "is_reviewer": actor.role is DEPT and access.is_department_reviewer(db, actor, app),
        "is_finance": actor.role is DEPT and access.is_finance_reviewer(db, actor, app),
        "errors": errors or {}, "typed": typed or {},
    }, status_code=status_code)


def _fact_labels(facts: dict[str, object]) -> list[tuple[str, object]]:
    labels = {s.name: s.label for s in fact_fields()}
    yes_no = {True: "是", False: "否", "true": "是", "false": "否"}  # not true/false
    return [(labels.get(k, k), yes_no.get(v, v) if isinstance(v, bool | str) else v)
            for k, v in facts.items()]


@router.post("/grants/applications/{application_id}/upload",
             max_body_size=forms.UPLOAD_BODY_LIMIT)
def upload(request: Request, db: DBSession, clock: ClockDep, application_id: int,
           actor: EnterpriseUser, form: FormDep) -> Response:
    f, name = form.get("file"), _text(form.get("name")) or ""
    try:
        if not isinstance(f, UploadFile) or not f.filename:
            raise ValidationFailed("请选择要上传的文件。")
        apps.upload_material(db, actor, application_id,
                             apps.UploadIn(name, f.filename or "", f.file),
                             clock=clock, settings=web.settings_of(request))
    except (ValidationFailed, Conflict, UploadTooLarge) as exc:  # type, size, name
        return _refused(request, db, actor, application_id, "upload", exc, {"name": name})
    flash(request, f"已上传“{name}”。")
    return redirect(request, f"/grants/applications/{application_id}")


@router.get("/grants/materials/{material_id}")
def download(request: Request, db: DBSession, material_id: int, actor: CurrentUser) -> Response:
    material, path = apps.open_material(db, actor, material_id, web.settings_of(request))
    return FileResponse(path, media_type=material.content_type,
                        filename=material.original_filename,
                        headers={"X-Content-Type-Options": "nosniff",
                                 "Content-Security-Policy": "sandbox"})


Text = Annotated[str, Form(max_length=2000)]


@router.post("/grants/applications/{application_id}/withdraw")
def withdraw(request: Request, db: DBSession, clock: ClockDep, application_id: int,
             actor: EnterpriseUser, reason: Text = "") -> Response:
    apps.withdraw(db, actor, application_id, reason, clock=clock)
    flash(request, "申报已撤回。")
    return redirect(request, f"/grants/applications/{application_id}")


@router.post("/grants/applications/{application_id}/accept")
def accept(request: Request, db: DBSession, clock: ClockDep, application_id: int,
           actor: CurrentUser, note: Text = "") -> Response:
    review.accept(db, actor, application_id, note or None, clock=clock)
    flash(request, "已受理。")
    return redirect(request, f"/grants/applications/{application_id}")


@router.post("/grants/applications/{application_id}/gaps")
def accept_with_gaps(request: Request, db: DBSession, clock: ClockDep, application_id: int,
                     actor: CurrentUser, missing: Text = "", due: str = Form(""),
                     note: Text = "",
                     material: Annotated[list[str] | None, Form()] = None) -> Response:
    """The gaps are the item's materials ticked by id, and others typed one per line."""
    app = apps.get(db, actor, application_id)
    note_ = policies.version_note(db, app.item_id, app.policy_version)
    by_id = note_.applied.item.material_ids if note_.applied else {}
    unknown = [m for m in material or [] if m not in by_id]
    if unknown:
        raise ValidationFailed("所选材料不属于该政策事项，请刷新页面后重选。")
    names = [by_id[m] for m in material or []] + forms.lines(missing)
    try:
        review.accept_with_gaps(db, actor, application_id, names,
                                due=forms.day(due, "补齐截止日期"), note=note or None, clock=clock)
    except (ValidationFailed, Conflict) as exc:
        return _refused(request, db, actor, application_id, "gaps", exc,
                        {"missing": missing, "due": due, "note": note})
    flash(request, "已容缺受理，并通知企业补齐材料。")
    return redirect(request, f"/grants/applications/{application_id}")


@router.post("/grants/applications/{application_id}/approve")
def approve(request: Request, db: DBSession, clock: ClockDep, application_id: int,
            actor: CurrentUser, amount: str = Form(""), reason: Text = "") -> Response:
    try:
        app = review.approve(db, actor, application_id, amount=forms.money(amount, "批准金额"),
                             reason=reason, clock=clock)
    except (ValidationFailed, Conflict) as exc:
        return _refused(request, db, actor, application_id, "approve", exc,
                        {"amount": amount, "reason": reason})
    flash(request, "已审核通过，待财政复核。" if app.status == "finance_review" else "已批准。")
    return redirect(request, f"/grants/applications/{application_id}")


@router.post("/grants/applications/{application_id}/finance-approve")
def finance_approve(request: Request, db: DBSession, clock: ClockDep, application_id: int,
                    actor: CurrentUser, amount: str = Form(""), reason: Text = "") -> Response:
    try:
        review.finance_approve(db, actor, application_id, amount=forms.money(amount, "批准金额"),
                               reason=reason, clock=clock)
    except (ValidationFailed, Conflict) as exc:
        return _refused(request, db, actor, application_id, "finance", exc,
                        {"amount": amount, "reason": reason})
    flash(request, "财政复核通过，已批准。")
    return redirect(request, f"/grants/applications/{application_id}")


@router.post("/grants/applications/{application_id}/reject")
def reject(request: Request, db: DBSession, clock: ClockDep, application_id: int,
           actor: CurrentUser, reason: Text = "") -> Response:
    try:
        review.reject(db, actor, application_id, reason, clock=clock)
    except (ValidationFailed, Conflict) as exc:
        return _refused(request, db, actor, application_id, "reject", exc, {"reason": reason})
    flash(request, "已驳回，企业将收到通知。")
    return redirect(request, f"/grants/applications/{application_id}")
