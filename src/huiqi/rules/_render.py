"""Render IR expressions readably in Chinese, with catalog labels and, optionally, values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from huiqi.rules import ir
from huiqi.rules._catalog import Catalog, FieldSpec, FieldType

_OPS = {"=": "=", "<>": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}
_RATIO_UNITS = ("比例",)


def format_number(value: Decimal, places: int | None = None) -> str:
    if places is not None:
        return f"{value:,.{places}f}"
    text = f"{value.normalize():,f}"
    return text


def format_fraction(value: Fraction) -> str:
    """A rational with no finite decimal expansion, to 10 places, marked as not exact."""
    shown = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("1e-10"))
    return f"{shown.normalize():,f}…"


def format_value(spec: FieldSpec | None, value: ir.Value) -> str:
    """A fact as an enterprise would read it: 6,000,000.00 元, 是, 小型, 5.5%."""
    if value is None:
        return "未提供"
    if isinstance(value, Fraction):
        return format_fraction(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if spec is None:
            return format_number(value)
        if spec.type is FieldType.MONEY:
            return f"{value:,.2f} 元"
        if spec.unit in _RATIO_UNITS:
            return f"{format_number(value * 100)}%"
        text = format_number(value, spec.scale if spec.type is FieldType.DECIMAL else 0)
        return f"{text} {spec.unit}" if spec.unit else text
    if spec is not None and spec.values and value in spec.values:
        return spec.values[value]
    return f"“{value}”"


def _looser(child: ir.Node, parent: ir.Arith, right: bool) -> bool:
    """True when the child needs no parentheses under `parent` (it binds at least as tight)."""
    if not isinstance(child, ir.Arith):
        return True
    if parent.op == "*":
        return child.op == "*" and not right
    return not right or child.op == "*"


class Renderer:
    """`values` (field -> value) and `params` substitute numbers for names when given."""

    def __init__(self, catalog: Catalog, as_of: date,
                 params: Callable[[str], Decimal] | None = None,
                 param_labels: Mapping[str, str] | None = None,
                 values: Mapping[str, ir.Value] | None = None,
                 evaluate: Callable[[ir.Node], ir.Value] | None = None) -> None:
        self.evaluate = evaluate  # with values: show only the CASE branch actually taken
        self.catalog = catalog
        self.as_of = as_of
        self.params = params
        self.param_labels = param_labels or {}
        self.values = values

    def condition(self, node: ir.Node, top: bool = True) -> str:
        """A condition; a yes/no field alone reads as "高新技术企业：是"."""
        if isinstance(node, ir.FieldRef) and node.type is ir.ValueType.BOOL:
            return f"{self._label(node.name)}：是"
        return self.render(node, top)

    def render(self, node: ir.Node, top: bool = True) -> str:
        if isinstance(node, ir.FieldRef):
            if self.values is not None:
                return self._number_or_value(node.name, self.values.get(node.name))
            return self._label(node.name)
        if isinstance(node, ir.ParamRef):
            if self.values is not None and self.params is not None:
                return format_number(self.params(node.name))
            return self.param_labels.get(node.name, node.name)
        if isinstance(node, ir.Const):
            return self._const(node, None)
        if isinstance(node, ir.AsOf):
            return f"评估日（{self.as_of.isoformat()}）"
        if isinstance(node, ir.YearsAgo):
            return f"{node.years}年前（{ir.years_ago(self.as_of, node.years).isoformat()}）"
        if isinstance(node, ir.Compare):
            return self._compare(node)
        if isinstance(node, ir.And | ir.Or):
            joiner = " 且 " if isinstance(node, ir.And) else " 或 "
            text = joiner.join(self.condition(a, False) for a in node.args)
            return text if top else f"（{text}）"
        return self._other(node, top)

    def _other(self, node: ir.Node, top: bool) -> str:
        if isinstance(node, ir.Not):
            if isinstance(node.arg, ir.Like | ir.InList | ir.IsNull) and node.arg.negated:
                return self.render(replace(node.arg, negated=False), top)
            if isinstance(node.arg, ir.FieldRef):
                return f"{self._label(node.arg.name)}：否"
            return f"并非{self.render(node.arg, False)}"
        if isinstance(node, ir.IsNull):
            return f"{self.render(node.arg, False)}{'已填报' if node.negated else '未填报'}"
        if isinstance(node, ir.InList):
            spec = self._spec(node.arg)
            options = "、".join(self._const(c, spec) for c in node.items)
            verb = "不是" if node.negated else "是"
            return f"{self.render(node.arg, False)} {verb} {options}" + ("" if node.negated
                                                                          else " 之一")
        if isinstance(node, ir.Between):
            spec = self._spec(node.arg)
            return (f"{self.render(node.arg, False)} 在 {self._side(node.low, spec)} 至 "
                    f"{self._side(node.high, spec)} 之间（含两端）")
        if isinstance(node, ir.Like):
            return self._like(node)
        if isinstance(node, ir.Arith):
            op = {"+": " + ", "-": " − ", "*": " × "}[node.op]
            left = self.render(node.left, top=_looser(node.left, node, right=False))
            right = self.render(node.right, top=_looser(node.right, node, right=True))
            text = f"{left}{op}{right}"
            return text if top else f"({text})"
        if isinstance(node, ir.Ratio):
            return format_fraction(Fraction(node.arg.value) / node.divisor) \
                if isinstance(node.arg, ir.Const) and isinstance(node.arg.value, Decimal) \
                else f"{self.render(node.arg, False)} ÷ {node.divisor}"
        if isinstance(node, ir.Neg):
            return f"−{self.render(node.arg, False)}"
        if isinstance(node, ir.Abs):
            return f"|{self.render(node.arg)}|"
        if isinstance(node, ir.Extreme):
            name = "取较小值" if node.fn == "least" else "取较大值"
            return f"{name}({', '.join(self.render(a) for a in node.args)})"
        if self.evaluate is not None and isinstance(node, ir.Case | ir.Coalesce):
            return self._taken(node, top)
        if isinstance(node, ir.Coalesce):
            first, *rest = node.args
            fallback = "，否则取 ".join(self.render(a) for a in rest)
            return f"{self.render(first, False)}（未填报时取 {fallback}）"
        if isinstance(node, ir.Case):
            parts = [f"如果{self.condition(c)}则 {self.render(v)}" for c, v in node.whens]
            return "；".join(parts) + f"；否则 {self.render(node.default)}"
        return type(node).__name__

    def _taken(self, node: ir.Case | ir.Coalesce, top: bool) -> str:
        assert self.evaluate is not None
        if isinstance(node, ir.Coalesce):
            chosen = next((a for a in node.args if self.evaluate(a) is not None), node.args[-1])
        else:
            chosen = next((v for c, v in node.whens if self.evaluate(c) is True), node.default)
        return self.render(chosen, top)

    # -- pieces ----------------------------------------------------------------------------

    def _label(self, name: str) -> str:
        spec = self.catalog.get(name)
        return spec.label if spec else name

    def _spec(self, node: ir.Node) -> FieldSpec | None:
        return self.catalog.get(node.name) if isinstance(node, ir.FieldRef) else None

    def _number_or_value(self, name: str, value: ir.Value) -> str:
        if isinstance(value, Decimal):
            return format_number(value)
        return format_value(self.catalog.get(name), value)

    def _const(self, node: ir.Const, spec: FieldSpec | None) -> str:
        value = node.value
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, Decimal):
            if spec is not None and spec.unit in _RATIO_UNITS:
                return f"{format_number(value * 100)}%"
            unit = f" {spec.unit}" if spec is not None and spec.unit else ""
            return format_number(value) + unit
        if isinstance(value, date):
            return value.isoformat()
        if spec is not None and spec.values and value in spec.values:
            return spec.values[value]
        return f"“{value}”"

    def _side(self, node: ir.Node, spec: FieldSpec | None) -> str:
        return self._const(node, spec) if isinstance(node, ir.Const) else self.render(node, False)

    def _compare(self, node: ir.Compare) -> str:
        left, right = node.left, node.right
        if isinstance(left, ir.FieldRef) and isinstance(right, ir.Const) \
                and isinstance(right.value, bool) and node.op in ("=", "<>"):
            yes = right.value == (node.op == "=")
            return f"{self._label(left.name)}：{'是' if yes else '否'}"
        spec = self._spec(left) or self._spec(right)
        op = _OPS[node.op]
        if spec is not None and spec.type is FieldType.ENUM and node.op in ("=", "<>"):
            op = "为" if node.op == "=" else "不为"
        return f"{self._side(left, spec)} {op} {self._side(right, spec)}"

    def _like(self, node: ir.Like) -> str:
        arg = self.render(node.arg, False)
        body = node.pattern[:-1] if node.pattern.endswith("%") else None
        if body is not None and "%" not in body and "_" not in body:
            text = f"{arg} 以“{body}”开头"
        else:
            text = f"{arg} 符合“{node.pattern}”（% 任意字符，_ 一个字符）"
        return f"并非 {text}" if node.negated else text
