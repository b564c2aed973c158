"""Sub-expressions over one text field, applied to a block of dictionary codes (vector.py).

Such a node is evaluated once per dictionary value (`Plan.table`); a block then only maps codes
to results. A condition becomes "code in a set", and since dictionaries are sorted, the sets a
policy uses (equality, IN lists, prefixes: LIKE 'C%', sections of the industry code) are a few
runs of consecutive codes: two small-integer operations per run, several times cheaper than a
table lookup (numpy's take costs about 1 ns a row).
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_RUNS = 4  # beyond this many runs (of the set or of its complement), a table lookup is cheaper
Arr = Any


def code_dtype(size: int) -> type[np.signedinteger[Any]]:
    """The narrowest codes for a dictionary of `size` words, with room for -1 (NULL) and for
    the differences `CodeSet` takes."""
    for dtype in (np.int8, np.int16, np.int32):
        if size < np.iinfo(dtype).max // 2:
            return dtype
    return np.int64


class CodeSet:
    """Membership of codes in a set given as a bool per code, NULL (-1) first: `member[c + 1]`."""

    def __init__(self, member: np.ndarray) -> None:
        self.member = member
        self.negate = False
        runs = _runs(member)
        if member.all():  # the complement is empty
            runs, self.negate = [], True
        elif len(runs) > MAX_RUNS:
            others = _runs(~member)
            if len(others) < len(runs):
                runs, self.negate = others, True
        self.runs = runs if len(runs) <= MAX_RUNS else None
        # for lookups: NULL as the last entry, so code -1 indexes it
        self.table = np.roll(member, -1)

    def __call__(self, codes: np.ndarray) -> Arr:
        if self.runs is None:
            return self.table.take(codes.astype(np.intp, copy=False))
        if not self.runs:
            return np.bool_(self.negate)
        hit: Arr = None
        for lo, hi in self.runs:
            if hi - lo == 1:
                part = codes == codes.dtype.type(lo)
            else:
                # lo <= c < hi as one unsigned comparison: c - lo wraps below 0
                shifted = np.subtract(codes, codes.dtype.type(lo))
                unsigned = shifted.view(np.dtype(shifted.dtype.str.replace("i", "u")))
                part = unsigned < unsigned.dtype.type(hi - lo)
            hit = part if hit is None else hit | part
        return ~hit if self.negate else hit


def _runs(member: np.ndarray) -> list[tuple[int, int]]:
    """Runs [lo, hi) of codes (NULL is -1) whose entry is true."""
    edges = np.flatnonzero(np.diff(np.r_[False, member, False].astype(np.int8)))
    return [(int(a) - 1, int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


class Lookup:
    """A node's results for each code (tables with NULL first): a condition's (true, false)
    code sets, or a value column and where it is NULL."""

    def __init__(self, first: np.ndarray, second: np.ndarray, condition: bool) -> None:
        self.condition = condition
        if condition:
            self.true = CodeSet(first)
            # false is "not true" when every code (NULL included) gives true or false
            self.false = None if (first ^ second).all() else CodeSet(second)
        else:
            self.values = np.roll(first, -1)
            self.nulls = np.roll(second, -1) if second.any() else None

    def __call__(self, codes: np.ndarray) -> tuple[Arr, Arr]:
        if self.condition:
            t = self.true(codes)
            return t, ~t if self.false is None else self.false(codes)
        index = codes.astype(np.intp, copy=False)
        return self.values.take(index), None if self.nulls is None else self.nulls.take(index)
