"""The knowledge pages: search and ask (public), a clause with its document, the Q&A answer as an
htmx fragment (also on the 政策礼包), and for the office: ingest files and draft a policy file
from clauses (it opens in the policy editor; nothing is saved until the editor saves it)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import File, Form, Request, UploadFile
from starlette.responses import Response

from huiqi.auth.dependencies import CurrentUser, OfficeUser, OptionalUser
from huiqi.kit import web
from huiqi.kit.errors import ValidationFailed
from huiqi.kit.settings import get_settings
from huiqi.kit.web import ClockDep, DBSession, FormDep
from huiqi.knowledge import service
from huiqi.knowledge.repository import Filters
from huiqi.knowledge.search import mark
from huiqi.models.user import Role
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)

register_nav(NavItem("政策问答", "/knowledge", {Role.ENTERPRISE, Role.DEPARTMENT, Role.LIAISON,
                                              Role.OFFICE}, order=15,
                     description="检索政策原文条款，提问并查看出处", group="政策兑现"))
register_nav(NavItem("政策文件解析", "/knowledge/documents", {Role.OFFICE}, order=35,
                     description="导入政策原文，按条款起草政策规则", group="政策管理"))

Question = Annotated[str, Form(max_length=1000)]
MAX_UPLOAD_FILES = 20
_OUTCOME = {"new": "已导入：{title}（{n} 条）", "unchanged": "内容未变，已有：{title}",
            "new_version": "已导入新版本：{title}（{n} 条），旧版本标为已被替代"}


def _highlight(hit: service.Hit) -> str:
    """The clause with matched words in <mark> (escaped first: the text is untrusted)."""
    from markupsafe import escape

    marked = str(escape(mark(hit.text, hit.spans, "\x00", "\x01")))
    return marked.replace("\x00", "<mark>").replace("\x01", "</mark>")


@router.get("/knowledge")
def search_page(request: Request, db: DBSession, actor: OptionalUser, q: str = "",
                region: str = "", issuer: str = "", in_force: str = "") -> Response:
    error, hits = "", []
    day = None
    if in_force:
        try:
            day = date.fromisoformat(in_force)
        except ValueError:
            error = "日期格式应为 年-月-日，例如 2025-06-01。"
    if q.strip() and not error:
        hits = service.search(db, q.strip()[:200], filters=Filters(
            region=region or None, issuer=issuer or None, in_force_on=day), limit=20)
    return render(request, "knowledge/search.html", {
        "q": q, "region": region, "issuer": issuer, "in_force": in_force, "error": error,
        "hits": [(h, _highlight(h)) for h in hits], "searched": bool(q.strip())},
        status_code=422 if error else 200)


@router.post("/knowledge/ask")
def ask(request: Request, db: DBSession, clock: ClockDep, actor: OptionalUser,
        question: Question) -> Response:
    try:
        answer = service.ask(db, question, actor=actor, clock=clock)
    except ValidationFailed as err:
        return render(request, "knowledge/_answer.html", {
            "answer": None, "error": err.message, "question": question}, status_code=422)
    return render(request, "knowledge/_answer.html", {
        "answer": answer, "error": "", "question": question,
        "may_appeal": actor is not None and actor.role is Role.ENTERPRISE})


@router.post("/knowledge/ask/appeal")
def ask_appeal(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
               question: Question) -> Response:
    appeal_id = service.question_to_appeal(db, actor, clock, question)
    flash(request, f"已把问题转为诉求（编号 {appeal_id}），将由相关部门答复。")
    return redirect(request, f"/appeals/{appeal_id}")


@router.get("/knowledge/clauses/{clause_id}")
def clause_page(request: Request, db: DBSession, actor: OptionalUser, clause_id: int
                ) -> Response:
    found = service.clause(db, clause_id)
    doc, parts = service.document(db, found.document_id)
    return render(request, "knowledge/clause.html", {
        "clause": found, "doc": doc, "parts": parts})


@router.get("/knowledge/documents")
def documents_page(request: Request, db: DBSession, actor: OfficeUser) -> Response:
    return render(request, "knowledge/documents.html", {
        "documents": service.documents(db), "results": None})


@router.post("/knowledge/documents")
def ingest_upload(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                  files: Annotated[list[UploadFile], File()]) -> Response:
    """Each file in its own savepoint: a bad one is reported beside the good ones, kept."""
    results: list[tuple[str, str, bool]] = []
    policies_dir = get_settings().policies_dir
    for upload in files[:MAX_UPLOAD_FILES]:
        name = upload.filename or "未命名文件"
        data = upload.file.read(service.MAX_FILE_BYTES + 1)
        try:
            with db.begin_nested():
                done = service.ingest_bytes(db, actor, name, data, now=clock.now(),
                                            policies_dir=policies_dir)
            results.append((name, _OUTCOME[done.outcome].format(
                title=done.document.title, n=done.clause_count), True))
        except ValidationFailed as err:
            results.append((name, err.message, False))
    failed = any(not ok for _, _, ok in results)
    return render(request, "knowledge/documents.html", {
        "documents": service.documents(db), "results": results},
        status_code=422 if failed and not any(ok for *_, ok in results) else 200)


@router.get("/knowledge/documents/{document_id}")
def document_page(request: Request, db: DBSession, actor: OfficeUser, document_id: int
                  ) -> Response:
    doc, parts = service.document(db, document_id)
    return render(request, "knowledge/document.html", {"doc": doc, "parts": parts})


@router.post("/knowledge/documents/{document_id}/draft")
def draft(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser, form: FormDep,
          document_id: int) -> Response:
    """The drafted file opens in the policy editor (checked there; saved only by the editor)."""
    ids = [int(v) for v in form.getlist("clause") if isinstance(v, str) and v.isdigit()]
    if not ids:
        doc, parts = service.document(db, document_id)
        return render(request, "knowledge/document.html", {
            "doc": doc, "parts": parts, "error": "请至少勾选一个条款再起草。"}, status_code=422)
    drafted = service.draft_policy(db, actor, clock, document_id, ids)
    return render(request, "policies/editor.html", {
        "document": None, "source": drafted.source, "filename": drafted.filename,
        "check": None, "drafted": drafted})
