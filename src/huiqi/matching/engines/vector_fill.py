"""One item over one row block of the in-memory engine (vector.py): eligibility, the amount on
the eligible rows only, and, with details, failed criteria and missing fields as bit sets."""

from __future__ import annotations

import mmap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from huiqi.matching.engines.vector_eval import Eval
from huiqi.matching.engines.vector_nodes import _or_nulls
from huiqi.rules import ir

if TYPE_CHECKING:
    from huiqi.matching.engines.vector import VectorResult

Arr = Any
Cond = tuple[Arr, Arr]


def _bits_dtype(count: int) -> type[np.unsignedinteger[Any]]:
    for dtype in (np.uint8, np.uint16, np.uint32):
        if count <= np.iinfo(dtype).bits:
            return dtype
    return np.uint64


def allocate(bound: ir.ItemIR, n: int, details: bool, widths: tuple[int, int]
             ) -> VectorResult:
    from huiqi.matching.engines.vector import VectorResult

    result = VectorResult(bound.item_id, zeros(n, np.int8), zeros(n, np.int64),
                          zeros(-(-n // 8), np.uint8))
    if details:
        result.failed_bits = zeros(n, _bits_dtype(widths[0]))
        result.missing_bits = zeros(n, _bits_dtype(widths[1]))
    return result


MMAP_MIN = 1 << 20  # bytes; smaller results come from numpy


def zeros(n: int, dtype: Any) -> np.ndarray:
    """Zeroed memory for a result array. Large ones are mapped straight from the kernel in
    4 KiB pages: numpy asks for transparent huge pages, and on a VM a fresh huge page can cost
    milliseconds (the bench's first run spent more time there than computing). Pages never
    written stay shared zero pages, so rows without an amount cost nothing."""
    size = n * np.dtype(dtype).itemsize
    if size < MMAP_MIN or not hasattr(mmap, "MAP_ANONYMOUS"):
        return np.zeros(n, dtype)
    buffer = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    return np.frombuffer(buffer, dtype, count=n)


def fill(ev: Eval, bound: ir.ItemIR, out: VectorResult, details: bool) -> None:
    lo, hi, n = ev.lo, ev.hi, ev.n
    crit = [ev.cond(c.expr) for c in bound.criteria]
    t: Arr = np.ones(n, bool)
    f: Arr = np.zeros(n, bool)
    for ct, cf in crit:
        t, f = t & ct, f | cf
    t, f = np.broadcast_to(t, n), np.broadcast_to(f, n)
    # 1 true, 0 false, -1 unknown from two disjoint flags: 2t + f - 1, in place (an int8
    # shift is five times slower than an add)
    e = out.eligible[lo:hi]
    np.add(t.view(np.int8), t.view(np.int8), out=e)
    e += f.view(np.int8)
    e -= 1
    known = _amount(ev, bound, t, out)
    if details:
        _details(ev, bound, crit, t, known, out)


def _amount(ev: Eval, bound: ir.ItemIR, t: Arr, out: VectorResult) -> Arr:
    """Write the block's amounts and validity bits where known (the arrays start zeroed);
    returns the rows with a known amount."""
    lo, hi = ev.lo, ev.hi
    fen = out.amount_fen[lo:hi]
    eligible = np.flatnonzero(t) if bound.amount is not None else np.empty(0, np.intp)
    if eligible.size == 0:
        return np.bool_(False)
    sub = Eval(ev.plan, lo, hi, rows=eligible + lo)
    values, known = _amount_values(sub, bound)
    values = np.broadcast_to(values, eligible.size)
    if known is None:
        fen[eligible] = values
        valid = t
    else:
        fen[eligible[known]] = values[known]
        valid = np.zeros(ev.n, bool)
        valid[eligible[known]] = True
    out.amount_valid[lo >> 3:(hi + 7) >> 3] = np.packbits(valid, bitorder="little")
    return valid


def _amount_values(ev: Eval, bound: ir.ItemIR) -> tuple[Arr, Arr | None]:
    """Fen (after caps, floored at 0, rounded half up) and where known (None: everywhere).
    A cap that is unknown leaves the amount known where the amount under the known caps is
    at most the cap's floor (docs/policy-format.md, "Unknown facts in amounts")."""
    assert bound.amount is not None
    floors = dict(bound.cap_floors)
    nodes = [bound.amount, *(node for _, node in bound.caps), *floors.values()]
    scale = max(node.scale for node in nodes)
    amount, am = ev.scaled(bound.amount, scale)
    values = amount
    nulls = am
    caps = [(name, *ev.scaled(node, scale)) for name, node in bound.caps]
    for _name, v, m in caps:  # the amount under the known caps
        values = np.minimum(values, v if m is None else np.where(m, values, v))
    for name, _v, m in caps:
        if m is None:
            continue
        if name not in floors:
            nulls = _or_nulls(nulls, m)
            continue
        fv, fm = ev.scaled(floors[name], scale)
        below = fv < values if fm is None else fm | (fv < values)
        nulls = _or_nulls(nulls, m & below)
    values = np.maximum(values, 0)
    q = 10 ** max(0, scale - 2) * bound.divisor
    if scale < 2:
        values = values * 10 ** (2 - scale)
    if q > 1:
        values = (2 * values + q) // (2 * q)
    return values, None if nulls is None else ~np.broadcast_to(nulls, ev.n)


def _details(ev: Eval, bound: ir.ItemIR, crit: Sequence[Cond], t: Arr, known: Arr,
             out: VectorResult) -> None:
    assert out.failed_bits is not None and out.missing_bits is not None
    lo, hi, n = ev.lo, ev.hi, ev.n
    _set_bits(out.failed_bits[lo:hi], [cf for _ct, cf in crit], n)
    unknown = [~(ct | cf) for ct, cf in crit]
    money = set(bound.amount_fields) | set(bound.cap_fields)
    no_amount = t & ~known if money and bound.amount is not None else None
    missing = []
    for name in bound.fields:
        null = _field_nulls(ev, name)
        why = None if null is None else _or_nulls(
            *(u for u, c in zip(unknown, bound.criteria, strict=True) if name in c.fields),
            no_amount if name in money else None)
        missing.append(None if why is None else why & null)
    _set_bits(out.missing_bits[lo:hi], missing, n)


def _set_bits(out: np.ndarray, flags: Sequence[Arr | None], n: int) -> None:
    """out (zeroed) = sum of flags[i] << i, a byte at a time by Horner's rule (acc + acc +
    flag): numpy's shifts of small integers are several times slower than its adds."""
    acc = np.empty(n, np.uint8)
    for start in range(0, len(flags), 8):
        acc[:] = 0
        for flag in reversed(flags[start:start + 8]):
            acc += acc
            if flag is not None:
                acc += np.broadcast_to(flag, n).view(np.uint8)
        if start == 0:
            out[:] = acc
        else:
            out += acc.astype(out.dtype) * out.dtype.type(1 << start)


def _field_nulls(ev: Eval, name: str) -> Arr | None:
    col = ev.column(name)
    return np.ones(ev.n, bool) if col is None else col[1]
