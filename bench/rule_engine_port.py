"""Translate a policy item's IR into the `rule-engine` package's language, for the benchmark.

rule-engine has no SQL NULL logic, so the benchmark feeds it complete rows (missing values filled
with neutral defaults); it measures speed, not semantics.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import rule_engine

from huiqi.rules import FieldType, Item, ir


def _lit(node: ir.Const) -> str:
    v = node.value
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return str(float(v))
    if isinstance(v, date):
        return f"d'{v.isoformat()}'"
    return '"' + str(v).replace('"', '\\"') + '"'


def to_text(node: ir.Node) -> str:
    if isinstance(node, ir.Const):
        return _lit(node)
    if isinstance(node, ir.FieldRef):
        return node.name
    if isinstance(node, ir.Arith):
        return f"({to_text(node.left)} {node.op} {to_text(node.right)})"
    if isinstance(node, ir.Neg):
        return f"(-{to_text(node.arg)})"
    if isinstance(node, ir.Abs):
        a = to_text(node.arg)
        return f"({a} < 0 ? -{a} : {a})"
    if isinstance(node, ir.Compare):
        op = {"=": "==", "<>": "!="}.get(node.op, node.op)
        return f"({to_text(node.left)} {op} {to_text(node.right)})"
    if isinstance(node, ir.And | ir.Or):
        word = " and " if isinstance(node, ir.And) else " or "
        return "(" + word.join(to_text(a) for a in node.args) + ")"
    if isinstance(node, ir.Not):
        return f"(not {to_text(node.arg)})"
    if isinstance(node, ir.IsNull):
        return f"({to_text(node.arg)} {'!=' if node.negated else '=='} null)"
    if isinstance(node, ir.InList):
        items = ", ".join(_lit(c) for c in node.items)
        text = f"({to_text(node.arg)} in [{items}])"
        return f"(not {text})" if node.negated else text
    if isinstance(node, ir.Between):
        a = to_text(node.arg)
        return f"({a} >= {to_text(node.low)} and {a} <= {to_text(node.high)})"
    if isinstance(node, ir.Like):
        regex = "^" + "".join(".*" if c == "%" else "." if c == "_" else c for c in node.pattern)
        text = f'({to_text(node.arg)} =~ "{regex}$")'
        return f"(not {text})" if node.negated else text
    if isinstance(node, ir.Case):
        out = to_text(node.default)
        for cond, value in reversed(node.whens):
            out = f"({to_text(cond)} ? {to_text(value)} : {out})"
        return out
    if isinstance(node, ir.Extreme):
        out = to_text(node.args[0])
        cmp = "<" if node.fn == "least" else ">"
        for arg in node.args[1:]:
            b = to_text(arg)
            out = f"({out} {cmp} {b} ? {out} : {b})"
        return out
    if isinstance(node, ir.Coalesce):
        out = to_text(node.args[-1])
        for arg in reversed(node.args[:-1]):
            a = to_text(arg)
            out = f"({a} != null ? {a} : {out})"
        return out
    raise TypeError(type(node).__name__)


def compile_for_rule_engine(item: Item, as_of: date) -> tuple[rule_engine.Rule, rule_engine.Rule]:
    bound = item.bound_ir(as_of)
    eligible = " and ".join(to_text(c.expr) for c in bound.criteria) or "true"
    amount = to_text(bound.amount) if bound.amount is not None else "0"
    for _name, cap in bound.caps:
        cap_text = to_text(cap)
        amount = f"({amount} < {cap_text} ? {amount} : {cap_text})"
    return rule_engine.Rule(eligible), rule_engine.Rule(amount)


def fill_defaults(record: dict[str, object], catalog) -> dict[str, object]:  # type: ignore[no-untyped-def]
    out: dict[str, object] = {}
    for spec in catalog:
        v = record.get(spec.name)
        if v is None:
            v = {FieldType.BOOL: False, FieldType.DATE: date(2000, 1, 1)}.get(
                spec.type, 0.0 if spec.type.is_numeric else "")
        elif spec.type.is_numeric:
            v = float(v)  # type: ignore[arg-type]
        out[spec.name] = v
    return out
