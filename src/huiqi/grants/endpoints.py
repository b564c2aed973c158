"""The grants JSON API under /api/v1 (Bearer token): what the pages do, for other systems."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Form, Request, UploadFile
from starlette.responses import FileResponse, Response

from huiqi.auth.dependencies import CurrentUser, EnterpriseUser, ExportLimited, OfficeUser
from huiqi.grants import applications as apps
from huiqi.grants import autogrant, evaluations, forms, ledgers, payouts, publicity, review
from huiqi.grants import schemas as s
from huiqi.grants.states import Status
from huiqi.kit import web
from huiqi.kit.excel import xlsx_response
from huiqi.kit.pagination import PageQuery, paginate
from huiqi.kit.settings import policy_date_for
from huiqi.kit.web import ClockDep, DBSession
from huiqi.models.application import Application
from huiqi.policies import service as policies
from huiqi.security.service import Idempotent

router = web.router(tags=["政策兑现"])


def _out(app: Application) -> s.ApplicationOut:
    return s.ApplicationOut.model_validate(
        {**{c: getattr(app, c) for c in s.ApplicationOut.model_fields if c != "status_label"},
         "status_label": Status(app.status).label})


@router.post("/grants/applications", response_model=s.ApplicationOut, status_code=201,
             summary="提交申报（材料另行上传）")
def submit(body: s.ApplicationIn, db: DBSession, idem: Idempotent,
           clock: ClockDep, actor: EnterpriseUser,
           request: Request) -> s.ApplicationOut:
    bank = apps.BankInfo(body.bank.bank_name, body.bank.account_name, body.bank.account) \
        if body.bank else None
    return _out(apps.submit(db, actor, item_id=body.item_id, facts=body.facts, bank=bank,
                            clock=clock, settings=web.settings_of(request)))


@router.post("/grants/applications/{application_id}/materials", response_model=s.MaterialOut,
             status_code=201, summary="上传申报材料（含容缺补交）",
             max_body_size=forms.UPLOAD_BODY_LIMIT)
def upload(application_id: int, db: DBSession, idem: Idempotent,
           clock: ClockDep, actor: EnterpriseUser,
           request: Request, name: Annotated[str, Form(max_length=100)],
           file: Annotated[UploadFile, File()]) -> s.MaterialOut:
    material = apps.upload_material(
        db, actor, application_id, apps.UploadIn(name, file.filename or "", file.file),
        clock=clock, settings=web.settings_of(request))
    return s.MaterialOut.model_validate(material)


@router.get("/grants/applications", response_model=s.ApplicationPage, summary="申报列表")
def application_list(db: DBSession, actor: CurrentUser, params: PageQuery, status: str = "",
                     item_id: str = "", year: str = "", enterprise: str = "", source: str = ""
                     ) -> s.ApplicationPage:
    flt = ledgers.LedgerFilter(status=status or None, item_id=item_id or None,
                               year=ledgers.parse_year(year), enterprise=enterprise or None,
                               source=source or None)
    page = paginate(db, ledgers.applications_query(db, actor, flt), params)
    return s.ApplicationPage(items=[_out(a) for a in page.items], total=page.total,
                             page=page.page, per_page=page.per_page)


@router.get("/grants/applications/{application_id}", response_model=s.ApplicationDetailOut,
            summary="申报详情（含所依据政策版本的现状）")
def application_detail(application_id: int, db: DBSession, actor: CurrentUser
                       ) -> s.ApplicationDetailOut:
    app = apps.get(db, actor, application_id)
    note = policies.version_note(db, app.item_id, app.policy_version)
    return s.ApplicationDetailOut(**_out(app).model_dump(),
                                  policy_version_status=_version_out(app.policy_version, note))


VERSION_STATES = {"current": "现行版本", "superseded": "已发布新版本，按提交时版本办理",
                  "withdrawn": "政策已撤回，按提交时版本继续办理",
                  "dropped": "新版本已不含此事项，按提交时版本继续办理"}


def _version_out(version: str, note: policies.VersionNote) -> s.PolicyVersionOut:
    current = note.current if note.state == "superseded" else None
    return s.PolicyVersionOut(
        applied=version, applied_number=note.applied.number if note.applied else None,
        available=note.applied is not None, state=note.state,
        state_label=VERSION_STATES[note.state], current=current.version if current else None,
        current_number=current.number if current else None, withdrawn_at=note.withdrawn_at)


@router.get("/grants/applications/{application_id}/timeline", response_model=list[s.EventOut],
            summary="办理进度")
def timeline(application_id: int, db: DBSession, actor: CurrentUser) -> list[s.EventOut]:
    return [s.EventOut.model_validate(e) for e in apps.timeline(db, actor, application_id)]


@router.get("/grants/applications/{application_id}/materials",
            response_model=list[s.MaterialOut], summary="申报材料列表")
def material_list(application_id: int, db: DBSession, actor: CurrentUser
                  ) -> list[s.MaterialOut]:
    return [s.MaterialOut.model_validate(m) for m in apps.materials(db, actor, application_id)]


@router.get("/grants/materials/{material_id}", response_class=FileResponse,
            summary="下载申报材料")
def download(material_id: int, db: DBSession, actor: CurrentUser, request: Request
             ) -> FileResponse:
    material, path = apps.open_material(db, actor, material_id, web.settings_of(request))
    return FileResponse(path, media_type=material.content_type,
                        filename=material.original_filename,
                        headers={"X-Content-Type-Options": "nosniff"})


@router.post("/grants/applications/{application_id}/withdraw", response_model=s.ApplicationOut)
def withdraw(application_id: int, body: s.NoteIn, db: DBSession, clock: ClockDep,
             actor: EnterpriseUser) -> s.ApplicationOut:
    return _out(apps.withdraw(db, actor, application_id, body.note, clock=clock))


@router.post("/grants/applications/{application_id}/accept", response_model=s.ApplicationOut,
             summary="受理")
def accept(application_id: int, body: s.NoteIn, db: DBSession, clock: ClockDep,
           actor: CurrentUser) -> s.ApplicationOut:
    return _out(review.accept(db, actor, application_id, body.note, clock=clock))


@router.post("/grants/applications/{application_id}/gaps", response_model=s.ApplicationOut,
             summary="容缺受理")
def accept_with_gaps(application_id: int, body: s.GapsIn, db: DBSession, clock: ClockDep,
                     actor: CurrentUser) -> s.ApplicationOut:
    return _out(review.accept_with_gaps(db, actor, application_id, body.missing, due=body.due,
                                        workdays=body.workdays, note=body.note, clock=clock))


@router.post("/grants/applications/{application_id}/approve", response_model=s.ApplicationOut,
             summary="审核通过（只能等于或低于政策核定金额）")
def approve(application_id: int, body: s.DecisionIn, db: DBSession, clock: ClockDep,
            actor: CurrentUser) -> s.ApplicationOut:
    return _out(review.approve(db, actor, application_id, amount=body.amount,
                               reason=body.reason, clock=clock))


@router.post("/grants/applications/{application_id}/finance-approve",
             response_model=s.ApplicationOut, summary="财政复核通过")
def finance_approve(application_id: int, body: s.DecisionIn, db: DBSession, clock: ClockDep,
                    actor: CurrentUser) -> s.ApplicationOut:
    return _out(review.finance_approve(db, actor, application_id, amount=body.amount,
                                       reason=body.reason, clock=clock))


@router.post("/grants/applications/{application_id}/reject", response_model=s.ApplicationOut,
             summary="驳回")
def reject(application_id: int, body: s.ReasonIn, db: DBSession, clock: ClockDep,
           actor: CurrentUser) -> s.ApplicationOut:
    return _out(review.reject(db, actor, application_id, body.reason, clock=clock))


@router.get("/grants/budget", response_model=list[s.BudgetOut], summary="预算台账")
def budget(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser, year: str = "",
           item_id: str = "") -> list[s.BudgetOut]:
    flt = ledgers.LedgerFilter(year=ledgers.parse_year(year)
                               or policy_date_for(clock, web.settings_of(request)).year,
                               item_id=item_id or None)
    return [s.BudgetOut(item_id=v.item_id, item_title=title, year=v.year, total=v.total,
                        reserved=v.reserved, committed=v.committed, remaining=v.remaining)
            for title, v in ledgers.budget_views(db, actor, flt)]


@router.post("/grants/auto-lists", response_model=s.AutoListOut, status_code=201,
             summary="生成免申即享名单（营商办）")
def generate(request: Request, body: s.AutoListIn, db: DBSession, idem: Idempotent, clock: ClockDep,
             actor: OfficeUser) -> s.AutoListOut:
    day = body.as_of or policy_date_for(clock, web.settings_of(request))
    candidates = [autogrant.Candidate(c.uscc, c.amount) for c in body.candidates] \
        if body.candidates is not None else autogrant.eligible_in_registry(db, body.item_id, day)
    listing = autogrant.generate(db, actor, body.item_id, candidates, as_of=day, clock=clock)
    return s.AutoListOut.model_validate(listing)


@router.get("/grants/auto-lists/{list_id}/rows", response_model=list[s.ApplicationOut])
def auto_rows(list_id: int, db: DBSession, actor: CurrentUser) -> list[s.ApplicationOut]:
    return [_out(a) for a in autogrant.rows(db, actor, list_id)]


@router.post("/grants/auto-lists/{list_id}/confirm", response_model=s.ConfirmOut,
             summary="部门确认免申即享名单（全部或部分）")
def confirm(list_id: int, body: s.IdsIn, db: DBSession, clock: ClockDep, actor: CurrentUser
            ) -> s.ConfirmOut:
    r = autogrant.confirm(db, actor, list_id, body.application_ids, clock=clock)
    return s.ConfirmOut(confirmed=r.confirmed, refused=r.refused)


@router.post("/grants/auto-lists/{list_id}/finance-confirm", response_model=s.ConfirmOut)
def finance_confirm(list_id: int, body: s.IdsIn, db: DBSession, clock: ClockDep,
                    actor: CurrentUser) -> s.ConfirmOut:
    r = autogrant.finance_confirm(db, actor, list_id, body.application_ids, clock=clock)
    return s.ConfirmOut(confirmed=r.confirmed, refused=r.refused)


@router.post("/grants/payouts", response_model=s.BatchOut, status_code=201,
             summary="生成兑付批次（营商办）")
def create_batch(body: s.BatchIn, db: DBSession, idem: Idempotent,
                 clock: ClockDep, actor: OfficeUser
                 ) -> s.BatchOut:
    return s.BatchOut.model_validate(payouts.create_batch(
        db, actor, item_id=body.item_id, department=body.department, grant_ids=body.grant_ids,
        note=body.note, clock=clock))


@router.get("/grants/payouts", response_model=list[s.BatchOut], summary="兑付批次列表")
def batch_list(db: DBSession, actor: CurrentUser) -> list[s.BatchOut]:
    return [s.BatchOut.model_validate(b) for b in payouts.batches(db, actor)]


@router.post("/grants/payouts/{batch_id}/export", summary="导出银行清单（Excel），草稿变为已导出",
             response_class=Response)
def export_batch(export_limit: ExportLimited,
                 batch_id: int, db: DBSession, clock: ClockDep, actor: OfficeUser) -> Response:
    return xlsx_response(f"兑付清单-{batch_id}.xlsx", payouts.export(db, actor, batch_id,
                                                                  clock=clock))


@router.post("/grants/payouts/{batch_id}/paid", response_model=s.PaidOut,
             summary="标记已兑付（幂等：重复调用不会重复兑付）")
def mark_paid(batch_id: int, body: s.PaidIn, db: DBSession, idem: Idempotent,
              clock: ClockDep, actor: OfficeUser
              ) -> s.PaidOut:
    r = payouts.mark_paid(db, actor, batch_id, body.bank_reference, clock=clock)
    return s.PaidOut(batch=s.BatchOut.model_validate(r.batch), newly_paid=r.newly_paid)


@router.post("/grants/grants/{grant_id}/evaluations", response_model=s.EvaluationOut,
             status_code=201, summary="绩效评价")
def evaluate(grant_id: int, body: s.EvaluationIn, db: DBSession, idem: Idempotent, clock: ClockDep,
             actor: CurrentUser) -> s.EvaluationOut:
    return s.EvaluationOut.model_validate(
        evaluations.record(db, actor, grant_id, body.score, body.notes, clock=clock))


@router.get("/public/grants", response_model=s.PublicPage, summary="政策资金兑现公示（公开）")
def public(db: DBSession, params: PageQuery, year: str = "", item_id: str = ""
           ) -> s.PublicPage:
    page = publicity.public_list(db, params, year=ledgers.parse_year(year),
                                 item_id=item_id or None)
    return s.PublicPage(items=[s.PublicRowOut.model_validate(r) for r in page.items],
                        total=page.total, page=page.page, per_page=page.per_page)
