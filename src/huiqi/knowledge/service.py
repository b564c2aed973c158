"""The knowledge domain's service: ingest files and the policy corpus, search, ask.

Other domains call this module, never the repository or the tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import HuiqiError, NotFound, ValidationFailed
from huiqi.knowledge import corpus, llm, readers
from huiqi.knowledge.answer import Answer, extractive
from huiqi.knowledge.drafting import Draft
from huiqi.knowledge.ingest import Ingested, prepare, store
from huiqi.knowledge.schemas import ClauseOut
from huiqi.knowledge.search import Hit, search

MAX_FILE_BYTES = readers.MAX_BYTES

__all__ = [
    "MAX_FILE_BYTES",
    "Answer",
    "Failed",
    "Hit",
    "Ingested",
    "ask",
    "expand",
    "ingest_bytes",
    "ingest_paths",
    "ingest_policies",
    "search",
]


@dataclass
class Failed:
    source: str
    message: str


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and every supported file under a folder (sorted, so runs are stable)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*")
                          if p.is_file() and p.suffix.lower() in readers.SUFFIXES)
        else:
            out.append(path)
    return out


def ingest_bytes(session: Session, actor: Actor, name: str, data: bytes, *, now: datetime,
                 source: str | None = None, policies_dir: Path | None = None) -> Ingested:
    raw = readers.read_bytes(name, data)
    prepared = prepare(raw)
    files = corpus.policy_files(policies_dir) if policies_dir else []
    return store(session, actor, prepared, source=source or name, kind=raw.kind, now=now,
                 links=corpus.item_links(name, prepared, files))


def ingest_paths(session: Session, actor: Actor, paths: Iterable[Path], *, now: datetime,
                 policies_dir: Path | None = None) -> list[Ingested | Failed]:
    """Each file in its own savepoint: a bad file is reported, the good ones are kept."""
    results: list[Ingested | Failed] = []
    files = corpus.policy_files(policies_dir) if policies_dir else []
    for path in expand(paths):
        try:
            with session.begin_nested():
                raw = readers.read_path(path)
                prepared = prepare(raw)
                results.append(store(session, actor, prepared, source=str(path), kind=raw.kind,
                                     now=now, links=corpus.item_links(path.name, prepared, files)))
        except (HuiqiError, OSError) as exc:
            results.append(Failed(str(path), str(exc)))
    return results


def ingest_policies(session: Session, actor: Actor, policies_dir: Path, *, now: datetime
                    ) -> list[Ingested]:
    """The encoded policy documents as a demo corpus, each clause linked to its item."""
    out = []
    for file in corpus.policy_files(policies_dir):
        prepared, links = corpus.prepare_policy(file)
        source = str(file.policy.get("source") or file.path.name)
        out.append(store(session, actor, prepared, source=f"{file.path.name}：{source}",
                         kind="policy", now=now, policy_id=str(file.policy.get("id")),
                         links=links))
    return out


def ask(session: Session, question: str, *, uscc: str | None = None,
        actor: Actor | None = None, clock: Clock | None = None,
        llm_config: llm.Config | None = None) -> Answer:
    """An extractive answer citing its clauses, or 不知道 (answer.answered is False). For an
    enterprise (an enterprise actor, or the office with `uscc`), the items behind the retrieved
    clauses are answered from its 政策礼包 as well."""
    answer = extractive(session, question)
    config = llm_config or llm.Config.from_env()
    if config is not None and answer.answered:  # 不知道 stays 不知道: no model is asked
        answer = llm.generate(config, answer)
    if actor is not None and (uscc or actor.enterprise_uscc):
        from huiqi.knowledge import eligibility

        try:
            answer.eligibility, answer.item_ids = eligibility.lines(
                session, actor, clock or Clock(), uscc, answer.retrieved)
        except NotFound:
            if uscc is not None:  # someone else's enterprise: as if it did not exist
                raise
            # An account whose own enterprise is not in the registry yet: the public answer.
    return answer


def question_to_appeal(session: Session, actor: Actor, clock: Clock, question: str,
                       category: str | None = None) -> int:
    """An unanswered question becomes an appeal (诉求), through the appeals service (its checks,
    deadlines and audit)."""
    from huiqi.appeals import service as appeals
    from huiqi.knowledge.answer import check_question

    question = check_question(question)
    if category is None:
        found = appeals.list_categories(session)
        if not found:
            raise ValidationFailed("尚未设置诉求类别，请联系营商办。")
        category = next((c.code for c in found if "政策" in c.name), found[0].code)
    appeal = appeals.submit(session, actor, clock, appeals.AppealIn(
        category=category, title=f"政策咨询：{question}"[:100],
        description=f"在政策知识库提问未找到答案：{question}"))
    return appeal.id


def clause(session: Session, clause_id: int) -> ClauseOut:
    from huiqi.knowledge import repository

    found = repository.clause_with_document(session, clause_id)
    if found is None:
        raise NotFound("条款不存在。")
    part, doc = found
    return ClauseOut(clause_id=part.id, document_id=doc.id, citation=f"{doc.title} § {part.number}",
                     number=part.number, heading=part.heading, text=part.text,
                     document_title=doc.title, doc_no=doc.doc_no, issuer=doc.issuer,
                     source=doc.source, status=doc.status, item_ids=list(part.item_ids or []))


def documents(session: Session) -> list[DocumentRow]:
    """Every ingested document, newest first, with its clause count (for the office's list)."""
    from huiqi.knowledge import repository

    return [DocumentRow(d.id, d.title, d.doc_no, d.issuer, d.region, d.source_kind, d.status,
                        d.ingested_at, n) for d, n in repository.documents_with_counts(session)]


def document(session: Session, document_id: int) -> tuple[DocumentRow, list[ClauseOut]]:
    from huiqi.knowledge import repository

    doc = repository.document(session, document_id)
    if doc is None:
        raise NotFound("政策文件不存在。")
    parts = repository.clauses_of(session, document_id)
    row = DocumentRow(doc.id, doc.title, doc.doc_no, doc.issuer, doc.region, doc.source_kind,
                      doc.status, doc.ingested_at, len(parts))
    return row, [ClauseOut(clause_id=p.id, document_id=doc.id,
                           citation=f"{doc.title} § {p.number}", number=p.number,
                           heading=p.heading, text=p.text, document_title=doc.title,
                           doc_no=doc.doc_no, issuer=doc.issuer, source=doc.source,
                           status=doc.status, item_ids=list(p.item_ids or []))
                 for p in parts]


@dataclass(frozen=True)
class DocumentRow:
    id: int
    title: str
    doc_no: str | None
    issuer: str | None
    region: str | None
    kind: str
    status: str
    ingested_at: datetime
    clauses: int


@dataclass(frozen=True)
class PolicyDraft:
    document_id: int
    clause_ids: list[int]
    draft: Draft
    source: str  # the policy file (YAML) for the editor
    filename: str
    rules: int  # elements written as rules
    pending: int  # elements left as TODO comments


def draft_policy(session: Session, actor: Actor, clock: Clock, document_id: int,
                 clause_ids: Iterable[int]) -> PolicyDraft:
    """A policy file drafted from clauses of an ingested document (政策文件解析): the rules the
    words state, each with its words; the rest as TODOs. Never saved or published here: the
    editor opens it, and `huiqi policy check` applies on save. Audited (who drafted from what)."""
    from huiqi import audit
    from huiqi.knowledge import repository
    from huiqi.knowledge.draft_yaml import Meta, pending, render
    from huiqi.knowledge.drafting import draft
    from huiqi.registry.service import load_catalog

    doc = repository.document(session, document_id)
    if doc is None:
        raise NotFound("政策文件不存在。")
    wanted = set(clause_ids)
    parts = [p for p in repository.clauses_of(session, document_id) if p.id in wanted]
    if not parts:
        raise ValidationFailed("请至少选择一个条款再起草。")
    text = "\n".join(p.simplified for p in parts)
    found = draft(text, load_catalog())
    slug = f"draft.doc{doc.id}-{parts[0].seq}"
    cited = f"{doc.title} § " + "、".join(p.number for p in parts) + f"（{doc.source}）"
    source = render(found, Meta(slug, doc.title, cited, doc.doc_no, doc.issuer, doc.region,
                                doc.effective_from or doc.issued_on, doc.effective_to),
                    item_title=parts[0].heading or None, today=clock.today_local())
    left = len(pending(found))
    audit.record(session, actor, "knowledge.draft", ("knowledge_document", doc.id), after={
        "clauses": [p.number for p in parts], "rules": len(found.elements) - left,
        "todos": left})
    return PolicyDraft(doc.id, [p.id for p in parts], found, source, f"{slug}.yaml",
                       len(found.elements) - left, left)
