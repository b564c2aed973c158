"""Ingest: a file's text → cleaned document, metadata, clauses → rows (one version per content).

Idempotent by the hash of the cleaned text; a new version of the same document (same 文号, else
same title) is stored alongside and the old one is marked superseded, never deleted.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.errors import ValidationFailed
from huiqi.knowledge import clauses, cleaning, metadata, repository
from huiqi.knowledge.readers import RawText
from huiqi.knowledge.tokens import tokenize
from huiqi.models.knowledge import KnowledgeClause, KnowledgeDocument


@dataclass
class Ingested:
    document: KnowledgeDocument
    outcome: str  # new | unchanged | new_version
    clause_count: int
    superseded_id: int | None = None


@dataclass
class Prepared:
    meta: metadata.Metadata
    lines: list[str]
    parts: list[clauses.Clause]


def prepare(raw: RawText) -> Prepared:
    lines = cleaning.clean_lines(raw.text)
    if not lines:
        raise ValidationFailed("文件中没有可读取的正文。")
    meta = metadata.extract(lines, raw.front, raw.html_title)
    title_key = cleaning.simplify(meta.title)
    body = [line for line in lines
            if not metadata.is_meta_line(line) and cleaning.simplify(line) != title_key]
    return Prepared(meta, body, clauses.split(body))


def doc_key(meta: metadata.Metadata) -> str:
    if meta.doc_no:
        return meta.doc_no
    return re.sub(r"\s+", "", cleaning.simplify(meta.title))[:200]


def store(session: Session, actor: Actor, prepared: Prepared, *, source: str, kind: str,
          now: datetime, policy_id: str | None = None,
          links: dict[int, list[str]] | None = None) -> Ingested:
    original = "\n".join(prepared.lines)
    content_hash = hashlib.sha256(
        f"{prepared.meta.title}\n{original}".encode()).hexdigest()
    existing = repository.by_hash(session, content_hash)
    if existing is not None:
        return Ingested(existing, "unchanged", len(repository.clauses_of(session, existing.id)))
    meta, key = prepared.meta, doc_key(prepared.meta)
    document = KnowledgeDocument(
        content_hash=content_hash, doc_key=key, title=meta.title[:300], doc_no=meta.doc_no,
        issuer=meta.issuer, region=meta.region, issued_on=meta.issued_on,
        effective_from=meta.effective_from, effective_to=meta.effective_to,
        source=source[:500], source_kind=kind, original_text=original,
        simplified_text=cleaning.simplify(original), status="current", policy_id=policy_id,
        ingested_at=now)
    previous = repository.current_by_key(session, key)
    session.add(document)
    session.flush()
    for part in prepared.parts:
        simple = cleaning.simplify(part.text)
        indexed = f"{cleaning.simplify(part.heading)} {simple}" if part.heading else simple
        session.add(KnowledgeClause(
            document_id=document.id, seq=part.seq, number=part.number[:60],
            heading=part.heading[:200] if part.heading else None, text=part.text,
            simplified=simple, tokens=" ".join(tokenize(indexed)),
            item_ids=(links or {}).get(part.seq, [])))
    outcome = "new"
    if previous is not None:
        previous.status, previous.superseded_by_id, outcome = "superseded", document.id, \
            "new_version"
        audit.record(session, actor, "knowledge.supersede", previous,
                     before={"status": "current"}, after={"status": "superseded",
                                                           "superseded_by": document.id})
    session.flush()
    audit.record(session, actor, "knowledge.ingest", document,
                 after={"title": document.title, "source": document.source,
                        "hash": content_hash, "clauses": len(prepared.parts)})
    return Ingested(document, outcome, len(prepared.parts),
                    previous.id if previous is not None else None)
