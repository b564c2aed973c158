"""The in-memory engine: evaluates the rules IR over whole numpy columns at once.

Every value is a pair (values, nulls): numbers are int64 scaled integers (the IR's fixed-point
scale), so amounts are exact to the fen like the SQL engines and the reference evaluator. NULL
logic is Kleene's, the same as SQL. Used for bulk matching with data already in memory (Arrow).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pyarrow as pa

from huiqi.rules import Catalog, FieldType, Item
from huiqi.rules import _ir as ir

Col = tuple[np.ndarray, np.ndarray]  # (values, nulls)


def columns_from_arrow(table: pa.Table, catalog: Catalog) -> dict[str, Col]:
    """Canonical Arrow columns (numbers already scaled to integers) to numpy pairs."""
    out: dict[str, Col] = {}
    for spec in catalog:
        if spec.name not in table.column_names:
            continue
        arr = table.column(spec.name).combine_chunks()
        nulls = arr.is_null().to_numpy(zero_copy_only=False)
        t = spec.type
        if t is FieldType.BOOL:
            values = arr.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
        elif t.is_numeric:
            values = arr.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
        elif t is FieldType.DATE:
            values = arr.cast(pa.date32()).fill_null(0).to_numpy(zero_copy_only=False)
            values = values.astype("datetime64[D]")
        else:
            # Dictionary-encoded: comparisons become integer tests against the few codes that
            # match, instead of string operations on every row.
            encoded = arr.cast(pa.string()).dictionary_encode()
            values = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            out[spec.name] = (values.astype(np.int32), nulls)
            _DICTS[spec.name] = [str(v) for v in encoded.dictionary.to_pylist()]
            continue
        out[spec.name] = (values, nulls)
    return out


# text field name -> its dictionary (values of the indices) for the columns last loaded
_DICTS: dict[str, list[str]] = {}


def _codes(field: str, accept) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.array([i for i, v in enumerate(_DICTS.get(field, [])) if accept(v)], np.int32)


class _Eval:
    def __init__(self, cols: Mapping[str, Col], n: int) -> None:
        self.cols = cols
        self.n = n
        self.no_nulls = np.zeros(n, dtype=bool)

    def scaled(self, node: ir.Node, scale: int) -> Col:
        if node.type is ir.ValueType.TEXT:
            return self.text_values(node)
        values, nulls = self.eval(node)
        if node.type is ir.ValueType.NUMBER and scale > node.scale:
            values = values * (10 ** (scale - node.scale))
        return values, nulls

    def eval(self, node: ir.Node) -> Col:
        if isinstance(node, ir.Const):
            return self.const(node), self.no_nulls
        if isinstance(node, ir.FieldRef):
            if node.name in self.cols:
                return self.cols[node.name]
            return self.const(ir.Const(_zero(node.type), node.type, node.scale)), ~self.no_nulls
        if isinstance(node, ir.Arith):
            return self.arith(node)
        if isinstance(node, ir.Neg):
            v, m = self.eval(node.arg)
            return -v, m
        if isinstance(node, ir.Abs):
            v, m = self.eval(node.arg)
            return np.abs(v), m
        if isinstance(node, ir.Compare):
            return self.compare(node.op, node.left, node.right)
        if isinstance(node, ir.And | ir.Or):
            return self.kleene(node)
        if isinstance(node, ir.Not):
            v, m = self.eval(node.arg)
            return ~v, m
        if isinstance(node, ir.IsNull):
            _, m = self.eval(node.arg)
            return (~m if node.negated else m.copy()), self.no_nulls
        if isinstance(node, ir.InList) and self.is_text_field(node.arg):
            v, m = self.eval(node.arg)
            wanted = {str(c.value) for c in node.items}
            hit = np.isin(v, _codes(node.arg.name, wanted.__contains__))  # type: ignore[attr-defined]
            return (~hit if node.negated else hit), m
        if isinstance(node, ir.Like) and self.is_text_field(node.arg):
            v, m = self.eval(node.arg)
            pattern = node.pattern
            hit = np.isin(v, _codes(node.arg.name,  # type: ignore[attr-defined]
                                    lambda t: bool(_like(np.array([t]), pattern)[0])))
            return (~hit if node.negated else hit), m
        if isinstance(node, ir.InList):
            v, m = self.eval(node.arg)
            consts = [self.const_scalar(c, node.arg.scale) for c in node.items]
            hit = np.isin(v, np.array(consts, dtype=v.dtype))
            return (~hit if node.negated else hit), m
        if isinstance(node, ir.Between):
            lo = self.compare(">=", node.arg, node.low)
            hi = self.compare("<=", node.arg, node.high)
            return _and([lo, hi])
        if isinstance(node, ir.Like):
            v, m = self.eval(node.arg)
            hit = _like(v, node.pattern)
            return (~hit if node.negated else hit), m
        if isinstance(node, ir.Case):
            return self.case(node)
        if isinstance(node, ir.Extreme):
            parts = [self.scaled(a, node.scale) for a in node.args]
            fn = np.minimum if node.fn == "least" else np.maximum
            values = parts[0][0]
            nulls = parts[0][1]
            for v, m in parts[1:]:
                values = fn(values, v)
                nulls = nulls | m
            return values, nulls
        if isinstance(node, ir.Coalesce):
            parts = [self.scaled(a, node.scale) for a in node.args]
            values, nulls = parts[-1]
            for v, m in reversed(parts[:-1]):
                values = np.where(m, values, v)
                nulls = m & nulls
            return values, nulls
        raise TypeError(f"unsupported IR node {type(node).__name__}")

    def const(self, node: ir.Const) -> np.ndarray:
        return np.full(self.n, self.const_scalar(node, node.scale))

    @staticmethod
    def const_scalar(node: ir.Const, scale: int) -> object:
        v = node.value
        if isinstance(v, bool):
            return v
        if isinstance(v, Decimal):
            return int(v.scaleb(scale))
        if isinstance(v, date):
            return np.datetime64(v.isoformat(), "D")
        return str(v)

    def arith(self, node: ir.Arith) -> Col:
        if node.op == "*":
            (lv, lm), (rv, rm) = self.eval(node.left), self.eval(node.right)
            values = lv * rv
            extra = node.scale - node.left.scale - node.right.scale
            if extra > 0:
                values = values * (10**extra)
            return values, lm | rm
        (lv, lm), (rv, rm) = self.scaled(node.left, node.scale), self.scaled(node.right, node.scale)
        return (lv + rv if node.op == "+" else lv - rv), lm | rm

    def is_text_field(self, node: ir.Node) -> bool:
        return isinstance(node, ir.FieldRef) and node.type is ir.ValueType.TEXT \
            and node.name in self.cols

    def text_values(self, node: ir.Node) -> Col:
        """Decoded strings, for the rare comparison that is not field-versus-constant."""
        v, m = self.eval(node)
        if self.is_text_field(node):
            words = np.array([*_DICTS[node.name], ""], dtype=str)  # type: ignore[attr-defined]
            return words[v], m
        return v, m

    def compare(self, op: str, left: ir.Node, right: ir.Node) -> Col:
        if left.type is ir.ValueType.TEXT:
            if self.is_text_field(left) and isinstance(right, ir.Const) and op in ("=", "<>", "!="):
                v, m = self.eval(left)
                hit = np.isin(v, _codes(left.name, lambda t: t == right.value))  # type: ignore[attr-defined]
                return (hit if op == "=" else ~hit), m
            (lv, lm), (rv, rm) = self.text_values(left), self.text_values(right)
            return _COMPARE[op](lv, rv), lm | rm
        scale = max(left.scale, right.scale)
        (lv, lm), (rv, rm) = self.scaled(left, scale), self.scaled(right, scale)
        result = _COMPARE[op](lv, rv)
        return result, lm | rm

    def kleene(self, node: ir.And | ir.Or) -> Col:
        parts = [self.eval(a) for a in node.args]
        return _and(parts) if isinstance(node, ir.And) else _or(parts)

    def case(self, node: ir.Case) -> Col:
        values, nulls = self.scaled(node.default, node.scale)
        values, nulls = values.copy(), nulls.copy()
        for cond, branch in reversed(node.whens):
            cv, cm = self.eval(cond)
            taken = cv & ~cm
            bv, bm = self.scaled(branch, node.scale)
            values = np.where(taken, bv, values)
            nulls = np.where(taken, bm, nulls)
        return values, nulls


_COMPARE = {
    "=": np.equal, "<>": np.not_equal, "!=": np.not_equal,
    "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
}


def _zero(t: ir.ValueType) -> bool | Decimal | str | date:
    return {ir.ValueType.BOOL: False, ir.ValueType.NUMBER: Decimal(0),
            ir.ValueType.TEXT: "", ir.ValueType.DATE: date(1970, 1, 1)}[t]


def _and(parts: Sequence[Col]) -> Col:
    false = np.zeros_like(parts[0][0])
    null = np.zeros_like(parts[0][1])
    for v, m in parts:
        false |= ~v & ~m
        null |= m
    return ~false & ~null, null & ~false


def _or(parts: Sequence[Col]) -> Col:
    true = np.zeros_like(parts[0][0])
    null = np.zeros_like(parts[0][1])
    for v, m in parts:
        true |= v & ~m
        null |= m
    return true, null & ~true


def _like(values: np.ndarray, pattern: str) -> np.ndarray:
    body = pattern.rstrip("%")
    if "%" not in body and "_" not in body:
        if body == pattern:
            return np.asarray(values == body)
        return np.char.startswith(values.astype(str), body)
    regex = re.compile(
        "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
        + r"\Z", re.DOTALL)
    return np.fromiter((regex.match(v) is not None for v in values), bool, len(values))


@dataclass
class VectorResult:
    item_id: str
    eligible: np.ndarray  # int8: 1 true, 0 false, -1 unknown
    amount_fen: np.ndarray  # int64, valid where amount_known
    amount_known: np.ndarray
    failed_bits: np.ndarray | None = None  # bit i: criterion i is false
    missing_bits: np.ndarray | None = None  # bit j: item field j is missing


def evaluate_item(
    item: Item, cols: Mapping[str, Col], n: int, as_of: date, *, details: bool = False
) -> VectorResult:
    bound = item.bound_ir(as_of)
    ev = _Eval(cols, n)
    crit = [ev.eval(c.expr) for c in bound.criteria]
    ok, unknown = _and(crit) if crit else (np.ones(n, bool), np.zeros(n, bool))
    eligible = np.where(unknown, -1, ok.astype(np.int8)).astype(np.int8)
    fen, known = _amount(ev, bound, n)
    known = known & (eligible == 1)
    result = VectorResult(item.id, eligible, np.where(known, fen, 0), known)
    if details:
        result.failed_bits, result.missing_bits = _details(bound, crit, cols, eligible, known, n)
    return result


def _amount(ev: _Eval, bound: ir.ItemIR, n: int) -> Col:
    if bound.amount is None:
        return np.zeros(n, np.int64), np.zeros(n, bool)
    nodes = [bound.amount, *(node for _, node in bound.caps)]
    scale = max(node.scale for node in nodes)
    values, nulls = ev.scaled(nodes[0], scale)
    for node in nodes[1:]:
        v, m = ev.scaled(node, scale)
        values = np.minimum(values, v)
        nulls = nulls | m
    values = np.maximum(values, 0)
    if scale > 2:
        unit = 10 ** (scale - 2)
        values = (values + unit // 2) // unit
    elif scale < 2:
        values = values * 10 ** (2 - scale)
    return values, ~nulls


def _details(
    bound: ir.ItemIR, crit: Sequence[Col], cols: Mapping[str, Col],
    eligible: np.ndarray, known: np.ndarray, n: int,
) -> tuple[np.ndarray, np.ndarray]:
    failed = np.zeros(n, np.int64)
    missing = np.zeros(n, np.int64)
    field_bit = {name: j for j, name in enumerate(bound.fields)}
    for i, (c, (v, m)) in enumerate(zip(bound.criteria, crit, strict=True)):
        failed |= np.where(~v & ~m, np.int64(1) << i, 0)
        for name in c.fields:
            null = cols[name][1] if name in cols else np.ones(n, bool)
            missing |= np.where(m & null, np.int64(1) << field_bit[name], 0)
    for name in (*bound.amount_fields, *bound.cap_fields):
        null = cols[name][1] if name in cols else np.ones(n, bool)
        missing |= np.where((eligible == 1) & ~known & null, np.int64(1) << field_bit[name], 0)
    return failed, missing


def decode_bits(bits: int, names: Sequence[str]) -> str:
    return ";".join(name for i, name in enumerate(names) if bits >> i & 1)
