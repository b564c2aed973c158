"""The typed expression tree (IR) that checked policy expressions become.

Every node knows its value type and, for numbers, its scale (decimal places). The reference
evaluator, the SQL compiler and any other back end (e.g. a vectorised evaluator) walk this tree;
none of them ever sees policy text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from huiqi.rules._catalog import FieldType

MAX_SCALE = 12


class ValueType(StrEnum):
    BOOL = "bool"
    NUMBER = "number"
    TEXT = "text"
    DATE = "date"


Value = bool | Decimal | Fraction | str | date | None  # Fraction: only from a Ratio


class Node:
    """Base of all IR nodes. `type` is the value type; `scale` matters for numbers only."""

    type: ValueType
    scale: int


@dataclass(frozen=True)
class Const(Node):
    value: bool | Decimal | str | date
    type: ValueType
    scale: int = 0


@dataclass(frozen=True)
class FieldRef(Node):
    name: str
    field_type: FieldType
    type: ValueType
    scale: int = 0


@dataclass(frozen=True)
class ParamRef(Node):
    """A dated parameter of the policy document; `bind` replaces it by its value as of a date."""

    name: str
    type: ValueType = ValueType.NUMBER
    scale: int = 0


@dataclass(frozen=True)
class AsOf(Node):
    type: ValueType = ValueType.DATE
    scale: int = 0


@dataclass(frozen=True)
class YearsAgo(Node):
    years: int
    type: ValueType = ValueType.DATE
    scale: int = 0


@dataclass(frozen=True)
class Neg(Node):
    arg: Node
    type: ValueType = ValueType.NUMBER
    scale: int = 0


@dataclass(frozen=True)
class Abs(Node):
    arg: Node
    type: ValueType = ValueType.NUMBER
    scale: int = 0


@dataclass(frozen=True)
class Arith(Node):
    op: str  # "+", "-", "*"
    left: Node
    right: Node
    type: ValueType = ValueType.NUMBER
    scale: int = 0


@dataclass(frozen=True)
class Ratio(Node):
    """`arg / divisor`, exactly (a rational number): only binding makes it, for a parameter
    whose value has no finite decimal expansion (e.g. the mean of 12 monthly rates). Policy
    text cannot divide."""

    arg: Node
    divisor: int  # > 1, coprime to 10
    type: ValueType = ValueType.NUMBER
    scale: int = 0


@dataclass(frozen=True)
class Compare(Node):
    op: str  # "=", "<>", "<", "<=", ">", ">="
    left: Node
    right: Node
    type: ValueType = ValueType.BOOL
    scale: int = 0


@dataclass(frozen=True)
class And(Node):
    args: tuple[Node, ...]
    type: ValueType = ValueType.BOOL
    scale: int = 0


@dataclass(frozen=True)
class Or(Node):
    args: tuple[Node, ...]
    type: ValueType = ValueType.BOOL
    scale: int = 0


@dataclass(frozen=True)
class Not(Node):
    arg: Node
    type: ValueType = ValueType.BOOL
    scale: int = 0


@dataclass(frozen=True)
class IsNull(Node):
    arg: Node
    negated: bool = False
    type: ValueType = ValueType.BOOL
    scale: int = 0


@dataclass(frozen=True)
class InList(Node):
    arg: Node
    items: tuple[Const, ...]
    negated: bool = False
    type: ValueType = ValueType.BOOL
    scale: int = 0


@dataclass(frozen=True)
class Between(Node):
    """`arg BETWEEN low AND high`, i.e. `arg >= low AND arg <= high` (Kleene)."""

    arg: Node
    low: Node
    high: Node
    type: ValueType = ValueType.BOOL
    scale: int = 0


@dataclass(frozen=True)
class Like(Node):
    arg: Node
    pattern: str  # `%` any run, `_` one character; no escape character; case-sensitive
    negated: bool = False
    type: ValueType = ValueType.BOOL
    scale: int = 0


@dataclass(frozen=True)
class Case(Node):
    whens: tuple[tuple[Node, Node], ...]
    default: Node
    type: ValueType = ValueType.NUMBER
    scale: int = 0


@dataclass(frozen=True)
class Extreme(Node):
    """Strict LEAST / GREATEST: NULL when any argument is NULL."""

    fn: str  # "least" | "greatest"
    args: tuple[Node, ...]
    type: ValueType = ValueType.NUMBER
    scale: int = 0


@dataclass(frozen=True)
class Coalesce(Node):
    args: tuple[Node, ...]
    type: ValueType = ValueType.NUMBER
    scale: int = 0


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Neg | Abs | Not | IsNull | InList | Like | Ratio):
        return (node.arg,)
    if isinstance(node, Arith | Compare):
        return (node.left, node.right)
    if isinstance(node, And | Or | Extreme | Coalesce):
        return node.args
    if isinstance(node, Between):
        return (node.arg, node.low, node.high)
    if isinstance(node, Case):
        return (*(part for pair in node.whens for part in pair), node.default)
    return ()


def walk(node: Node) -> Iterator[Node]:
    yield node
    for child in children(node):
        yield from walk(child)


def field_names(node: Node) -> set[str]:
    return {n.name for n in walk(node) if isinstance(n, FieldRef)}


def transform(node: Node, fn: Callable[[Node], Node | None]) -> Node:
    """Rebuild bottom-up; `fn` may return a replacement for a node (or None to keep it)."""
    new: Node
    if isinstance(node, Neg | Abs | Not | IsNull | InList | Like | Ratio):
        new = replace(node, arg=transform(node.arg, fn))
    elif isinstance(node, Arith | Compare):
        new = replace(node, left=transform(node.left, fn), right=transform(node.right, fn))
    elif isinstance(node, And | Or | Extreme | Coalesce):
        new = replace(node, args=tuple(transform(a, fn) for a in node.args))
    elif isinstance(node, Between):
        new = replace(
            node,
            arg=transform(node.arg, fn),
            low=transform(node.low, fn),
            high=transform(node.high, fn),
        )
    elif isinstance(node, Case):
        whens = tuple((transform(c, fn), transform(v, fn)) for c, v in node.whens)
        new = replace(node, whens=whens, default=transform(node.default, fn))
    else:
        new = node
    replaced = fn(new)
    return new if replaced is None else replaced


def years_ago(as_of: date, years: int) -> date:
    """as_of minus `years` calendar years; 29 February becomes 28 February."""
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:
        return as_of.replace(year=as_of.year - years, day=28)


def decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def number(value: Decimal | Fraction, scale: int = 0) -> Node:
    """A constant node for an exact value: a Const, or a Ratio when the value has no finite
    decimal expansion (its divisor is the part of the denominator coprime to 10)."""
    if isinstance(value, Decimal):
        return Const(value, ValueType.NUMBER, max(scale, decimals(value)))
    divisor = value.denominator
    for p in (2, 5):
        while divisor % p == 0:
            divisor //= p
    top = value * divisor  # a finite decimal now
    exact = Decimal(top.numerator) / Decimal(top.denominator)
    const = Const(exact, ValueType.NUMBER, max(scale, decimals(exact)))
    return const if divisor == 1 else Ratio(const, divisor, scale=const.scale)


def bind(node: Node, params: Callable[[str], Decimal | Fraction], as_of: date) -> Node:
    """Replace parameters, AS_OF and YEARS_AGO by constants for the given date."""

    def one(n: Node) -> Node | None:
        if isinstance(n, ParamRef):
            return number(params(n.name), n.scale)
        if isinstance(n, AsOf):
            return Const(as_of, ValueType.DATE)
        if isinstance(n, YearsAgo):
            return Const(years_ago(as_of, n.years), ValueType.DATE)
        return None

    return transform(node, one)


@dataclass(frozen=True)
class CriterionIR:
    name: str
    expr: Node
    fields: tuple[str, ...]  # referenced catalog fields, in catalog order


@dataclass(frozen=True)
class ItemIR:
    """An item's expressions; bound (no parameters, AS_OF, YEARS_AGO) when made by `bind_item`."""

    item_id: str
    criteria: tuple[CriterionIR, ...]
    amount: Node | None
    amount_fields: tuple[str, ...]
    caps: tuple[tuple[str, Node], ...]  # (cap name, expression), e.g. ("per_enterprise", ...)
    cap_fields: tuple[str, ...]
    # every referenced field: those of the amount, then of the caps, then the rest, each in
    # catalog order; when bound, stably sorted by reach (rules/_reach.py), the order of
    # `missing`: facts that can unlock more money first
    fields: tuple[str, ...] = field(default=())
    as_of: date | None = None
    # Made by `_amounts.prepare` for the engines: a lower bound of each cap that may be unknown
    # (see docs/policy-format.md, "Unknown facts in amounts"), and the positive integer the
    # amount, caps and bounds were multiplied by to clear Ratio nodes (divide before rounding).
    cap_floors: tuple[tuple[str, Node], ...] = ()
    divisor: int = 1


def map_item(item: ItemIR, fn: Callable[[Node], Node]) -> ItemIR:
    """The item with `fn` applied to each of its expressions (criteria, amount, caps)."""
    return replace(
        item,
        criteria=tuple(CriterionIR(c.name, fn(c.expr), c.fields) for c in item.criteria),
        amount=None if item.amount is None else fn(item.amount),
        caps=tuple((name, fn(node)) for name, node in item.caps),
        cap_floors=tuple((name, fn(node)) for name, node in item.cap_floors))
