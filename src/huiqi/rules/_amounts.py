"""Amounts with unknown facts, and exact rational parameters, for every engine.

docs/policy-format.md, "Unknown facts in amounts": an unknown anywhere in the amount or a cap
makes it unknown, except that a cap whose value is unknown cannot lower an amount that is at or
below every value the cap could take. `floor` builds that lower bound as an ordinary expression
(so every engine evaluates it like any other); `clear` rewrites Ratio nodes (a bound parameter
such as 36.4% / 12) into integer arithmetic: the amount, caps and bounds all multiplied by one
positive integer, `ItemIR.divisor`, which the engines divide by when they round to the fen.
"""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal

from huiqi.rules import ir

# -- lower and upper bounds of a number over every way its CASE conditions could turn out ----


def _has_case(node: ir.Node) -> bool:
    return any(isinstance(n, ir.Case) for n in ir.walk(node))


def bound(node: ir.Node, lower: bool) -> ir.Node | None:
    """An expression that is <= (lower) or >= (upper) every value `node` can take whatever
    its CASE conditions are; None when there is no such expression in this simple algebra.
    A node without CASE is its own bound (its value, when known, is the only one)."""
    if not _has_case(node):
        return node
    if isinstance(node, ir.Case):
        parts = [bound(v, lower) for v in (*(v for _, v in node.whens), node.default)]
        if any(p is None for p in parts):
            return None
        return ir.Extreme("least" if lower else "greatest", tuple(p for p in parts if p),
                          ir.ValueType.NUMBER, node.scale)
    if isinstance(node, ir.Extreme):
        parts = [bound(a, lower) for a in node.args]
        if any(p is None for p in parts):
            return None
        return replace(node, args=tuple(p for p in parts if p))
    if isinstance(node, ir.Arith) and node.op in "+-":
        left = bound(node.left, lower)
        right = bound(node.right, lower if node.op == "+" else not lower)
        return None if left is None or right is None else replace(node, left=left, right=right)
    if isinstance(node, ir.Neg):
        arg = bound(node.arg, not lower)
        return None if arg is None else replace(node, arg=arg)
    if isinstance(node, ir.Ratio):
        arg = bound(node.arg, lower)
        return None if arg is None else replace(node, arg=arg)
    if isinstance(node, ir.Arith) and node.op == "*":
        for const, other, flip in ((node.left, node.right, False), (node.right, node.left, True)):
            if isinstance(const, ir.Const) and isinstance(const.value, Decimal):
                inner = bound(other, lower if const.value >= 0 else not lower)
                if inner is None:
                    return None
                return replace(node, left=const, right=inner) if not flip else \
                    replace(node, left=inner, right=const)
    return None  # e.g. a CASE times a field of unknown sign


def cap_floors(item: ir.ItemIR) -> tuple[tuple[str, ir.Node], ...]:
    """(cap name, lower bound) for each cap with a CASE, whose value may be unknown while a
    bound of it is known."""
    out = []
    for name, node in item.caps:
        if _has_case(node):
            low = bound(node, lower=True)
            if low is not None:
                out.append((name, low))
    return tuple(out)


# -- clearing Ratio nodes -----------------------------------------------------------------


def _times(node: ir.Node, k: int) -> ir.Node:
    if k == 1:
        return node
    return ir.Arith("*", node, ir.Const(Decimal(k), ir.ValueType.NUMBER, 0), scale=node.scale)


def clear(node: ir.Node) -> tuple[ir.Node, int]:
    """(node * d, d): an expression without Ratio nodes and a positive integer d. Boolean
    nodes come back with d = 1 (comparisons are cross-multiplied)."""
    if not any(isinstance(n, ir.Ratio) for n in ir.walk(node)):
        return node, 1
    if isinstance(node, ir.Ratio):
        arg, d = clear(node.arg)
        return arg, d * node.divisor
    if isinstance(node, ir.Arith) and node.op == "*":
        (a, da), (b, db) = clear(node.left), clear(node.right)
        return ir.Arith("*", a, b, scale=a.scale + b.scale), da * db
    if node.type is ir.ValueType.NUMBER and isinstance(
            node, ir.Arith | ir.Extreme | ir.Coalesce | ir.Case | ir.Neg | ir.Abs):
        return _common(node)
    if isinstance(node, ir.Compare | ir.Between | ir.InList):
        return _compared(node), 1
    return _rebuilt(node), 1


def _rebuilt(node: ir.Node) -> ir.Node:
    """A node that is not a number, with each child cleared on its own."""
    if isinstance(node, ir.And | ir.Or | ir.Extreme | ir.Coalesce):
        return replace(node, args=tuple(clear(a)[0] for a in node.args))
    if isinstance(node, ir.Not | ir.IsNull | ir.Like):
        return replace(node, arg=clear(node.arg)[0])
    if isinstance(node, ir.Case):
        whens = tuple((clear(c)[0], clear(v)[0]) for c, v in node.whens)
        return replace(node, whens=whens, default=clear(node.default)[0])
    raise TypeError(f"cannot clear {type(node).__name__}")


def _common(node: ir.Node) -> tuple[ir.Node, int]:
    """Children brought to one multiplier (their least common multiple)."""
    kids = ir.children(node)
    if isinstance(node, ir.Case):
        kids = (*(v for _, v in node.whens), node.default)
    cleared = [clear(k) for k in kids]
    d = math.lcm(*(c[1] for c in cleared))
    scaled = [_times(n, d // k) for n, k in cleared]
    scale = max(n.scale for n in scaled)
    if isinstance(node, ir.Arith):
        return replace(node, left=scaled[0], right=scaled[1], scale=scale), d
    if isinstance(node, ir.Neg | ir.Abs):
        return replace(node, arg=scaled[0], scale=scale), d
    if isinstance(node, ir.Case):
        whens = tuple((clear(c)[0], v) for (c, _), v in zip(node.whens, scaled, strict=False))
        return replace(node, whens=whens, default=scaled[-1], scale=scale), d
    assert isinstance(node, ir.Extreme | ir.Coalesce)
    return replace(node, args=tuple(scaled), scale=scale), d


def _compared(node: ir.Node) -> ir.Node:
    if isinstance(node, ir.Compare):
        (a, da), (b, db) = clear(node.left), clear(node.right)
        d = math.lcm(da, db)
        return replace(node, left=_times(a, d // da), right=_times(b, d // db))
    if isinstance(node, ir.Between):
        return ir.And((_compared(ir.Compare(">=", node.arg, node.low)),
                       _compared(ir.Compare("<=", node.arg, node.high))))
    assert isinstance(node, ir.InList)
    arg, d = clear(node.arg)
    items = tuple(ir.Const(c.value * d, c.type, c.scale) if isinstance(c.value, Decimal) else c
                  for c in node.items)
    return replace(node, arg=arg, items=items)


def prepare(item: ir.ItemIR) -> ir.ItemIR:
    """A bound item for the engines: cap floors added, Ratio nodes cleared (criteria exactly;
    the amount, caps and floors multiplied by one common `divisor`)."""
    floors = cap_floors(item)
    criteria = tuple(replace(c, expr=clear(c.expr)[0]) for c in item.criteria)
    if item.amount is None:
        return replace(item, criteria=criteria, cap_floors=floors)
    money = [clear(item.amount), *(clear(n) for _, n in item.caps),
             *(clear(n) for _, n in floors)]
    d = math.lcm(*(k for _, k in money))
    nodes = [_times(n, d // k) for n, k in money]
    caps = len(item.caps)
    return replace(
        item, criteria=criteria, amount=nodes[0],
        caps=tuple((name, n) for (name, _), n in zip(item.caps, nodes[1:1 + caps], strict=True)),
        cap_floors=tuple((name, n) for (name, _), n in zip(floors, nodes[1 + caps:],
                                                            strict=True)),
        divisor=d)


def ranked_fields(catalog_order: tuple[str, ...], amount: tuple[str, ...],
                  caps: tuple[str, ...]) -> tuple[str, ...]:
    """Fields in the order `missing` lists them: the amount's (without them there is no
    amount at all), then the caps' (they move it between the caps' values), then the rest."""
    first = [f for f in catalog_order if f in amount]
    second = [f for f in catalog_order if f in caps and f not in amount]
    return (*first, *second, *(f for f in catalog_order if f not in first and f not in second))
