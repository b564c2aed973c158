"""The policy library: save versions, publish, withdraw; what other domains and the pages call.

Rules (docs/policies.md):
- A version is saved (as a draft) only if it is fully valid: it loads without a problem, every
  test case in it passes, its item ids are not used by another published document and its
  exclusions name known items. Nothing invalid is ever stored, so any stored version can be
  published; the browser's "检查" shows the problems without saving.
- The file's `policy.id` decides the document: a known id adds a version, a new id a document.
- Publishing a version supersedes the document's published version; withdrawing takes the
  document's items out of matching and applying. Both re-match every enterprise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.db import engine_scoped
from huiqi.kit.errors import Conflict, NotFound, ValidationFailed
from huiqi.kit.oncommit import on_commit
from huiqi.kit.settings import get_settings
from huiqi.models.policy import PolicyDocument, PolicyVersion
from huiqi.policies import repository as repo
from huiqi.policies import validation
from huiqi.policies.items import (
    FileItemSource,
    InForce,
    ItemSource,
    ItemVersion,
    ItemWithdrawn,
    PolicyItems,
    VersionMissing,
    VersionNote,
    covers,
)
from huiqi.policies.library import LibraryItemSource
from huiqi.policies.rematch import RematchReport, rematch
from huiqi.policies.validation import CheckResult, check_source, load_source
from huiqi.registry.service import load_catalog
from huiqi.rules import Item, PolicyError, load_policy_files
from huiqi.rules import PolicyDocument as PolicyDocumentRules

DRAFT, PUBLISHED, SUPERSEDED, WITHDRAWN = "draft", "published", "superseded", "withdrawn"
STATUS_LABELS = {DRAFT: "草稿", PUBLISHED: "已发布", SUPERSEDED: "已被新版本取代",
                 WITHDRAWN: "已撤回"}
MAX_SOURCE_BYTES = validation.MAX_SOURCE_BYTES
__all__ = ["FileItemSource", "InForce", "ItemSource", "ItemVersion", "ItemWithdrawn",
           "PolicyItems", "VersionMissing", "VersionNote", "covers"]


class PolicyRejected(ValidationFailed):
    """A policy file with problems; `.result` holds them, for inline display."""

    def __init__(self, message: str, result: CheckResult) -> None:
        super().__init__(message, details={
            "problems": [asdict(p) for p in result.problems],
            "failed_tests": [asdict(t) for t in result.failed_tests]})
        self.result = result


@dataclass(frozen=True)
class PublishReport:
    version: PolicyVersion
    superseded: int | None  # number of the version it replaced
    rematch: RematchReport

    def summary(self) -> str:
        return (f"已发布第 {self.version.number} 版" +
                (f"（取代第 {self.superseded} 版）" if self.superseded else "") +
                f"。{rematch_summary(self.rematch)}")


def rematch_summary(r: RematchReport) -> str:
    return (f"已重新匹配 {r.enterprises} 家企业（{r.items} 个现行有效事项，用时 "
            f"{r.seconds:.1f} 秒），新符合条件的企业 {r.newly_eligible} 家，"
            f"已通知 {r.notified} 个企业账号。")


# -- the items of this database ----------------------------------------------------------------

def items(session: Session | Engine) -> PolicyItems:
    """The policy items of the session's database: its published library (the policy files of
    `policies_dir` while the library has never held a version)."""
    bind = session if isinstance(session, Engine) else session.get_bind()
    return engine_scoped(bind, "policies.items", lambda: _library(get_settings().policies_dir))


def attach(engine: Engine, policies_dir: Path) -> PolicyItems:
    """The engine's items for an app or CLI run, with `policies_dir` as the fallback files
    (an explicit `use_items` choice is kept)."""
    return engine_scoped(engine, "policies.items", lambda: _library(policies_dir))


def use_items(engine: Engine, source: ItemSource) -> PolicyItems:
    """Serve `source` (policy files, in tests and checks) as this database's items."""
    found = attach(engine, get_settings().policies_dir)
    found.use(source)
    return found


def _library(policies_dir: Path) -> PolicyItems:
    return PolicyItems(LibraryItemSource(FileItemSource([policies_dir])))


def warm(session: Session) -> int:
    """Read and parse the published items now (at start-up), so that no user's first request
    pays for it (200 items: ~2 s of CPU). The number of items."""
    return len(items(session).all(session))


def published_items(session: Session) -> tuple[ItemVersion, ...]:
    """Every item offered now, whatever its dates."""
    return items(session).all(session)


def in_force(session: Session, as_of: date, region: str | None = None) -> InForce:
    """Items in force on `as_of` (of policies covering `region`), with the items' revision."""
    return items(session).in_force(session, as_of, region)


def get_item(session: Session, item_id: str) -> ItemVersion:
    """The published item in force (NotFound, or ItemWithdrawn with what happened to it)."""
    return items(session).get_item(session, item_id)


def find_item(session: Session, item_id: str) -> ItemVersion | None:
    return items(session).get(session, item_id)


def get_applied(session: Session, item_id: str, version: str) -> ItemVersion:
    """The exact version an application was made under (VersionMissing if gone)."""
    return items(session).get_applied(session, item_id, version)


def version_note(session: Session, item_id: str, version: str) -> VersionNote:
    return items(session).version_note(session, item_id, version)


def _changed(session: Session) -> None:
    """The published set changes with this transaction: a new revision once it commits."""
    found = items(session)
    on_commit(session, lambda _engine: found.bump())


def library_items(session: Session) -> list[Item]:
    """The library's published items (never the fallback files): what publishing re-matches."""
    source = items(session).source
    if isinstance(source, LibraryItemSource):
        return [iv.item for iv in source.published(session)]
    return [iv.item for iv in source.all(session)]


# -- reading ----------------------------------------------------------------------------------

def documents(session: Session) -> list[tuple[PolicyDocument, list[PolicyVersion]]]:
    versions: dict[int, list[PolicyVersion]] = {}
    for v in repo.all_versions(session):
        versions.setdefault(v.document_id, []).append(v)
    return [(d, versions.get(d.id, [])) for d in repo.documents(session)]


def document(session: Session, document_id: int) -> tuple[PolicyDocument, list[PolicyVersion]]:
    doc = repo.document(session, document_id)
    if doc is None:
        raise NotFound("政策文件不存在。")
    return doc, repo.versions(session, document_id)


def version(session: Session, document_id: int, number: int) -> PolicyVersion:
    found = repo.version(session, document_id, number)
    if found is None:
        raise NotFound("该版本不存在。")
    return found


def published(versions: Iterable[PolicyVersion]) -> PolicyVersion | None:
    return next((v for v in versions if v.status == PUBLISHED), None)


def parsed(session: Session, row: PolicyVersion) -> PolicyDocumentRules:
    """The version's policy document as the rules engine reads it (items, dates, budgets)."""
    source = items(session).source
    if isinstance(source, LibraryItemSource):
        return source.parse(row.sha256, row.filename, row.source)
    return load_source(row.source, row.filename, load_catalog())


def library_is_empty(session: Session) -> bool:
    return not repo.has_versions(session)


# -- checking and saving ----------------------------------------------------------------------

def check(session: Session, source: str, filename: str, *, document_id: int | None = None,
          others: dict[str, str] | None = None) -> CheckResult:
    """Everything that would stop this text from being saved, without saving anything.
    `others`: items of files being imported with this one (item id → policy id)."""
    source = _normalise(source)
    library = {**repo.published_item_map(session), **(others or {})}
    doc = repo.document(session, document_id) if document_id is not None else None
    return check_source(source, filename, load_catalog(), published_items=library,
                        expected_id=doc.policy_id if doc is not None else None)


def save(session: Session, actor: Actor, clock: Clock, source: str, filename: str, *,
         document_id: int | None = None, note: str = "",
         others: dict[str, str] | None = None) -> PolicyVersion:
    """Store a valid file as a new draft version (of a new or existing document)."""
    source = _normalise(source)
    result = check(session, source, filename, document_id=document_id, others=others)
    if not result.ok:
        raise PolicyRejected(_rejection(result, "未保存"), result)
    assert result.document is not None
    doc = _document_for(session, actor, clock, result.document.id, result.document.title)
    latest = next(iter(repo.versions(session, doc.id)), None)
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    if latest is not None and latest.sha256 == digest:
        raise Conflict(f"内容与第 {latest.number} 版完全相同，未保存新版本。")
    row = PolicyVersion(
        document_id=doc.id, number=repo.next_number(session, doc.id), status=DRAFT,
        filename=result.filename, source=source, sha256=digest, title=result.document.title,
        item_ids=[i.id for i in result.document.items], note=note.strip()[:500],
        created_at=clock.now(), created_by=actor.username)
    session.add(row)
    doc.title = result.document.title
    session.flush()
    audit.record(session, actor, "policy.upload", row, after={
        "policy_id": doc.policy_id, **audit.snapshot(row, "number", "status", "filename",
                                                     "sha256", "item_ids")})
    return row


def _normalise(source: str) -> str:
    """One line ending (the browser's textarea sends CRLF), no BOM: the sha256 is stable."""
    return source.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _document_for(session: Session, actor: Actor, clock: Clock, policy_id: str,
                  title: str) -> PolicyDocument:
    doc = repo.document_by_policy_id(session, policy_id)
    if doc is not None:
        return repo.document(session, doc.id, lock=True) or doc
    doc = PolicyDocument(policy_id=policy_id, title=title, created_at=clock.now(),
                         created_by=actor.username)
    session.add(doc)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"政策文件“{policy_id}”正由他人同时上传，请刷新后重试。") from None
    return doc


def _rejection(result: CheckResult, what: str) -> str:
    problems, failed = len(result.problems), len(result.failed_tests)
    parts = [f"{problems} 处错误"] if problems else []
    parts += [f"{failed} 个测试用例未通过"] if failed else []
    return f"政策文件有{'、'.join(parts)}，{what}。"


# -- publish and withdraw ---------------------------------------------------------------------

def publish(session: Session, actor: Actor, clock: Clock, document_id: int, number: int, *,
            as_of: date) -> PublishReport:
    superseded = _publish(session, actor, clock, document_id, number)
    report = rematch(session, library_items(session), as_of)
    return PublishReport(version(session, document_id, number), superseded, report)


def _publish(session: Session, actor: Actor, clock: Clock, document_id: int, number: int,
             *, others: dict[str, str] | None = None) -> int | None:
    doc = repo.document(session, document_id, lock=True)
    row = repo.version(session, document_id, number) if doc else None
    if doc is None or row is None:
        raise NotFound("该版本不存在。")
    if row.status == PUBLISHED:
        raise Conflict(f"第 {number} 版已经发布。")
    library = {**repo.published_item_map(session), **(others or {})}
    result = check_source(row.source, row.filename, load_catalog(), published_items=library)
    if not result.ok:  # the catalog or the library changed since it was saved
        raise PolicyRejected(_rejection(result, f"第 {number} 版不能发布"), result)
    before = row.status
    _changed(session)
    current = published(repo.versions(session, document_id))
    if current is not None:
        current.status = SUPERSEDED
        repo.unindex_version(session, current.id)
        session.flush()
        repo.forget_results(session, sorted(set(current.item_ids) - set(row.item_ids)))
    row.status, row.published_at, row.published_by = PUBLISHED, clock.now(), actor.username
    row.withdrawn_at = row.withdrawn_by = None
    try:
        with session.begin_nested():
            repo.index_items(session, row.id, row.item_ids)
    except IntegrityError:
        raise Conflict("事项编号与刚刚发布的其他政策文件冲突，请刷新后重试。") from None
    audit.record(session, actor, "policy.publish", row, before={"status": before}, after={
        "policy_id": doc.policy_id, "superseded": current.number if current else None,
        **audit.snapshot(row, "number", "status", "sha256", "item_ids")})
    return current.number if current else None


def withdraw(session: Session, actor: Actor, clock: Clock, document_id: int, *,
             as_of: date, reason: str = "") -> tuple[PolicyVersion, RematchReport]:
    """Withdraw the document's published version: its items stop matching and applying."""
    doc = repo.document(session, document_id, lock=True)
    if doc is None:
        raise NotFound("政策文件不存在。")
    row = published(repo.versions(session, document_id))
    if row is None:
        raise Conflict("该政策文件没有已发布的版本，无需撤回。")
    _changed(session)
    row.status, row.withdrawn_at, row.withdrawn_by = WITHDRAWN, clock.now(), actor.username
    repo.unindex_version(session, row.id)
    session.flush()
    repo.forget_results(session, row.item_ids)
    audit.record(session, actor, "policy.withdraw", row, before={"status": PUBLISHED}, after={
        "policy_id": doc.policy_id, "reason": reason.strip()[:500],
        **audit.snapshot(row, "number", "status", "item_ids")})
    return row, rematch(session, library_items(session), as_of)


# -- import (the demo, `huiqi policy import`) -------------------------------------------------

def import_files(session: Session, actor: Actor, clock: Clock, paths: Iterable[str | Path], *,
                 as_of: date, publish_all: bool = True) -> tuple[int, RematchReport | None]:
    """Save (and publish) every policy file under `paths` whose text is not already the latest
    version; the files are checked as one set, so exclusions between them hold. Idempotent:
    returns how many files were saved or published, and the re-match (None if nothing changed).
    """
    try:
        policy_set = load_policy_files(list(paths), load_catalog())
    except PolicyError as err:  # nothing stored
        raise ValidationFailed(f"政策文件有 {len(err.problems)} 处错误，未导入。", details={
            "problems": [str(p) for p in err.problems]}) from None
    set_items = {i.id: d.id for d in policy_set for i in d.items}
    changed = 0
    for doc in policy_set.documents:
        others = {i: p for i, p in set_items.items() if p != doc.id}
        source = _normalise(Path(doc.path).read_text(encoding="utf-8"))
        digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
        existing = repo.document_by_policy_id(session, doc.id)
        latest = next(iter(repo.versions(session, existing.id)), None) if existing else None
        if latest is not None and latest.sha256 == digest:
            if latest.status == PUBLISHED or not publish_all:
                continue
            row = latest
        else:
            row = save(session, actor, clock, source, Path(doc.path).name, others=others)
        if publish_all:
            _publish(session, actor, clock, row.document_id, row.number, others=others)
        changed += 1
    if not changed or not publish_all:
        return changed, None
    return changed, rematch(session, library_items(session), as_of)
