"""Okapi BM25 over pre-tokenised clauses, in Python: the same rows give the same scores and the
same order whichever database they were read from (ties broken by document title and clause)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

K1, B = 1.5, 0.75


@dataclass
class Index:
    keys: list[tuple[str, int]]  # (document title, clause seq): the tie-break
    lengths: list[int]
    postings: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # term → (doc, tf)
    idf: dict[str, float] = field(default_factory=dict)
    average: float = 1.0

    @classmethod
    def build(cls, docs: Sequence[Sequence[str]], keys: list[tuple[str, int]]) -> Index:
        index = cls(keys, [len(d) for d in docs])
        for n, tokens in enumerate(docs):
            for term, tf in Counter(tokens).items():
                index.postings.setdefault(term, []).append((n, tf))
        total = len(docs)
        index.average = (sum(index.lengths) / total) if total else 1.0
        index.idf = {term: math.log(1 + (total - len(p) + 0.5) / (len(p) + 0.5))
                     for term, p in index.postings.items()}
        return index

    def scores(self, query: Iterable[str], allowed: set[int] | None = None) -> dict[int, float]:
        out: dict[int, float] = {}
        for term in dict.fromkeys(query):  # each distinct term once, in order
            idf = self.idf.get(term)
            if idf is None:
                continue
            for doc, tf in self.postings[term]:
                if allowed is not None and doc not in allowed:
                    continue
                norm = tf + K1 * (1 - B + B * self.lengths[doc] / self.average)
                out[doc] = out.get(doc, 0.0) + idf * tf * (K1 + 1) / norm
        return out

    def top(self, query: Sequence[str], k: int, allowed: set[int] | None = None
            ) -> list[tuple[int, float]]:
        scored = self.scores(query, allowed)
        ranked = sorted(scored.items(), key=lambda e: (-round(e[1], 9), self.keys[e[0]]))
        return ranked[:k]

    def coverage(self, query: Sequence[str], tokens: Sequence[str]) -> float:
        """Share of the query's IDF mass the clause contains: how much of the question it meets."""
        terms = list(dict.fromkeys(query))
        unseen = math.log(1 + len(self.lengths) + 0.5)  # a word the corpus never uses weighs most
        total = sum(self.idf.get(t, unseen) for t in terms)
        present = set(tokens)
        hit = sum(self.idf.get(t, 0.0) for t in terms if t in present)
        return hit / total if total else 0.0
