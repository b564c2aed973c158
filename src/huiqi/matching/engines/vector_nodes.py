"""How the in-memory engine (vector.py) evaluates each kind of IR node over a block of rows.

Each handler takes the block's evaluator `ev` (vector._Eval: `cond`, `value`, `scaled`, `text`,
`compare`, `field`, `n`) and a node; it returns a condition (definitely true, definitely false)
for BOOL nodes and a column (values, nulls or None) for the rest.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from huiqi.rules import ir

Arr = Any  # an ndarray, or a numpy scalar standing for a constant column
Col = tuple[Arr, Arr | None]  # (values, nulls or None when nothing is NULL)
Cond = tuple[Arr, Arr]  # (definitely true, definitely false)
Ev = Any  # vector._Eval; not imported, to keep the import one-way


def _cond(hit: Arr, nulls: Arr | None) -> Cond:
    if nulls is None:
        return hit, ~hit
    known = ~nulls
    t = hit & known
    return t, t ^ known


def _or_nulls(*masks: Arr | None) -> Arr | None:
    present = [m for m in masks if m is not None]
    if not present:
        return None
    out = present[0]
    for m in present[1:]:
        out = out | m
    return out


def _const_scalar(node: ir.Const, scale: int) -> Any:
    v = node.value
    if isinstance(v, bool):
        return np.bool_(v)
    if isinstance(v, Decimal):
        return np.int64(int(v.scaleb(scale)))
    if isinstance(v, date):
        return np.datetime64(v.isoformat(), "D")
    return np.str_(v)


def _zero(t: ir.ValueType) -> bool | Decimal | str | date:
    return {ir.ValueType.BOOL: False, ir.ValueType.NUMBER: Decimal(0),
            ir.ValueType.TEXT: "", ir.ValueType.DATE: date(1970, 1, 1)}[t]


_COMPARE = {
    "=": np.equal, "<>": np.not_equal, "!=": np.not_equal,
    "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
}


def _const(ev: Ev, node: ir.Const) -> Any:
    if node.type is ir.ValueType.BOOL:
        return np.bool_(node.value), np.bool_(not node.value)
    return _const_scalar(node, node.scale), None


def _arith(ev: Ev, node: ir.Arith) -> Col:
    if node.op == "*":
        (lv, lm), (rv, rm) = ev.value(node.left), ev.value(node.right)
        values = lv * rv
        extra = node.scale - node.left.scale - node.right.scale
        if extra > 0:
            values = values * (10**extra)
        return values, _or_nulls(lm, rm)
    (lv, lm), (rv, rm) = ev.scaled(node.left, node.scale), ev.scaled(node.right, node.scale)
    return (lv + rv if node.op == "+" else lv - rv), _or_nulls(lm, rm)


def _kleene(ev: Ev, node: ir.And | ir.Or) -> Cond:
    parts = [ev.cond(a) for a in node.args]
    if isinstance(node, ir.Or):  # OR is AND with true and false swapped
        parts = [(f, t) for t, f in parts]
    t, f = parts[0]
    for pt, pf in parts[1:]:
        t, f = t & pt, f | pf
    return (t, f) if isinstance(node, ir.And) else (f, t)


def _is_null(ev: Ev, node: ir.IsNull) -> Cond:
    if node.arg.type is ir.ValueType.BOOL:
        t, f = ev.cond(node.arg)
        null: Arr = ~(t | f)
    else:
        m = ev.value(node.arg)[1]
        null = np.zeros(ev.n, bool) if m is None else m
    return (~null, null) if node.negated else (null, ~null)


def _in_list(ev: Ev, node: ir.InList) -> Cond:
    if node.arg.type is ir.ValueType.TEXT:
        v, m = ev.text(node.arg)
        hit = np.isin(v, np.array([str(c.value) for c in node.items]))
    else:
        v, m = ev.value(node.arg)
        consts = [_const_scalar(c, node.arg.scale) for c in node.items]
        hit = v == consts[0]
        for c in consts[1:]:
            hit = hit | (v == c)
    return _cond(~hit if node.negated else hit, m)


def _like(ev: Ev, node: ir.Like) -> Cond:
    v, m = ev.text(node.arg)
    match = like_matcher(node.pattern)
    hit = np.fromiter((match(str(s)) for s in np.atleast_1d(v)), bool, np.size(v))
    return _cond(~hit if node.negated else hit, m)


def like_matcher(pattern: str) -> Any:
    """A predicate for SQL LIKE (no escape character, case-sensitive). Patterns without `_`
    are matched by their literal pieces (compiling a regular expression costs ~0.5 ms)."""
    if "_" in pattern:
        regex = re.compile("".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch)
                                   for ch in pattern) + r"\Z", re.DOTALL)
        return lambda s: regex.match(s) is not None
    if "%" not in pattern:
        return lambda s: s == pattern
    first, *middle, last = pattern.split("%")

    def match(s: str) -> bool:
        if not s.startswith(first) or len(s) < len(first) + len(last) or not s.endswith(last):
            return False
        at, end = len(first), len(s) - len(last)
        for piece in middle:
            found = s.find(piece, at, end)
            if found < 0:
                return False
            at = found + len(piece)
        return True

    return match


def _case(ev: Ev, node: ir.Case) -> Col:
    typed = node.type is not ir.ValueType.BOOL
    values, nulls = ev.scaled(node.default, node.scale) if typed else ev.value(node.default)
    nulls = np.zeros(ev.n, bool) if nulls is None else nulls
    for cond, branch in reversed(node.whens):
        taken, skipped = ev.cond(cond)
        bv, bm = ev.scaled(branch, node.scale) if typed else ev.value(branch)
        values = np.where(taken, bv, values)
        # an unknown condition makes the CASE unknown (it does not fall through to ELSE)
        nulls = np.where(taken, False if bm is None else bm, nulls | ~skipped)
    return values, nulls


def _as_cond(col: Col) -> Cond:
    v, m = col
    return _cond(v, m)


def _extreme(ev: Ev, node: ir.Extreme) -> Col:
    parts = [ev.scaled(a, node.scale) for a in node.args]
    fn = np.minimum if node.fn == "least" else np.maximum
    values = parts[0][0]
    for v, _m in parts[1:]:
        values = fn(values, v)
    return values, _or_nulls(*(m for _v, m in parts))


def _coalesce(ev: Ev, node: ir.Coalesce) -> Col:
    typed = node.type is not ir.ValueType.BOOL
    parts = [ev.scaled(a, node.scale) if typed else ev.value(a) for a in node.args]
    values, nulls = parts[-1]
    for v, m in reversed(parts[:-1]):
        if m is None:
            values, nulls = v, None
            continue
        values = np.where(m, values, v)
        nulls = None if nulls is None else m & nulls
    return values, nulls


def _bool_or_value(fn: Any) -> Any:
    def run(ev: Ev, node: ir.Node) -> Any:
        col = fn(ev, node)
        return _as_cond(col) if node.type is ir.ValueType.BOOL else col
    return run


def _neg(ev: Ev, node: ir.Neg) -> Col:
    v, m = ev.value(node.arg)
    return -v, m


def _abs(ev: Ev, node: ir.Abs) -> Col:
    v, m = ev.value(node.arg)
    return np.abs(v), m


def _not(ev: Ev, node: ir.Not) -> Cond:
    t, f = ev.cond(node.arg)
    return f, t


def _between(ev: Ev, node: ir.Between) -> Cond:
    lt, lf = ev.compare(">=", node.arg, node.low)
    ht, hf = ev.compare("<=", node.arg, node.high)
    return lt & ht, lf | hf


_HANDLERS: dict[type, Any] = {
    ir.Const: _const,
    ir.FieldRef: lambda ev, n: ev.field(n),
    ir.Arith: _arith,
    ir.Neg: _neg,
    ir.Abs: _abs,
    ir.Compare: lambda ev, n: ev.compare(n.op, n.left, n.right),
    ir.And: _kleene,
    ir.Or: _kleene,
    ir.Not: _not,
    ir.IsNull: _is_null,
    ir.InList: _in_list,
    ir.Between: _between,
    ir.Like: _like,
    ir.Case: _bool_or_value(_case),
    ir.Extreme: _extreme,
    ir.Coalesce: _bool_or_value(_coalesce),
}
