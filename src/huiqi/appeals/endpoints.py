"""The appeals JSON API under /api/v1 (Bearer token): intake, every transition, reading.
Configuration, imports and rates are in endpoints_office.py (included here)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, File, Request, UploadFile
from starlette.responses import FileResponse

from huiqi.appeals import attachments, duplicates, service
from huiqi.appeals import schemas as s
from huiqi.appeals.endpoints_office import router as office_router
from huiqi.appeals.intake import AppealIn
from huiqi.appeals.records import kind_label
from huiqi.appeals.vocab import AppealAction
from huiqi.auth.dependencies import CurrentUser
from huiqi.kit import web
from huiqi.kit.pagination import PageQuery, paginate
from huiqi.kit.settings import Settings, get_settings
from huiqi.kit.web import ClockDep, DBSession
from huiqi.security.service import Idempotent

router = web.router(tags=["诉求"])
router.include_router(office_router)
UPLOAD_BODY_LIMIT = get_settings().upload_max_bytes + 1024 * 1024


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def appeal_in(body: s.AppealInBody) -> AppealIn:
    return AppealIn(**body.model_dump())


@router.post("/appeals", response_model=s.SubmittedOut, status_code=201, summary="提交诉求")
def submit(body: s.AppealInBody, db: DBSession, idem: Idempotent,
           clock: ClockDep, actor: CurrentUser
           ) -> s.SubmittedOut:
    appeal = service.submit(db, actor, clock, appeal_in(body))
    dups = service.possible_duplicates(db, actor, appeal.id)
    return s.SubmittedOut(appeal=s.appeal_out(appeal),
                          possible_duplicates=[s.DuplicateOut(**d.__dict__) for d in dups])


@router.get("/appeals", response_model=s.AppealPage, summary="诉求列表")
def appeal_list(db: DBSession, actor: CurrentUser, params: PageQuery, status: str = "",
                category: str = "", source: str = "", q: str = "", sentinel: bool | None = None,
                overdue: bool | None = None, department_id: int | None = None
                ) -> s.AppealPage:
    flt = service.AppealFilter(status=status or None, category=category or None,
                               source=source or None, q=q or None, sentinel=sentinel,
                               overdue=overdue, department_id=department_id)
    page = paginate(db, service.list_query(actor, flt), params)
    return s.AppealPage(items=[s.appeal_out(a) for a in page.items], total=page.total,
                        page=page.page, per_page=page.per_page)


@router.get("/appeals/{appeal_id:int}", response_model=s.DetailOut, summary="诉求详情")
def detail(appeal_id: int, db: DBSession, clock: ClockDep, actor: CurrentUser) -> s.DetailOut:
    view = service.detail(db, actor, appeal_id, clock)
    sign, resolve = view.clocks.sign, view.clocks.resolve
    return s.DetailOut(
        appeal=s.appeal_out(view.appeal), role=view.role.value if view.role else None,
        actions=[a.value for a in view.actions],
        sign_clock=s.ClockOut(**sign.__dict__) if sign else None,
        resolve_clock=s.ClockOut(**resolve.__dict__) if resolve else None,
        calendar_note=view.clocks.calendar_note,
        assignments=[s.AssignmentOut.model_validate(a) for a in view.assignments],
        requests=[s.RequestOut.model_validate(r) for r in view.requests],
        attachments=[s.AttachmentOut.model_validate(a) for a in view.attachments])


@router.get("/appeals/{appeal_id:int}/timeline", response_model=list[s.EventOut],
            summary="办理过程")
def timeline(appeal_id: int, db: DBSession, actor: CurrentUser) -> list[s.EventOut]:
    out = []
    for event in service.timeline(db, actor, appeal_id):
        row = s.EventOut.model_validate(event)
        row.kind_label = kind_label(event.kind)
        out.append(row)
    return out


@router.post("/appeals/{appeal_id:int}/actions/{action}", response_model=s.AppealOut,
             summary="办理（交办、签收、答复、确认、回访、销号、退单、延期、专班…）",
             description="body 为该操作的字段，见 docs/appeals.md 与 state.PAYLOADS。")
def act(appeal_id: int, action: str, db: DBSession, clock: ClockDep, actor: CurrentUser,
        payload: Annotated[dict[str, Any] | None, Body()] = None) -> s.AppealOut:
    return s.appeal_out(service.act(db, actor, clock, appeal_id, action, payload or {}))


@router.get("/appeals/actions", summary="各操作需要的字段")
def action_fields() -> dict[str, list[dict[str, Any]]]:
    from huiqi.appeals.state import PAYLOADS

    return {a.value: [{"name": f.name, "label": f.label, "kind": f.kind.value,
                       "required": f.required} for f in PAYLOADS[a]] for a in AppealAction}


@router.get("/appeals/{appeal_id:int}/duplicates", response_model=list[s.DuplicateOut],
            summary="疑似重复诉求")
def duplicate_list(appeal_id: int, db: DBSession, actor: CurrentUser) -> list[s.DuplicateOut]:
    return [s.DuplicateOut(**d.__dict__)
            for d in service.possible_duplicates(db, actor, appeal_id)]


@router.post("/appeals/{appeal_id:int}/merge", response_model=s.AppealOut,
             summary="将本诉求作为重复诉求合并到另一诉求（营商办）")
def merge(appeal_id: int, body: s.MergeIn, db: DBSession, clock: ClockDep, actor: CurrentUser
          ) -> s.AppealOut:
    return s.appeal_out(duplicates.merge(db, actor, clock, appeal_id, body.into_id, body.note))


@router.get("/appeals/{appeal_id:int}/dispatch-suggestion", summary="交办建议（常用部门与时限）")
def dispatch_suggestion(appeal_id: int, db: DBSession, clock: ClockDep, actor: CurrentUser
                        ) -> dict[str, Any]:
    return service.suggest_dispatch(db, actor, appeal_id, clock).__dict__


@router.post("/appeals/{appeal_id:int}/attachments", response_model=s.AttachmentOut,
             status_code=201, summary="上传附件", max_body_size=UPLOAD_BODY_LIMIT)
def upload(appeal_id: int, db: DBSession, idem: Idempotent,
           clock: ClockDep, actor: CurrentUser, request: Request,
           file: Annotated[UploadFile, File()]) -> s.AttachmentOut:
    row = attachments.add(db, actor, clock, settings_of(request), appeal_id,
                          file.filename or "", file.file)
    return s.AttachmentOut.model_validate(row)


@router.get("/appeals/{appeal_id:int}/attachments", response_model=list[s.AttachmentOut],
            summary="附件列表")
def attachment_list(appeal_id: int, db: DBSession, actor: CurrentUser
                    ) -> list[s.AttachmentOut]:
    return [s.AttachmentOut.model_validate(a)
            for a in attachments.list_for(db, actor, appeal_id)]


@router.get("/appeals/attachments/{attachment_id:int}", response_class=FileResponse,
            summary="下载附件")
def download(attachment_id: int, db: DBSession, actor: CurrentUser, request: Request
             ) -> FileResponse:
    row, path = attachments.open_file(db, actor, settings_of(request), attachment_id)
    return FileResponse(path, media_type=row.content_type, filename=row.original_filename,
                        headers={"X-Content-Type-Options": "nosniff"})
