"""The policy library JSON API under /api/v1 (office only): list, get, check, upload, diff,
publish, withdraw."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import Request

from huiqi.auth.dependencies import OfficeUser
from huiqi.kit import web
from huiqi.kit.web import ClockDep, DBSession
from huiqi.models.policy import PolicyDocument, PolicyVersion
from huiqi.policies import diff, service
from huiqi.policies import schemas as s
from huiqi.policies.validation import CheckResult
from huiqi.policies.views import as_of
from huiqi.security.service import Idempotent

router = web.router(tags=["政策库"])


def _document(doc: PolicyDocument, versions: list[PolicyVersion]) -> s.DocumentOut:
    current = service.published(versions)
    return s.DocumentOut(id=doc.id, policy_id=doc.policy_id, title=doc.title,
                         published_version=current.number if current else None,
                         latest_version=versions[0].number if versions else None,
                         versions=len(versions))


def _check(result: CheckResult) -> s.CheckOut:
    doc = result.document
    return s.CheckOut(ok=result.ok, policy_id=doc.id if doc else None,
                      items=len(doc.items) if doc else 0,
                      problems=[s.ProblemOut(**asdict(p)) for p in result.problems],
                      tests=[s.TestOut(**asdict(t)) for t in result.tests])


@router.get("/policies", response_model=list[s.DocumentOut], summary="政策文件列表")
def documents(db: DBSession, actor: OfficeUser) -> list[s.DocumentOut]:
    return [_document(doc, versions) for doc, versions in service.documents(db)]


@router.get("/policies/{document_id}", response_model=s.DocumentDetailOut, summary="政策文件")
def document(db: DBSession, actor: OfficeUser, document_id: int) -> s.DocumentDetailOut:
    doc, versions = service.document(db, document_id)
    shown = service.published(versions) or versions[0]
    items = [s.ItemOut(id=i.id, title=i.title, department=i.department,
                       effective_from=i.starts, effective_to=i.ends, auto_grant=i.auto_grant,
                       budget_per_year=i.budget_per_year) for i in service.parsed(db, shown).items]
    return s.DocumentDetailOut(**_document(doc, versions).model_dump(), items=items,
                               history=[s.VersionOut.model_validate(v) for v in versions])


@router.get("/policies/{document_id}/versions/{number}", response_model=s.VersionSourceOut,
            summary="某一版本（含 YAML 原文）")
def version(db: DBSession, actor: OfficeUser, document_id: int,
            number: int) -> s.VersionSourceOut:
    return s.VersionSourceOut.model_validate(service.version(db, document_id, number))


@router.get("/policies/{document_id}/diff", response_model=s.DiffOut, summary="两个版本的差异")
def compare(db: DBSession, actor: OfficeUser, document_id: int, a: int, b: int) -> s.DiffOut:
    d = diff.compare(service.version(db, document_id, a), service.version(db, document_id, b))
    return s.DiffOut(old=a, new=b, added_items=d.added_items, removed_items=d.removed_items,
                     added_lines=d.added, removed_lines=d.removed, unified=d.unified())


@router.post("/policies/check", response_model=s.CheckOut, summary="校验政策文件（不保存）")
def check(body: s.SourceIn, db: DBSession, actor: OfficeUser) -> s.CheckOut:
    return _check(service.check(db, body.source, body.filename))


@router.post("/policies", response_model=s.VersionOut, status_code=201,
             summary="上传政策文件：新文件或已有文件的新版本（草稿）；有错误时 422，不保存")
def upload(body: s.SourceIn, db: DBSession, idem: Idempotent,
           clock: ClockDep, actor: OfficeUser) -> s.VersionOut:
    row = service.save(db, actor, clock, body.source, body.filename, note=body.note)
    return s.VersionOut.model_validate(row)


@router.post("/policies/{document_id}/versions/{number}/publish", response_model=s.PublishOut,
             summary="发布某一版本（取代已发布版本），重新匹配全部企业并通知新符合条件的企业")
def publish(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
            document_id: int, number: int) -> s.PublishOut:
    report = service.publish(db, actor, clock, document_id, number, as_of=as_of(request, clock))
    return s.PublishOut(version=s.VersionOut.model_validate(report.version),
                        superseded=report.superseded,
                        rematch=s.RematchOut(**asdict(report.rematch)), message=report.summary())


@router.post("/policies/{document_id}/withdraw", response_model=s.RematchOut,
             summary="撤回已发布版本：其事项停止匹配、不可申报")
def withdraw(request: Request, body: s.WithdrawIn, db: DBSession, clock: ClockDep,
             actor: OfficeUser, document_id: int) -> s.RematchOut:
    _, report = service.withdraw(db, actor, clock, document_id, as_of=as_of(request, clock),
                                 reason=body.reason)
    return s.RematchOut(**asdict(report))
