"""Policy documents, items, criteria and dated parameters, as loaded from policy files."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from huiqi.rules import _reach, _regions
from huiqi.rules import ir as _ir
from huiqi.rules._amounts import ranked_fields


class ParameterUnavailable(LookupError):
    """A parameter has no value as of the requested date."""


ANNUAL_MEAN = "年算术平均值"
DERIVE_RULES = (ANNUAL_MEAN,)


@dataclass(frozen=True)
class Parameter:
    """A dated value; or, with `rule`, one derived from the dated values of `basis`.

    年算术平均值 (annual arithmetic mean): the mean of the basis' twelve monthly fixings of the
    as-of year (one value dated in each month), computed exactly: a Fraction when it has no
    finite decimal expansion, never rounded (amounts round once, at the end)."""

    name: str
    label: str
    type: str  # decimal | money | integer
    scale: int
    values: tuple[tuple[date, Decimal], ...]  # (from, value), sorted by date
    source: str | None = None  # where the values come from
    rule: str | None = None
    basis: Parameter | None = None

    def value_at(self, as_of: date) -> Decimal | Fraction:
        if self.rule is not None:
            assert self.basis is not None
            return self.basis.annual_mean(as_of.year, self.name)
        return self.dated(as_of)

    def annual_mean(self, year: int, derived: str) -> Decimal | Fraction:
        by_month: dict[int, Decimal] = {}
        for start, value in self.values:
            if start.year == year:
                by_month[start.month] = value  # the month's last fixing
        lacking = [m for m in range(1, 13) if m not in by_month]
        if lacking:
            raise ParameterUnavailable(
                f"参数 {derived}（{self.name} 的{ANNUAL_MEAN}）需要 {year} 年每个月的取值；"
                f"缺少：" + "、".join(f"{year}-{m:02d}" for m in lacking))
        mean = sum((Fraction(v) for v in by_month.values()), Fraction(0)) / 12
        exact = Decimal(mean.numerator) / Decimal(mean.denominator)
        return exact if Fraction(exact) == mean else mean

    def dated(self, as_of: date) -> Decimal:
        current: Decimal | None = None
        for start, value in self.values:
            if start <= as_of:
                current = value
        if current is None:
            first = self.values[0][0] if self.values else None
            raise ParameterUnavailable(
                f"参数 {self.name} 在 {as_of.isoformat()} 没有取值"
                + (f"（最早的取值自 {first.isoformat()} 起）" if first else "")
            )
        return current


@dataclass(frozen=True)
class Criterion:
    name: str
    rule_text: str
    note: str | None
    expr: _ir.Node
    fields: tuple[str, ...] = ()  # referenced catalog fields, in catalog order


@dataclass(frozen=True)
class Caps:
    per_enterprise: _ir.Node | None = None
    per_project: _ir.Node | None = None
    per_year: _ir.Node | None = None
    texts: Mapping[str, str] = field(default_factory=dict)  # cap name -> source text

    def items(self) -> list[tuple[str, _ir.Node]]:
        pairs = [("per_enterprise", self.per_enterprise), ("per_project", self.per_project),
                 ("per_year", self.per_year)]
        return [(name, node) for name, node in pairs if node is not None]


@dataclass(frozen=True)
class PolicyTest:
    name: str
    as_of: date
    facts: Mapping[str, Any]
    expect: Mapping[str, Any]
    line: int | None = None


@dataclass(eq=False)
class Item:
    id: str
    title: str
    department: str
    summary: str
    policy_text: str
    effective_from: date | None
    effective_to: date | None
    criteria: list[Criterion]
    amount: _ir.Node | None
    caps: Caps
    budget_per_year: Decimal | None
    exclusions: list[str]
    materials: list[str]
    auto_grant: bool
    finance_review: bool
    tests: list[PolicyTest]
    amount_text: str | None = None
    fields: tuple[str, ...] = ()  # every referenced catalog field, in catalog order
    line: int | None = None  # where the item starts in its file
    # where the item's rules come from, when more than the document's source: e.g. the national
    # document a criterion the seed does not state is taken from
    source: str | None = None
    # 申报期: the days (both included) applications are accepted; None = while in force
    apply_window: tuple[date, date] | None = None
    document: PolicyDocument = field(init=False, repr=False)
    # the order of `missing` by date (rules/_reach.py; it depends on the bound parameters)
    _ranked: dict[date, tuple[str, ...]] = field(default_factory=dict, init=False, repr=False)

    @property
    def starts(self) -> date:
        return self.effective_from or self.document.effective_from

    @property
    def material_ids(self) -> dict[str, str]:
        """Each required material by its id (m1, m2… in the file's order): a form or a 容缺 gap
        names a material by id, so a name containing "、" stays one material."""
        return {f"m{n}": name for n, name in enumerate(self.materials, start=1)}

    @property
    def ends(self) -> date | None:
        return self.effective_to or self.document.effective_to

    def in_force(self, as_of: date) -> bool:
        return self.starts <= as_of and (self.ends is None or as_of <= self.ends)

    def in_window(self, as_of: date) -> bool:
        """Within the 申报期 (always, when the item declares none)."""
        w = self.apply_window
        return w is None or w[0] <= as_of <= w[1]

    def accepts_applications(self, as_of: date) -> bool:
        return self.in_force(as_of) and self.in_window(as_of) and not self.auto_grant

    @property
    def window_text(self) -> str | None:
        """“2025-03-01 至 2025-05-31”, or None without a 申报期."""
        w = self.apply_window
        return None if w is None else f"{w[0].isoformat()} 至 {w[1].isoformat()}"

    def param(self, name: str, as_of: date) -> Decimal | Fraction:
        return self.document.parameters[name].value_at(as_of)

    @property
    def ir(self) -> _ir.ItemIR:
        """The item's typed expressions, unbound (may hold parameters, AS_OF, YEARS_AGO)."""
        amount_fields = _only(self.fields, self.amount)
        cap_fields = _only(self.fields, *(n for _, n in self.caps.items()))
        return _ir.ItemIR(
            item_id=self.id,
            criteria=tuple(_ir.CriterionIR(c.name, c.expr, c.fields) for c in self.criteria),
            amount=self.amount,
            amount_fields=amount_fields,
            caps=tuple(self.caps.items()),
            cap_fields=cap_fields,
            fields=ranked_fields(self.fields, amount_fields, cap_fields),
        )

    def bound_ir(self, as_of: date) -> _ir.ItemIR:
        """The typed expressions with parameters, AS_OF and YEARS_AGO replaced by constants."""
        unbound = self.ir

        def bind(node: _ir.Node) -> _ir.Node:
            return _ir.bind(node, lambda name: self.param(name, as_of), as_of)

        bound = _ir.ItemIR(
            item_id=self.id,
            criteria=tuple(_ir.CriterionIR(c.name, bind(c.expr), c.fields)
                           for c in unbound.criteria),
            amount=None if unbound.amount is None else bind(unbound.amount),
            amount_fields=unbound.amount_fields,
            caps=tuple((name, bind(node)) for name, node in unbound.caps),
            cap_fields=unbound.cap_fields,
            fields=unbound.fields,
            as_of=as_of,
        )
        # `missing` lists facts by the money they could unlock (rules/_reach.py)
        ranked = self._ranked.get(as_of)
        if ranked is None:
            ranked = self._ranked[as_of] = _reach.ranked(bound)
        return replace(bound, fields=ranked)


def _only(order: tuple[str, ...], *nodes: _ir.Node | None) -> tuple[str, ...]:
    names: set[str] = set()
    for node in nodes:
        if node is not None:
            names |= _ir.field_names(node)
    return tuple(n for n in order if n in names)


@dataclass(eq=False)
class PolicyDocument:
    id: str
    title: str
    doc_no: str | None
    issuer: str
    regions: tuple[str, ...]  # 6-digit 行政区划代码; a city or province code covers its districts
    source: str
    effective_from: date
    effective_to: date | None
    parameters: dict[str, Parameter]
    items: list[Item]
    path: Path

    def __post_init__(self) -> None:
        for item in self.items:
            item.document = self

    def in_force(self, as_of: date) -> bool:
        return self.effective_from <= as_of and (
            self.effective_to is None or as_of <= self.effective_to)

    @property
    def region(self) -> str:
        """The first region declared (for display); use `covers` to decide where it applies."""
        return self.regions[0]

    def covers(self, region: str | None) -> bool | None:
        """Whether the document applies to an enterprise of `region` (None: region unknown)."""
        return _regions.covers(self.regions, region)


class PolicySet:
    """Documents loaded together; item ids are unique across the set."""

    def __init__(self, documents: list[PolicyDocument]) -> None:
        self.documents = list(documents)
        self._items = {item.id: item for doc in self.documents for item in doc.items}

    @property
    def items(self) -> list[Item]:
        return list(self._items.values())

    def item(self, item_id: str) -> Item:
        return self._items[item_id]

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def __iter__(self) -> Iterator[PolicyDocument]:
        return iter(self.documents)

    def __len__(self) -> int:
        return len(self.documents)

    def in_force(self, as_of: date) -> list[Item]:
        return [item for item in self.items if item.in_force(as_of)]
