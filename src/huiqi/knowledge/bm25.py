"""Okapi BM25 over pre-tokenised clauses: the same rows give the same scores and the same order
whichever database they were read from (ties broken by document title and clause).

Each (term, clause) weight is fixed once the corpus is (idf × the saturated, length-normalised
term frequency), so the index stores it per posting as numpy arrays and a query is a few vector
additions: 250,000 clauses answer in milliseconds where a Python loop over the postings of a
common word ("企业") took a second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

K1, B = 1.5, 0.75


@dataclass
class Index:
    keys: list[tuple[str, int]]  # (document title, clause seq): the tie-break
    lengths: list[int]
    # term → (clause numbers, their weights), clause numbers ascending
    postings: dict[str, tuple[NDArray[np.int64], NDArray[np.float64]]] = field(
        default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    average: float = 1.0
    rank: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @classmethod
    def build(cls, docs: Sequence[Sequence[str]], keys: list[tuple[str, int]]) -> Index:
        total = len(docs)
        index = cls(keys, [len(d) for d in docs])
        order = sorted(range(total), key=keys.__getitem__)
        index.rank = np.empty(total, dtype=np.int64)
        index.rank[order] = np.arange(total)
        if not total:
            return index
        vocab: dict[str, int] = {}
        terms = np.fromiter((vocab.setdefault(t, len(vocab)) for d in docs for t in d),
                            dtype=np.int64)
        clause = np.repeat(np.arange(total, dtype=np.int64), index.lengths)
        pairs, tf = np.unique(terms * total + clause, return_counts=True)
        term_of, clause_of = pairs // total, pairs % total
        bounds = np.searchsorted(term_of, np.arange(len(vocab) + 1))
        df = np.diff(bounds).astype(np.float64)
        idf = np.log(1 + (total - df + 0.5) / (df + 0.5))
        lengths = np.asarray(index.lengths, dtype=np.float64)
        index.average = float(lengths.mean()) or 1.0
        norm = tf + K1 * (1 - B + B * lengths[clause_of] / index.average)
        weight = idf[term_of] * tf * (K1 + 1) / norm
        for term, n in vocab.items():
            part = slice(bounds[n], bounds[n + 1])
            index.postings[term] = (clause_of[part], weight[part])
        index.idf = dict(zip(vocab, idf.tolist(), strict=True))
        return index

    def scores(self, query: Sequence[str], allowed: set[int] | None = None
               ) -> NDArray[np.float64]:
        """Each clause's score (0 where no query term occurs or the clause is not allowed)."""
        out = np.zeros(len(self.lengths), dtype=np.float64)
        for term in dict.fromkeys(query):  # each distinct term once, in order
            found = self.postings.get(term)
            if found is not None:
                out[found[0]] += found[1]
        if allowed is not None:
            mask = np.zeros(len(out), dtype=bool)
            mask[list(allowed)] = True
            out[~mask] = 0.0
        return out

    def top(self, query: Sequence[str], k: int, allowed: set[int] | None = None
            ) -> list[tuple[int, float]]:
        scored = self.scores(query, allowed)
        hit = np.flatnonzero(scored > 0)
        if not len(hit):
            return []
        rounded = np.round(scored[hit], 9)
        if len(hit) > k:  # the k best, and every clause tied with the k-th (for the tie-break)
            kth = np.partition(rounded, len(hit) - k)[len(hit) - k]
            keep = rounded >= kth
            hit, rounded = hit[keep], rounded[keep]
        ranked = sorted(zip(hit.tolist(), rounded.tolist(), strict=True),
                        key=lambda e: (-e[1], int(self.rank[e[0]])))
        return [(n, float(scored[n])) for n, _ in ranked[:k]]

    def coverage(self, query: Sequence[str], tokens: Sequence[str]) -> float:
        """Share of the query's IDF mass the clause contains: how much of the question it meets."""
        terms = list(dict.fromkeys(query))
        unseen = math.log(1 + len(self.lengths) + 0.5)  # a word the corpus never uses weighs most
        total = sum(self.idf.get(t, unseen) for t in terms)
        present = set(tokens)
        hit = sum(self.idf.get(t, 0.0) for t in terms if t in present)
        return hit / total if total else 0.0
