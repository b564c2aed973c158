"""Search: BM25 over the clauses of the current documents, with filters and highlights.

The index is built from the rows in memory and kept per database until a clause or a
document's status changes (`repository.index_stamp`); filters narrow the allowed clauses.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from huiqi.kit.db import engine_scoped
from huiqi.kit.errors import ValidationFailed
from huiqi.knowledge import repository
from huiqi.knowledge.bm25 import Index
from huiqi.knowledge.repository import Filters
from huiqi.knowledge.tokens import tokenize, words


@dataclass
class Hit:
    clause_id: int
    document_id: int
    title: str
    number: str
    heading: str | None
    text: str  # as written
    simplified: str
    highlighted: str  # the text with 【】 around matched words
    spans: list[tuple[int, int]]  # matched character ranges of `text`
    score: float
    coverage: float
    source: str
    doc_no: str | None
    issuer: str | None
    region: str | None
    item_ids: list[str]

    @property
    def citation(self) -> str:
        return f"{self.title} § {self.number}"


@dataclass
class _Cached:
    stamp: tuple[object, ...]
    index: Index
    rows: list[Any]
    tokens: list[list[str]]


class _Slot:
    """The engine's index (kit.db.engine_scoped): one per database, never shared."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cached: _Cached | None = None


def _index(session: Session) -> _Cached:
    slot = engine_scoped(session.get_bind(), "knowledge.index", _Slot)
    stamp = repository.index_stamp(session)
    with slot.lock:
        cached = slot.cached
        if cached is not None and cached.stamp == stamp:
            return cached
    rows = repository.clause_rows(session, Filters())
    tokens = [str(r.tokens).split() for r in rows]
    built = _Cached(stamp, Index.build(tokens, [(str(r.title), int(r.seq)) for r in rows]), rows,
                    tokens)
    with slot.lock:
        slot.cached = built
    return built


def _allowed(session: Session, cached: _Cached, filters: Filters) -> set[int] | None:
    if filters == Filters():
        return None
    ids = {r.id for r in repository.clause_rows(session, filters)}
    return {n for n, r in enumerate(cached.rows) if r.id in ids}


def spans(text: str, simplified: str, terms: list[str]) -> list[tuple[int, int]]:
    """Where the query's words occur; found in the simplified text and mapped onto the text as
    written when OpenCC kept the length (繁→简 is character for character almost always)."""
    if len(text) != len(simplified):
        return []
    found: list[tuple[int, int]] = []
    for term in sorted(set(terms), key=len, reverse=True):
        for match in re.finditer(re.escape(term), simplified.lower()):
            span = match.span()
            if not any(a < span[1] and span[0] < b for a, b in found):
                found.append(span)
    return sorted(found)


def mark(text: str, ranges: list[tuple[int, int]], before: str = "【", after: str = "】") -> str:
    out, last = [], 0
    for start, end in ranges:
        out += [text[last:start], before, text[start:end], after]
        last = end
    return "".join([*out, text[last:]])


def search(session: Session, query: str, *, filters: Filters | None = None, limit: int = 10
           ) -> list[Hit]:
    query = query.strip()
    if not query:
        raise ValidationFailed("请输入要检索的内容。")
    if len(query) > 500:
        raise ValidationFailed("检索内容过长（最多 500 字）。")
    terms, own = tokenize(query), words(query)
    cached = _index(session)
    allowed = _allowed(session, cached, filters or Filters())
    hits = []
    for n, score in cached.index.top(terms, limit, allowed):
        row = cached.rows[n]
        ranges = spans(row.text, row.simplified, terms)
        hits.append(Hit(
            clause_id=row.id, document_id=row.document_id, title=row.title, number=row.number,
            heading=row.heading, text=row.text, simplified=row.simplified,
            highlighted=mark(row.text, ranges), spans=ranges, score=round(score, 6),
            coverage=round(cached.index.coverage(own, cached.tokens[n]), 6),
            source=row.source, doc_no=row.doc_no, issuer=row.issuer, region=row.region,
            item_ids=list(row.item_ids or [])))
    return hits
