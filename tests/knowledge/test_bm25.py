"""The vectorised BM25 index against BM25 written out term by term: same clauses, same order,
same scores, with and without a filter (hypothesis over random corpora and queries)."""

from __future__ import annotations

import math
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from huiqi.knowledge.bm25 import K1, B, Index

WORDS = [f"词{i}" for i in range(25)]


def reference(docs: list[list[str]], keys: list[tuple[str, int]], query: list[str], k: int,
              allowed: set[int] | None) -> list[tuple[int, float]]:
    total = len(docs)
    average = (sum(map(len, docs)) / total) or 1.0
    df = Counter(t for d in docs for t in set(d))
    scores: dict[int, float] = {}
    for term in dict.fromkeys(query):
        if term not in df:
            continue
        idf = math.log(1 + (total - df[term] + 0.5) / (df[term] + 0.5))
        for n, d in enumerate(docs):
            tf = d.count(term)
            if tf and (allowed is None or n in allowed):
                norm = tf + K1 * (1 - B + B * len(d) / average)
                scores[n] = scores.get(n, 0.0) + idf * tf * (K1 + 1) / norm
    ranked = sorted(scores.items(), key=lambda e: (-round(e[1], 9), keys[e[0]]))
    return ranked[:k]


corpora = st.lists(st.lists(st.sampled_from(WORDS), max_size=10), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(docs=corpora, query=st.lists(st.sampled_from(WORDS), min_size=1, max_size=5),
       k=st.integers(1, 12), data=st.data())
def test_index_ranks_as_bm25_written_out(docs: list[list[str]], query: list[str], k: int,
                                         data: st.DataObject) -> None:
    keys = [(f"文件{n % 4}", n) for n in range(len(docs))]  # unique, as (title, seq) are
    allowed = data.draw(st.none() | st.sets(st.integers(0, len(docs) - 1)))
    got = Index.build(docs, keys).top(query, k, allowed)
    want = reference(docs, keys, query, k, allowed)
    assert [n for n, _ in got] == [n for n, _ in want]
    assert all(math.isclose(a, b, rel_tol=1e-12) for (_, a), (_, b) in zip(got, want,
                                                                          strict=True))
