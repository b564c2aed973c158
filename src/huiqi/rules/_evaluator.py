"""The reference evaluator: the typed IR in pure Python with Decimal and SQL NULL semantics.

Every SQL engine must agree with it to the fen; explanations and policy tests use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from huiqi.rules import ir
from huiqi.rules._amounts import cap_floors
from huiqi.rules._catalog import FieldSpec
from huiqi.rules._facts import coerce
from huiqi.rules._model import Item

FEN = Decimal("0.01")
Number = Decimal | Fraction  # Fraction only from a Ratio (a derived parameter)


@dataclass(frozen=True)
class CriterionResult:
    name: str
    value: bool | None
    fields: dict[str, ir.Value]  # the referenced fields and their values (None: missing)


@dataclass(frozen=True)
class Outcome:
    eligible: bool | None
    amount: Decimal | None  # yuan, exact to the fen; None unless eligible is true
    amount_before_caps: Number | None  # the amount expression's exact value
    failed: list[str]
    missing: list[str]
    criteria: list[CriterionResult] = field(default_factory=list)
    caps: dict[str, Number | None] = field(default_factory=dict)

    @property
    def near_miss(self) -> bool:
        return self.eligible is False and len(self.failed) == 1

    @property
    def amount_fen(self) -> int | None:
        return None if self.amount is None else int(self.amount * 100)


def kleene_and(values: list[ir.Value]) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def kleene_or(values: list[ir.Value]) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


_CMP: dict[str, Callable[[object, object], bool]] = {
    "=": lambda a, b: a == b, "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,  # type: ignore[operator]
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,  # type: ignore[operator]
}


def like_regex(pattern: str) -> re.Pattern[str]:
    body = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.compile(body, re.DOTALL)


def eval_node(node: ir.Node, env: Mapping[str, ir.Value]) -> ir.Value:
    """Evaluate a bound node (no parameters, AS_OF or YEARS_AGO) over coerced field values."""
    if isinstance(node, ir.Const):
        return node.value
    if isinstance(node, ir.FieldRef):
        return env.get(node.name)
    if isinstance(node, ir.Arith):
        a, b = eval_node(node.left, env), eval_node(node.right, env)
        if a is None or b is None:
            return None
        assert isinstance(a, Decimal | Fraction) and isinstance(b, Decimal | Fraction)
        if isinstance(a, Fraction) or isinstance(b, Fraction):  # exact rational arithmetic
            a, b = Fraction(a), Fraction(b)
        return a + b if node.op == "+" else a - b if node.op == "-" else a * b  # type: ignore[operator]
    if isinstance(node, ir.Ratio):
        v = eval_node(node.arg, env)
        return None if v is None else Fraction(v) / node.divisor  # type: ignore[arg-type]
    if isinstance(node, ir.Neg | ir.Abs):
        v = eval_node(node.arg, env)
        if v is None:
            return None
        assert isinstance(v, Decimal | Fraction)
        if isinstance(v, Fraction):
            return -v if isinstance(node, ir.Neg) else abs(v)
        return -v if isinstance(node, ir.Neg) else abs(v)
    if isinstance(node, ir.Compare):
        a, b = eval_node(node.left, env), eval_node(node.right, env)
        return None if a is None or b is None else _CMP[node.op](a, b)
    if isinstance(node, ir.And):
        return kleene_and([eval_node(a, env) for a in node.args])
    if isinstance(node, ir.Or):
        return kleene_or([eval_node(a, env) for a in node.args])
    if isinstance(node, ir.Not):
        v = eval_node(node.arg, env)
        return None if v is None else not v
    if isinstance(node, ir.IsNull):
        return (eval_node(node.arg, env) is None) != node.negated
    if isinstance(node, ir.InList):
        v = eval_node(node.arg, env)
        return None if v is None else (v in {c.value for c in node.items}) != node.negated
    if isinstance(node, ir.Between):
        v, lo, hi = (eval_node(n, env) for n in (node.arg, node.low, node.high))
        ge = None if v is None or lo is None else _CMP[">="](v, lo)
        le = None if v is None or hi is None else _CMP["<="](v, hi)
        return kleene_and([ge, le])
    if isinstance(node, ir.Like):
        v = eval_node(node.arg, env)
        if v is None:
            return None
        return (like_regex(node.pattern).fullmatch(str(v)) is not None) != node.negated
    if isinstance(node, ir.Case):
        for cond, value in node.whens:
            decided = eval_node(cond, env)
            if decided is None:  # an unknown condition: the result is unknown, not the ELSE
                return None
            if decided:
                return eval_node(value, env)
        return eval_node(node.default, env)
    if isinstance(node, ir.Extreme):
        args = [eval_node(a, env) for a in node.args]
        if any(a is None for a in args):
            return None
        return min(args) if node.fn == "least" else max(args)  # type: ignore[type-var]
    if isinstance(node, ir.Coalesce):
        for arg in node.args:
            found = eval_node(arg, env)
            if found is not None:
                return found
        return None
    raise TypeError(f"unbound or unknown IR node {type(node).__name__}")


def item_field_specs(item: Item) -> dict[str, FieldSpec]:
    """FieldSpecs for coercion, rebuilt from the IR (the item does not hold the catalog)."""
    specs: dict[str, FieldSpec] = {}
    exprs = [c.expr for c in item.criteria] + [n for _, n in item.caps.items()]
    if item.amount is not None:
        exprs.append(item.amount)
    for expr in exprs:
        for n in ir.walk(expr):
            if isinstance(n, ir.FieldRef):
                specs[n.name] = FieldSpec(n.name, n.name, n.field_type, scale=n.scale)
    return specs


def evaluate(item: Item, facts: Mapping[str, object], as_of: date) -> Outcome:
    """One enterprise against one item as of a date (docs/policy-format.md, "Outcome")."""
    bound = item.bound_ir(as_of)
    env = {name: coerce(spec, facts.get(name)) for name, spec in item_field_specs(item).items()}
    with localcontext() as ctx:
        ctx.prec = 80  # exact: scales are at most 12 and amounts far below 10**60
        return _outcome(bound, env)


def _outcome(bound: ir.ItemIR, env: dict[str, ir.Value]) -> Outcome:
    results: list[CriterionResult] = []
    for c in bound.criteria:
        value = eval_node(c.expr, env)
        assert value is None or isinstance(value, bool)
        results.append(CriterionResult(c.name, value, {f: env.get(f) for f in c.fields}))
    eligible = kleene_and([r.value for r in results])
    failed = [r.name for r in results if r.value is False]
    missing_set = {f for r, c in zip(results, bound.criteria, strict=True) if r.value is None
                   for f in c.fields if env.get(f) is None}
    amount = before = None
    caps: dict[str, Number | None] = {}
    if eligible is True and bound.amount is not None:
        before = _number(eval_node(bound.amount, env))
        caps = {name: _number(eval_node(node, env)) for name, node in bound.caps}
        floors = {name: _number(eval_node(node, env)) for name, node in cap_floors(bound)}
        amount = capped_amount(before, caps, floors)
        if amount is None:
            missing_set |= {f for f in (*bound.amount_fields, *bound.cap_fields)
                            if env.get(f) is None}
    missing = [f for f in bound.fields if f in missing_set]
    return Outcome(eligible, amount, before, failed, missing, results, caps)


def capped_amount(before: Number | None, caps: Mapping[str, Number | None],
                  floors: Mapping[str, Number | None]) -> Decimal | None:
    """The amount after caps, floored at 0, rounded half-up to the fen; None when unknown.
    A cap whose value is unknown still leaves the amount certain when the amount capped by
    the known caps is at most that cap's lower bound (every value it could take)."""
    if before is None:
        return None
    capped = min([before, *(v for v in caps.values() if v is not None)])
    for name, value in caps.items():
        low = floors.get(name)
        if value is None and (low is None or capped > low):
            return None
    return round_fen(max(capped, Decimal(0)))


def round_fen(value: Number) -> Decimal:
    """Half-up to the fen, exactly (for a non-negative Decimal or Fraction)."""
    if isinstance(value, Decimal):
        return value.quantize(FEN, rounding=ROUND_HALF_UP)
    fen = (value * 100 + Fraction(1, 2)).__floor__()
    return (Decimal(fen) / 100).quantize(FEN)


def _number(value: ir.Value | Fraction) -> Number | None:
    assert value is None or isinstance(value, Decimal | Fraction)
    return value
