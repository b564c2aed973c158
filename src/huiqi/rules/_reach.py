"""How much money a missing fact could unlock: the order of `missing` (docs/policy-format.md,
"Order of missing facts").

The *reach* of a field in a bound item is the largest amount the item could pay over every
way of evaluating it that reads the field: an upper bound of max(0, LEAST(amount, caps…)) by
interval arithmetic, where a CASE contributes only its branches that read the field (branch k
reads the conditions 1…k and its value; ELSE reads every condition). Other facts are free
(any value); a field only in the criteria reaches the item's whole ceiling. None means no
bound (e.g. an uncapped rate times a loan); an item without an amount reaches 0.

`missing` lists the facts by reach, largest first (no bound before any bound); ties keep the
item's field order (the amount's fields, then the caps', then the rest, each in catalog
order). The order is fixed per item and date, so the evaluator and every engine agree.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from huiqi.rules import ir


class Span(NamedTuple):
    lo: Fraction | None  # None: no lower bound
    hi: Fraction | None  # None: no upper bound


_ANY = Span(None, None)


def _add(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    return None if a is None or b is None else a + b


def _neg(a: Fraction | None) -> Fraction | None:
    return None if a is None else -a


def _union(spans: list[Span]) -> Span:
    los, his = [s.lo for s in spans], [s.hi for s in spans]
    return Span(None if None in los else min(los),  # type: ignore[type-var]
                None if None in his else max(his))  # type: ignore[type-var]


def _times(a: Span, b: Span) -> Span:
    zero = Span(Fraction(0), Fraction(0))
    if zero in (a, b):
        return zero
    if None not in (a.lo, a.hi, b.lo, b.hi):
        products = [x * y for x in (a.lo, a.hi) for y in (b.lo, b.hi)]  # type: ignore[operator]
        return Span(min(products), max(products))
    if a.lo is not None and b.lo is not None and a.lo >= 0 and b.lo >= 0:
        return Span(a.lo * b.lo, None)
    return _ANY


def _extreme(fn: str, spans: list[Span]) -> Span:
    los, his = [s.lo for s in spans], [s.hi for s in spans]
    if fn == "least":
        known_hi = [h for h in his if h is not None]
        return Span(None if None in los else min(los),  # type: ignore[type-var]
                    min(known_hi) if known_hi else None)
    known_lo = [lo for lo in los if lo is not None]
    return Span(max(known_lo) if known_lo else None,
                None if None in his else max(his))  # type: ignore[type-var]


class _Names(dict[int, frozenset[str]]):
    """The fields each node reads, computed once per node (a tree is walked per field)."""

    def of(self, node: ir.Node) -> frozenset[str]:
        found = self.get(id(node))
        if found is None:
            own = {node.name} if isinstance(node, ir.FieldRef) else set()
            found = self[id(node)] = frozenset(own.union(*(self.of(c)
                                                          for c in ir.children(node))))
        return found


def span(node: ir.Node, field: str | None = None, names: _Names | None = None) -> Span:
    """Bounds of a numeric node; with `field`, over the evaluations that read it (when the
    node reads it at all)."""
    names = _Names() if names is None else names
    if field is not None and field not in names.of(node):
        field = None
    if isinstance(node, ir.Const):
        value = node.value
        return Span(Fraction(value), Fraction(value)) if isinstance(value, Decimal) else _ANY
    if isinstance(node, ir.Case):
        return _case(node, field, names)
    if isinstance(node, ir.Extreme):
        return _extreme(node.fn, [span(a, field, names) for a in node.args])
    if isinstance(node, ir.Coalesce):
        return _union([span(a, field, names) for a in node.args])
    if isinstance(node, ir.Arith):
        a, b = span(node.left, field, names), span(node.right, field, names)
        if node.op == "+":
            return Span(_add(a.lo, b.lo), _add(a.hi, b.hi))
        if node.op == "-":
            return Span(_add(a.lo, _neg(b.hi)), _add(a.hi, _neg(b.lo)))
        return _times(a, b)
    if isinstance(node, ir.Neg):
        a = span(node.arg, field, names)
        return Span(_neg(a.hi), _neg(a.lo))
    if isinstance(node, ir.Abs):
        a = span(node.arg, field, names)
        if a.lo is not None and a.lo >= 0:
            return a
        top = None if a.lo is None or a.hi is None else max(-a.lo, a.hi)
        return Span(Fraction(0), top)
    if isinstance(node, ir.Ratio):
        a = span(node.arg, field, names)
        return Span(*(None if v is None else v / node.divisor for v in a))
    return _ANY  # a field, or anything this algebra does not bound


def _case(node: ir.Case, field: str | None, names: _Names) -> Span:
    seen: set[str] = set()
    spans: list[Span] = []
    for cond, value in (*node.whens, (None, node.default)):
        if cond is not None:
            seen |= names.of(cond)
        if field is None or field in seen or field in names.of(value):
            spans.append(span(value, field, names))
    return _union(spans)


def reach(bound: ir.ItemIR, field: str | None = None, names: _Names | None = None
          ) -> Fraction | None:
    """The largest amount the item could pay over the evaluations that read `field` (the
    item's ceiling when None); None when unbounded."""
    if bound.amount is None:
        return Fraction(0)
    names = _Names() if names is None else names
    if field is not None and not any(field in names.of(n) for n in _money(bound)):
        field = None  # read by the criteria only: the item's whole ceiling
    money = [span(bound.amount, field, names),
             *(span(n, field, names) for _, n in bound.caps)]
    top = _extreme("least", money).hi
    return None if top is None else max(top, Fraction(0))


def ranked(bound: ir.ItemIR) -> tuple[str, ...]:
    """The item's fields, most money first (the order of `missing`)."""
    by_field = reaches(bound)
    return tuple(sorted(bound.fields, key=lambda f: _key(by_field[f])))


def _key(value: Fraction | None) -> tuple[int, Fraction]:
    return (0, Fraction(0)) if value is None else (1, -value)


def reaches(bound: ir.ItemIR) -> dict[str, Fraction | None]:
    """Each field of the item by its reach."""
    names = _Names()
    money = set().union(*(names.of(n) for n in _money(bound)))
    ceiling = reach(bound, None, names)
    return {f: reach(bound, f, names) if f in money else ceiling for f in bound.fields}


def _money(bound: ir.ItemIR) -> list[ir.Node]:
    return [] if bound.amount is None else [bound.amount, *(n for _, n in bound.caps)]


def by_money(blocked: dict[str, list[Fraction | None]], order: list[str]) -> list[str]:
    """Facts most money first, for a page that asks for several items' facts at once: a
    fact's money is the sum of its reach in each item it blocks (no bound if any has none);
    ties in `order` (catalog order)."""
    def money(name: str) -> Fraction | None:
        known = [v for v in blocked[name] if v is not None]
        return None if len(known) < len(blocked[name]) else sum(known, Fraction(0))

    position = {n: k for k, n in enumerate(order)}
    return sorted(blocked, key=lambda n: (_key(money(n)), position.get(n, len(position)), n))
