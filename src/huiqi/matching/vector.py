"""The in-memory engine: evaluates the rules IR over whole numpy columns at once.

Numbers are int64 scaled integers (the IR's fixed-point scale), so amounts are exact to the fen
like the SQL engines and the reference evaluator. NULL logic is Kleene's, the same as SQL.

Why it is fast:
- conditions are pairs (definitely true, definitely false) of bool arrays: AND/OR are one
  operation per argument each, NOT is free, and "unknown" is neither;
- text columns are dictionary codes; any sub-expression over a single text field is evaluated
  once over the dictionary (a few dozen values) and gathered by code;
- identical sub-expressions of all items (region checks, size classes, loan amounts) are
  computed once per row block;
- rows are processed in cache-sized blocks, by as many threads as there are cores (numpy
  releases the GIL).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa

from huiqi.matching.vector_nodes import _COMPARE, _HANDLERS, _cond, _const_scalar, _or_nulls, _zero
from huiqi.rules import Catalog, FieldType, Item
from huiqi.rules import _ir as ir

Arr = Any  # an ndarray, or a numpy scalar standing for a constant column
Col = tuple[Arr, Arr | None]  # (values, nulls or None when nothing is NULL)
Cond = tuple[Arr, Arr]  # (definitely true, definitely false)
BLOCK = 1 << 16


class Columns(dict[str, Col]):
    """Columns by field name; text columns are int32 codes into `dictionaries` (-1 is NULL)."""

    def __init__(self) -> None:
        super().__init__()
        self.dictionaries: dict[str, list[str]] = {}


def columns_from_arrow(table: pa.Table, catalog: Catalog) -> Columns:
    """Canonical Arrow columns (numbers already scaled to integers) to numpy pairs."""
    out = Columns()
    for spec in catalog:
        if spec.name not in table.column_names:
            continue
        arr = table.column(spec.name).combine_chunks()
        nulls = arr.is_null().to_numpy(zero_copy_only=False) if arr.null_count else None
        t = spec.type
        if t is FieldType.BOOL:
            values = arr.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
        elif t.is_numeric:
            values = arr.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
        elif t is FieldType.DATE:
            values = arr.cast(pa.date32()).fill_null(0).to_numpy(zero_copy_only=False)
            values = values.astype("datetime64[D]")
        else:
            encoded = arr.cast(pa.string()).dictionary_encode()
            values = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            values = values.astype(np.int32)
            out.dictionaries[spec.name] = [str(v) for v in encoded.dictionary.to_pylist()]
        out[spec.name] = (values, nulls)
    return out


@dataclass
class VectorResult:
    item_id: str
    eligible: np.ndarray  # int8: 1 true, 0 false, -1 unknown
    amount_fen: np.ndarray  # int64, meaningful only where amount_known
    amount_known: np.ndarray
    failed_bits: np.ndarray | None = None  # bit i: criterion i is false
    missing_bits: np.ndarray | None = None  # bit j: item field j (bound_ir.fields) is missing


def evaluate_item(
    item: Item, cols: Columns, n: int, as_of: date, *, details: bool = False
) -> VectorResult:
    return evaluate_items([item], cols, n, as_of, details=details)[0]


def evaluate_items(
    items: Sequence[Item], cols: Columns, n: int, as_of: date, *, details: bool = False,
    threads: int | None = None, block: int = BLOCK,
) -> list[VectorResult]:
    """Every item over every row; shared sub-expressions are computed once per row block."""
    canon = _Canon()
    plan = _Plan([_intern_item(i.bound_ir(as_of), canon) for i in items], cols)
    # one bit width for all items, so their results stack into one table
    widths = (max((len(b.criteria) for b in plan.items), default=1),
              max((len(b.fields) for b in plan.items), default=1))
    results = [_allocate(b, n, details, widths) for b in plan.items]
    blocks = [(lo, min(n, lo + block)) for lo in range(0, n, block)]
    workers = max(1, min(threads or os.cpu_count() or 1, len(blocks)))

    def run(rows: tuple[int, int]) -> None:
        ev = _Eval(plan, rows[0], rows[1])
        for bound, result in zip(plan.items, results, strict=True):
            _fill(ev, bound, result, slice(*rows), details)

    if workers == 1:
        for block in blocks:
            run(block)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, blocks))
    return results


def results_table(results: Sequence[VectorResult]) -> pa.Table:
    """The results as one Arrow table (item, eligible, amount_fen[, failed, missing]), one
    chunk per item, sharing the result arrays (no copy)."""
    names = pa.array([r.item_id for r in results], pa.string())
    batches = []
    for k, r in enumerate(results):
        n = len(r.eligible)
        validity = pa.py_buffer(np.packbits(r.amount_known, bitorder="little"))
        columns = {
            "item": pa.DictionaryArray.from_arrays(np.full(n, k, np.int32), names),
            "eligible": pa.array(r.eligible),
            "amount_fen": pa.Array.from_buffers(pa.int64(), n,
                                                [validity, pa.py_buffer(r.amount_fen)]),
        }
        if r.failed_bits is not None and r.missing_bits is not None:
            columns["failed"] = pa.array(r.failed_bits)
            columns["missing"] = pa.array(r.missing_bits)
        batches.append(pa.record_batch(columns))
    return pa.Table.from_batches(batches)


def decode_bits(bits: int, names: Sequence[str]) -> str:
    return ";".join(name for i, name in enumerate(names) if bits >> i & 1)


# -- planning: one canonical node per distinct sub-expression --------------------------------

class _Canon(dict[ir.Node, ir.Node]):
    def one(self, node: ir.Node) -> ir.Node:
        return self.setdefault(node, node)


def _intern_item(bound: ir.ItemIR, canon: _Canon) -> ir.ItemIR:
    def intern(node: ir.Node) -> ir.Node:
        return ir.transform(node, canon.one)

    return ir.ItemIR(
        item_id=bound.item_id,
        criteria=tuple(ir.CriterionIR(c.name, intern(c.expr), c.fields) for c in bound.criteria),
        amount=None if bound.amount is None else intern(bound.amount),
        amount_fields=bound.amount_fields,
        caps=tuple((name, intern(node)) for name, node in bound.caps),
        cap_fields=bound.cap_fields, fields=bound.fields, as_of=bound.as_of)


class _Plan:
    """Items with canonical nodes, which nodes are shared, and dictionary lookup tables."""

    def __init__(self, items: list[ir.ItemIR], cols: Columns) -> None:
        self.items = items
        self.cols = cols
        uses: dict[int, int] = {}
        self.fields: dict[int, frozenset[str]] = {}
        for b in items:
            roots = [c.expr for c in b.criteria] + [n for _, n in b.caps]
            for root in roots + ([b.amount] if b.amount is not None else []):
                for node in ir.walk(root):
                    uses[id(node)] = uses.get(id(node), 0) + 1
                self._fields_of(root)
        self.shared = {k for k, v in uses.items() if v > 1}
        self.tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _fields_of(self, node: ir.Node) -> frozenset[str]:
        known = self.fields.get(id(node))
        if known is None:
            names = {node.name} if isinstance(node, ir.FieldRef) else set()
            for child in ir.children(node):
                names |= self._fields_of(child)
            known = self.fields[id(node)] = frozenset(names)
        return known

    def dictionary_field(self, node: ir.Node) -> str | None:
        """The text field this node depends on alone, when it can be tabulated."""
        if isinstance(node, ir.FieldRef | ir.Const) or node.type is ir.ValueType.TEXT:
            return None
        names = self.fields.get(id(node))
        if names is None or len(names) != 1:
            return None
        (name,) = names
        return name if name in self.cols.dictionaries else None

    def table(self, node: ir.Node, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The node's two result arrays for each dictionary code, the last one for NULL."""
        found = self.tables.get(id(node))
        if found is None:
            words = self.cols.dictionaries[name]
            codes = np.arange(-1, len(words), dtype=np.int32)[np.r_[1:len(words) + 1, 0]]
            nulls = codes < 0
            sub = _Eval(self, 0, len(words) + 1, {name: (codes, nulls)}, tabulate=False)
            a, b = sub.eval(node)
            size = len(words) + 1
            found = (np.broadcast_to(a, size).copy(),
                     np.broadcast_to(b if b is not None else False, size).copy())
            self.tables[id(node)] = found
        return found


# -- evaluation over one block of rows -------------------------------------------------------

class _Eval:
    def __init__(self, plan: _Plan, lo: int, hi: int, cols: Mapping[str, Col] | None = None,
                 *, tabulate: bool = True) -> None:
        self.plan = plan
        self.lo, self.hi, self.n = lo, hi, hi - lo
        self.cols = cols
        self.tabulate = tabulate
        self.memo: dict[int, Any] = {}

    def column(self, name: str) -> Col | None:
        if self.cols is not None:
            return self.cols.get(name)
        found = self.plan.cols.get(name)
        if found is None:
            return None
        v, m = found
        return v[self.lo:self.hi], None if m is None else m[self.lo:self.hi]

    def eval(self, node: ir.Node) -> Any:
        """A condition for BOOL nodes, a Col for everything else."""
        key = id(node)
        if key in self.plan.shared and self.tabulate:
            if key not in self.memo:
                self.memo[key] = self._eval(node)
            return self.memo[key]
        return self._eval(node)

    def cond(self, node: ir.Node) -> Cond:
        result: Cond = self.eval(node)
        return result

    def value(self, node: ir.Node) -> Col:
        if node.type is ir.ValueType.BOOL:  # a condition used as a value (CASE / COALESCE)
            t, f = self.cond(node)
            return t, ~(t | f)
        result: Col = self.eval(node)
        return result

    def _eval(self, node: ir.Node) -> Any:
        name = self.plan.dictionary_field(node) if self.tabulate else None
        if name is not None:
            a, b = self.plan.table(node, name)
            col = self.column(name)
            assert col is not None
            codes, nulls = col
            first = a[codes]
            if node.type is ir.ValueType.BOOL:
                # false is "not true" unless some value (or NULL, if present) gives unknown
                exact = not (~(a | b))[:-1].any() and (nulls is None or not nulls.any())
                return first, ~first if exact else b[codes]
            return first, b[codes] if b.any() else None
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise TypeError(f"unsupported IR node {type(node).__name__}")
        return handler(self, node)

    # -- values --------------------------------------------------------------------------

    def field(self, node: ir.FieldRef) -> Any:
        col = self.column(node.name)
        if col is None:  # an absent column is NULL throughout
            null = np.ones(self.n, bool)
            if node.type is ir.ValueType.BOOL:
                return np.zeros(self.n, bool), np.zeros(self.n, bool)
            if node.type is ir.ValueType.TEXT:
                return np.full(self.n, -1, np.int32), null
            return _const_scalar(ir.Const(_zero(node.type), node.type, node.scale), 0), null
        v, m = col
        if node.type is ir.ValueType.BOOL:
            return v, ~v if m is None else ~(v | m)
        return v, m

    def scaled(self, node: ir.Node, scale: int) -> Col:
        if node.type is ir.ValueType.TEXT:
            return self.text(node)
        values, nulls = self.value(node)
        if node.type is ir.ValueType.NUMBER and scale > node.scale:
            values = values * (10 ** (scale - node.scale))
        return values, nulls

    def text(self, node: ir.Node) -> Col:
        """Decoded strings, for text that is not a single field against constants."""
        v, m = self.value(node)
        if isinstance(node, ir.FieldRef):
            words = np.array([*self.words(node.name), ""], dtype=str)
            return words[v], m
        return v, m

    def words(self, name: str) -> list[str]:
        return self.plan.cols.dictionaries.get(name, [])

    def compare(self, op: str, left: ir.Node, right: ir.Node) -> Cond:
        if left.type is ir.ValueType.TEXT:
            (lv, lm), (rv, rm) = self.text(left), self.text(right)
            return _cond(_COMPARE[op](lv, rv), _or_nulls(lm, rm))
        scale = max(left.scale, right.scale)
        (lv, lm), (rv, rm) = self.scaled(left, scale), self.scaled(right, scale)
        return _cond(_COMPARE[op](lv, rv), _or_nulls(lm, rm))




# -- one item over one block -----------------------------------------------------------------

def _bits_dtype(count: int) -> type[np.unsignedinteger[Any]]:
    for dtype in (np.uint8, np.uint16, np.uint32):
        if count <= np.iinfo(dtype).bits:
            return dtype
    return np.uint64


def _allocate(bound: ir.ItemIR, n: int, details: bool, widths: tuple[int, int]
              ) -> VectorResult:
    result = VectorResult(bound.item_id, np.empty(n, np.int8), np.empty(n, np.int64),
                          np.empty(n, bool))
    if details:
        result.failed_bits = np.empty(n, _bits_dtype(widths[0]))
        result.missing_bits = np.empty(n, _bits_dtype(widths[1]))
    return result


def _fill(ev: _Eval, bound: ir.ItemIR, out: VectorResult, rows: slice, details: bool) -> None:
    crit = [ev.cond(c.expr) for c in bound.criteria]
    t: Arr = np.ones(ev.n, bool)
    f: Arr = np.zeros(ev.n, bool)
    for ct, cf in crit:
        t, f = t & ct, f | cf
    t, f = np.broadcast_to(t, ev.n), np.broadcast_to(f, ev.n)
    # 1 true, 0 false, -1 unknown from two disjoint flags: 2t + f - 1
    out.eligible[rows] = (t.view(np.int8) << 1) + f.view(np.int8) - 1
    fen, known = _amount(ev, bound)
    known = t if known is None else t & known
    out.amount_fen[rows] = fen
    out.amount_known[rows] = known
    if details:
        _details(ev, bound, crit, t, known, out, rows)


def _amount(ev: _Eval, bound: ir.ItemIR) -> tuple[Arr, Arr | None]:
    if bound.amount is None:
        return np.int64(0), np.zeros(ev.n, bool)
    nodes = [bound.amount, *(node for _, node in bound.caps)]
    scale = max(node.scale for node in nodes)
    parts = [ev.scaled(node, scale) for node in nodes]
    values = parts[0][0]
    for v, _m in parts[1:]:
        values = np.minimum(values, v)
    values = np.maximum(values, 0)
    if scale > 2:
        unit = 10 ** (scale - 2)
        values = (values + unit // 2) // unit
    elif scale < 2:
        values = values * 10 ** (2 - scale)
    nulls = _or_nulls(*(m for _v, m in parts))
    return values, None if nulls is None else ~nulls


def _details(ev: _Eval, bound: ir.ItemIR, crit: Sequence[Cond], t: Arr, known: Arr,
             out: VectorResult, rows: slice) -> None:
    assert out.failed_bits is not None and out.missing_bits is not None
    failed = np.zeros(ev.n, out.failed_bits.dtype)
    for i, (_ct, cf) in enumerate(crit):
        failed |= np.broadcast_to(cf, ev.n).view(np.uint8).astype(failed.dtype) << i
    out.failed_bits[rows] = failed
    unknown = [~(ct | cf) for ct, cf in crit]
    money = set(bound.amount_fields) | set(bound.cap_fields)
    no_amount = t & ~known if money else None
    missing = np.zeros(ev.n, out.missing_bits.dtype)
    for j, name in enumerate(bound.fields):
        null = _field_nulls(ev, name)
        if null is None:
            continue
        why = _or_nulls(*(u for u, c in zip(unknown, bound.criteria, strict=True)
                          if name in c.fields), no_amount if name in money else None)
        if why is not None:
            missing |= np.broadcast_to(why & null, ev.n).view(np.uint8).astype(
                missing.dtype) << j
    out.missing_bits[rows] = missing


def _field_nulls(ev: _Eval, name: str) -> Arr | None:
    col = ev.column(name)
    return np.ones(ev.n, bool) if col is None else col[1]
