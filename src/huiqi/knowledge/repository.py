"""All SQL of the knowledge domain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huiqi.models.application import Application
from huiqi.models.knowledge import KnowledgeClause, KnowledgeDocument


def by_hash(session: Session, content_hash: str) -> KnowledgeDocument | None:
    return session.scalars(select(KnowledgeDocument).where(
        KnowledgeDocument.content_hash == content_hash)).first()


def current_by_key(session: Session, doc_key: str) -> KnowledgeDocument | None:
    return session.scalars(select(KnowledgeDocument).where(
        KnowledgeDocument.doc_key == doc_key, KnowledgeDocument.status == "current")
        .order_by(KnowledgeDocument.id.desc())).first()


def document(session: Session, document_id: int) -> KnowledgeDocument | None:
    return session.get(KnowledgeDocument, document_id)


def documents(session: Session) -> Sequence[KnowledgeDocument]:
    return session.scalars(select(KnowledgeDocument).order_by(KnowledgeDocument.id)).all()


def documents_with_counts(session: Session) -> list[tuple[KnowledgeDocument, int]]:
    """Every document (newest first) with its number of clauses."""
    counts = (select(KnowledgeClause.document_id, func.count().label("n"))
              .group_by(KnowledgeClause.document_id).subquery())
    rows = session.execute(
        select(KnowledgeDocument, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.document_id == KnowledgeDocument.id)
        .order_by(KnowledgeDocument.id.desc())).all()
    return [(d, int(n)) for d, n in rows]


def clauses_of(session: Session, document_id: int) -> Sequence[KnowledgeClause]:
    return session.scalars(select(KnowledgeClause).where(
        KnowledgeClause.document_id == document_id).order_by(KnowledgeClause.seq)).all()


@dataclass(frozen=True)
class Filters:
    region: str | None = None
    issuer: str | None = None
    in_force_on: date | None = None  # only documents in force that day
    issued_from: date | None = None
    issued_to: date | None = None
    include_superseded: bool = False


def clause_rows(session: Session, filters: Filters) -> list[Any]:
    """Every searchable clause with its document's citation fields, in a stable order."""
    d, c = KnowledgeDocument, KnowledgeClause
    query = (select(c.id, c.document_id, c.seq, c.number, c.heading, c.text, c.simplified,
                    c.tokens, c.item_ids, d.title, d.doc_no, d.issuer, d.region, d.source,
                    d.issued_on)
             .join(d, d.id == c.document_id).order_by(c.document_id, c.seq))
    if not filters.include_superseded:
        query = query.where(d.status == "current")
    if filters.region:
        query = query.where(d.region == filters.region)
    if filters.issuer:
        query = query.where(d.issuer.contains(filters.issuer))
    if filters.issued_from:
        query = query.where(d.issued_on >= filters.issued_from)
    if filters.issued_to:
        query = query.where(d.issued_on <= filters.issued_to)
    if filters.in_force_on:
        day = filters.in_force_on
        query = query.where((d.effective_from.is_(None)) | (d.effective_from <= day),
                            (d.effective_to.is_(None)) | (d.effective_to >= day))
    return list(session.execute(query).all())


def index_stamp(session: Session) -> tuple[object, ...]:
    """Changes whenever the searchable set does: the search index's cache key. Documents and
    clauses are only ever added (a new version supersedes the old one in the same ingest, which
    adds its clauses), so the newest ids say it; two primary-key lookups, where counting the
    clauses scanned the whole table (50 ms at 250,000 clauses) on every search."""
    from sqlalchemy import func

    row = session.execute(select(
        select(func.max(KnowledgeClause.id)).scalar_subquery(),
        select(func.max(KnowledgeDocument.id)).scalar_subquery())).one()
    return tuple(row)


def clause_with_document(session: Session, clause_id: int
                         ) -> tuple[KnowledgeClause, KnowledgeDocument] | None:
    row = session.execute(select(KnowledgeClause, KnowledgeDocument).join(
        KnowledgeDocument, KnowledgeDocument.id == KnowledgeClause.document_id).where(
        KnowledgeClause.id == clause_id)).first()
    return (row[0], row[1]) if row else None


def applied_item_ids(session: Session, visible: Any, uscc: str, closed: Sequence[str]
                     ) -> set[str]:
    """Of the applications `visible` selects (grants.visible_applications), the items the
    enterprise applied for whose application is not in a `closed` status."""
    query = visible.where(Application.enterprise_uscc == uscc, Application.status.not_in(closed))
    return {str(a.item_id) for a in session.scalars(query)}
