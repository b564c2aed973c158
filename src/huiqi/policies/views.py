"""Policy library pages for the office (营商办): list, upload, editor with a live check, document
with items and versions, version text, diff, publish and withdraw."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import File, Form, Request, UploadFile
from starlette.responses import PlainTextResponse, Response

from huiqi.auth.dependencies import OfficeUser
from huiqi.kit import web
from huiqi.kit.clock import Clock
from huiqi.kit.web import ClockDep, DBSession
from huiqi.models.user import Role
from huiqi.policies import diff, service
from huiqi.policies.validation import CheckResult, decode_upload, safe_filename
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
register_nav(NavItem("政策库", "/policies", {Role.OFFICE}, order=30,
                     description="上传、在线编辑、校验和发布政策文件；版本与差异；撤回",
                     group="政策管理"))
Source = Annotated[str, Form(max_length=600_000)]
Short = Annotated[str, Form(max_length=500)]


def as_of(request: Request, clock: Clock) -> date:
    """The date policies are matched as of: HUIQI_AS_OF when pinned, else today (Beijing)."""
    return request.app.state.settings.as_of or clock.today_local()


@router.get("/policies")
def library(request: Request, db: DBSession, actor: OfficeUser) -> Response:
    return render(request, "policies/list.html", {
        "documents": service.documents(db), "empty": service.library_is_empty(db),
        "labels": service.STATUS_LABELS, "published": service.published})


@router.get("/policies/new")
def new(request: Request, actor: OfficeUser) -> Response:
    return render(request, "policies/new.html", {"check": None})


@router.post("/policies/upload")
def upload(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
           file: Annotated[UploadFile, File()], note: Short = "") -> Response:
    data = file.file.read(service.MAX_SOURCE_BYTES + 1)  # in the thread: may be on disk
    filename = safe_filename(file.filename)
    source = decode_upload(data, filename)
    try:
        row = service.save(db, actor, clock, source, filename, note=note)
    except service.PolicyRejected as err:
        return render(request, "policies/new.html", {"check": err.result, "error": err.message},
                      status_code=422)
    flash(request, f"已保存为第 {row.number} 版草稿，校验通过。检查无误后即可发布。")
    return redirect(request, f"/policies/{row.document_id}")


@router.get("/policies/editor")
def editor_new(request: Request, actor: OfficeUser) -> Response:
    return render(request, "policies/editor.html", {
        "document": None, "source": "", "filename": "new-policy.yaml", "check": None})


@router.get("/policies/{document_id}/edit")
def editor(request: Request, db: DBSession, actor: OfficeUser, document_id: int,
           base: int | None = None) -> Response:
    doc, versions = service.document(db, document_id)
    start = service.version(db, document_id, base) if base else versions[0]
    return render(request, "policies/editor.html", {
        "document": doc, "source": start.source, "filename": start.filename, "base": start,
        "check": None})


@router.post("/policies/check")
def check(request: Request, db: DBSession, actor: OfficeUser, source: Source,
          filename: Short = "policy.yaml", document_id: Annotated[int | None, Form()] = None
          ) -> Response:
    """htmx: validate and run the file's test cases; saves nothing."""
    result = service.check(db, source, filename, document_id=document_id)
    return render(request, "policies/_check.html", {"check": result, "checked": True})


@router.post("/policies/versions")
def save(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser, source: Source,
         filename: Short = "policy.yaml", note: Short = "",
         document_id: Annotated[int | None, Form()] = None,
         publish: Annotated[str, Form()] = "") -> Response:
    """The editor's 保存为草稿 / 保存并发布."""
    try:
        row = service.save(db, actor, clock, source, filename, document_id=document_id,
                           note=note)
    except service.PolicyRejected as err:
        doc = service.document(db, document_id)[0] if document_id else None
        return render(request, "policies/editor.html", {
            "document": doc, "source": source, "filename": filename, "note": note,
            "check": err.result, "error": err.message}, status_code=422)
    if publish:
        report = service.publish(db, actor, clock, row.document_id, row.number,
                                 as_of=as_of(request, clock))
        flash(request, report.summary())
    else:
        flash(request, f"已保存为第 {row.number} 版草稿。")
    return redirect(request, f"/policies/{row.document_id}")


@router.get("/policies/{document_id}")
def document(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
             document_id: int) -> Response:
    doc, versions = service.document(db, document_id)
    current = service.published(versions)
    shown = current or versions[0]
    return render(request, "policies/document.html", {
        "document": doc, "versions": versions, "current": current, "shown": shown,
        "policy": service.parsed(db, shown), "labels": service.STATUS_LABELS,
        "as_of": as_of(request, clock)})


@router.get("/policies/{document_id}/versions/{number}")
def version(request: Request, db: DBSession, actor: OfficeUser, document_id: int,
            number: int) -> Response:
    doc, versions = service.document(db, document_id)
    row = service.version(db, document_id, number)
    return render(request, "policies/version.html", {
        "document": doc, "row": row, "versions": versions, "labels": service.STATUS_LABELS,
        "lines": CheckResult(row.filename, row.source, None).lines()})


@router.get("/policies/{document_id}/versions/{number}/source")
def source(db: DBSession, actor: OfficeUser, document_id: int, number: int) -> Response:
    row = service.version(db, document_id, number)
    return PlainTextResponse(row.source, media_type="text/yaml; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="v{row.number}-{_ascii(row.filename)}"'})


def _ascii(name: str) -> str:
    return "".join(c for c in name if c.isascii() and c not in '"\\') or "policy.yaml"


@router.get("/policies/{document_id}/diff")
def compare(request: Request, db: DBSession, actor: OfficeUser, document_id: int,
            a: int | None = None, b: int | None = None) -> Response:
    doc, versions = service.document(db, document_id)
    newer = service.version(db, document_id, b) if b else versions[0]
    older = service.version(db, document_id, a) if a else next(
        (v for v in versions if v.number < newer.number), newer)
    return render(request, "policies/diff.html", {
        "document": doc, "versions": versions, "diff": diff.compare(older, newer)})


@router.post("/policies/{document_id}/versions/{number}/publish")
def publish(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
            document_id: int, number: int) -> Response:
    report = service.publish(db, actor, clock, document_id, number, as_of=as_of(request, clock))
    flash(request, report.summary())
    return redirect(request, f"/policies/{document_id}")


@router.post("/policies/{document_id}/withdraw")
def withdraw(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
             document_id: int, reason: Short = "") -> Response:
    row, report = service.withdraw(db, actor, clock, document_id, as_of=as_of(request, clock),
                                   reason=reason)
    flash(request, f"已撤回第 {row.number} 版，其事项不再匹配、不可申报。"
                   f"{service.rematch_summary(report)}")
    return redirect(request, f"/policies/{document_id}")


@router.post("/policies/import")
def import_directory(request: Request, db: DBSession, clock: ClockDep,
                     actor: OfficeUser) -> Response:
    """Import and publish the policy files of the server's policies directory (idempotent)."""
    changed, report = service.import_files(db, actor, clock,
                                           [request.app.state.settings.policies_dir],
                                           as_of=as_of(request, clock))
    flash(request, f"已导入并发布 {changed} 个政策文件。" +
          (service.rematch_summary(report) if report else "政策库已是最新。"))
    return redirect(request, "/policies")
