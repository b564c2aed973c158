"""Planning and block evaluation for the in-memory engine (vector.py).

`Plan` holds the items with one canonical node per distinct sub-expression (so the evaluator
can keep shared ones per block) and lookup tables for sub-expressions over a single text field.
`Eval` evaluates nodes over one block of rows, or over chosen rows of it (`rows`): amounts are
only needed where an item is eligible, which is a few percent of the rows for most items.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from huiqi.matching.engines.vector_codes import Lookup
from huiqi.matching.engines.vector_nodes import (
    _COMPARE,
    _HANDLERS,
    _cond,
    _const_scalar,
    _or_nulls,
    _zero,
)
from huiqi.rules import ir

Arr = Any  # an ndarray, or a numpy scalar standing for a constant column
Col = tuple[Arr, Arr | None]  # (values, nulls or None when nothing is NULL)
Cond = tuple[Arr, Arr]  # (definitely true, definitely false)


class Canon(dict[ir.Node, ir.Node]):
    def one(self, node: ir.Node) -> ir.Node:
        return self.setdefault(node, node)


def intern_item(bound: ir.ItemIR, canon: Canon) -> ir.ItemIR:
    def intern(node: ir.Node) -> ir.Node:
        return ir.transform(node, canon.one)

    return ir.map_item(bound, intern)


class Plan:
    """Items with canonical nodes, which nodes are shared, and dictionary lookup tables."""

    def __init__(self, items: list[ir.ItemIR], cols: Any) -> None:
        self.items = items
        self.cols = cols  # vector.Columns
        uses: dict[int, int] = {}
        self.fields: dict[int, frozenset[str]] = {}
        for b in items:
            roots = [c.expr for c in b.criteria] + [n for _, n in (*b.caps, *b.cap_floors)]
            for root in roots + ([b.amount] if b.amount is not None else []):
                for node in ir.walk(root):
                    uses[id(node)] = uses.get(id(node), 0) + 1
                self._fields_of(root)
        self.shared = {k for k, v in uses.items() if v > 1}
        self.by_dictionary = {id(n): self._dictionary_field(n)
                              for b in items for n in _nodes(b)}
        self.lookups: dict[int, Lookup] = {}

    def _fields_of(self, node: ir.Node) -> frozenset[str]:
        known = self.fields.get(id(node))
        if known is None:
            names = {node.name} if isinstance(node, ir.FieldRef) else set()
            for child in ir.children(node):
                names |= self._fields_of(child)
            known = self.fields[id(node)] = frozenset(names)
        return known

    def _dictionary_field(self, node: ir.Node) -> str | None:
        """The text field this node depends on alone, when it can be tabulated."""
        if isinstance(node, ir.FieldRef | ir.Const) or node.type is ir.ValueType.TEXT:
            return None
        names = self.fields.get(id(node))
        if names is None or len(names) != 1:
            return None
        (name,) = names
        return name if name in self.cols.dictionaries else None

    def lookup(self, node: ir.Node, name: str) -> Lookup:
        """The node evaluated once for each dictionary code of field `name`."""
        found = self.lookups.get(id(node))
        if found is None:
            words = self.cols.dictionaries[name]
            size = len(words) + 1
            codes = np.arange(-1, len(words), dtype=np.int64)  # NULL first
            sub = Eval(self, 0, size, {name: (codes, codes < 0)}, tabulate=False)
            a, b = sub.eval(node)
            found = self.lookups[id(node)] = Lookup(
                np.broadcast_to(a, size).copy(),
                np.broadcast_to(b if b is not None else False, size).copy(),
                node.type is ir.ValueType.BOOL)
        return found


def _nodes(bound: ir.ItemIR) -> list[ir.Node]:
    roots = [c.expr for c in bound.criteria] + [n for _, n in (*bound.caps,
                                                                *bound.cap_floors)]
    return [n for root in roots + ([bound.amount] if bound.amount is not None else [])
            for n in ir.walk(root)]


class Eval:
    """Nodes over rows lo..hi of the plan's columns (or the given `cols`), or, with `rows`
    (absolute row numbers), over those rows only."""

    def __init__(self, plan: Plan, lo: int, hi: int, cols: Mapping[str, Col] | None = None,
                 *, tabulate: bool = True, rows: np.ndarray | None = None) -> None:
        self.plan = plan
        self.lo, self.hi = lo, hi
        self.rows = rows
        self.n = hi - lo if rows is None else len(rows)
        self.cols = cols
        self.tabulate = tabulate
        self.memo: dict[int, Any] = {}
        self.gathered: dict[str, Col | None] = {}

    def column(self, name: str) -> Col | None:
        if self.cols is not None:
            return self.cols.get(name)
        if name in self.gathered:
            return self.gathered[name]
        found = self.plan.cols.get(name)
        if found is not None:
            v, m = found
            if self.rows is None:
                found = v[self.lo:self.hi], None if m is None else m[self.lo:self.hi]
            else:
                found = v.take(self.rows), None if m is None else m.take(self.rows)
        self.gathered[name] = found
        return found

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
        name = self.plan.by_dictionary.get(id(node)) if self.tabulate else None
        if name is not None:
            col = self.column(name)
            assert col is not None
            return self.plan.lookup(node, name)(col[0])
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
                return np.full(self.n, -1, np.intp), null
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
        found: list[str] = self.plan.cols.dictionaries.get(name, [])
        return found

    def compare(self, op: str, left: ir.Node, right: ir.Node) -> Cond:
        if left.type is ir.ValueType.TEXT:
            (lv, lm), (rv, rm) = self.text(left), self.text(right)
            return _cond(_COMPARE[op](lv, rv), _or_nulls(lm, rm))
        scale = max(left.scale, right.scale)
        (lv, lm), (rv, rm) = self.scaled(left, scale), self.scaled(right, scale)
        return _cond(_COMPARE[op](lv, rv), _or_nulls(lm, rm))
