"""Code sets of the numpy engine: runs of codes and table lookups give the same membership, for
every code width; the LIKE matcher agrees with a regular expression."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huiqi.matching.engines import vector_codes
from huiqi.matching.engines.vector import _sorted_codes
from huiqi.matching.engines.vector_codes import CodeSet, Lookup, code_dtype
from huiqi.matching.engines.vector_nodes import like_matcher


@settings(max_examples=200, deadline=None)
@given(member=st.lists(st.booleans(), min_size=1, max_size=60),
       codes=st.lists(st.integers(min_value=-1, max_value=58), max_size=50),
       width=st.sampled_from([np.int8, np.int16, np.int32, np.int64]),
       max_runs=st.sampled_from([0, 1, 4, 100]))
def test_code_sets_agree_with_membership(member: list[bool], codes: list[int], width: type,
                                         max_runs: int) -> None:
    table = np.array(member)  # NULL (-1) first
    index = np.array([c for c in codes if c < len(member) - 1], width)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(vector_codes, "MAX_RUNS", max_runs)
        got = CodeSet(table)(index)
    want = table[index.astype(np.intp) + 1]
    assert np.array_equal(np.broadcast_to(got, want.shape), want)


def test_code_sets_use_runs_or_their_complement() -> None:
    assert CodeSet(np.array([False, True, True, False, True])).runs == [(0, 2), (3, 4)]
    alternating = np.array([False, True] * 10)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(vector_codes, "MAX_RUNS", 2)
        assert CodeSet(alternating).runs is None  # ten runs either way: a table lookup
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(vector_codes, "MAX_RUNS", 3)
        mostly = CodeSet(np.array([True] * 5 + [False] + [True, False] * 2 + [True] * 5))
    assert mostly.negate and mostly.runs == [(4, 5), (6, 7), (8, 9)]


def test_wide_dictionaries_get_wider_codes() -> None:
    assert code_dtype(3) is np.int8 and code_dtype(100) is np.int16
    assert code_dtype(20_000) is np.int32
    words = [f"w{i:05d}" for i in range(300)][::-1]
    codes, sorted_words = _sorted_codes(pa.array([*words, None]))
    assert codes.dtype == np.int16 and sorted_words == sorted(words)
    assert [sorted_words[c] for c in codes[:-1]] == words and codes[-1] == -1


def test_value_lookups_take_null_from_the_table() -> None:
    lookup = Lookup(np.array([0, 10, 20]), np.array([True, False, False]), condition=False)
    values, nulls = lookup(np.array([1, -1, 0], np.int8))
    assert values.tolist() == [20, 0, 10] and nulls is not None
    assert nulls.tolist() == [False, True, False]


@settings(max_examples=300, deadline=None)
@given(pattern=st.text(alphabet="ab%_", max_size=6), text=st.text(alphabet="ab", max_size=6))
def test_like_matcher_agrees_with_a_regular_expression(pattern: str, text: str) -> None:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    assert like_matcher(pattern)(text) == (re.fullmatch(regex, text, re.DOTALL) is not None)
