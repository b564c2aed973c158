"""Explanations for enterprises and reviewers: each criterion in plain Chinese, then the amount."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from huiqi.rules import ir
from huiqi.rules._catalog import Catalog
from huiqi.rules._evaluator import Outcome, eval_node, evaluate, item_field_specs
from huiqi.rules._facts import coerce
from huiqi.rules._model import Item
from huiqi.rules._render import Renderer, format_fraction, format_value

_MARK = {True: "✓", False: "✗", None: "未知"}
_CAP_NAMES = {"per_enterprise": "每企业上限", "per_project": "每项目上限", "per_year": "每年上限"}


@dataclass(frozen=True)
class Explanation:
    item_id: str
    outcome: Outcome
    lines: list[str]

    def to_text(self) -> str:
        return "\n".join(self.lines)


def explain(item: Item, facts: Mapping[str, object], as_of: date, catalog: Catalog
            ) -> Explanation:
    outcome = evaluate(item, facts, as_of)
    env = {name: coerce(spec, facts.get(name))
           for name, spec in item_field_specs(item).items()}
    labels = {n: p.label for n, p in item.document.parameters.items()}
    words = Renderer(catalog, as_of, param_labels=labels)
    lines = [f"{item.title}（{item.id}），评估日 {as_of.isoformat()}", _verdict(outcome, catalog)]
    for criterion, result in zip(item.criteria, outcome.criteria, strict=True):
        rule = words.condition(criterion.expr)
        lines.append(f"{_MARK[result.value]} {criterion.name}：{rule}；{_facts(result, catalog)}")
        if criterion.note:
            lines.append(f"    说明：{criterion.note}")
    lines.extend(_amount_lines(item, outcome, env, as_of, catalog, labels))
    return Explanation(item.id, outcome, lines)


def describe_criterion(item: Item, name: str, catalog: Catalog, as_of: date) -> str:
    """A criterion as a reader says it: its note, else its rule in the catalog's labels
    ("贷款金额 大于 0", never "loan_amount > 0"); the name itself if the item has no such
    criterion."""
    found = next((c for c in item.criteria if c.name == name), None)
    if found is None:
        return name
    labels = {n: p.label for n, p in item.document.parameters.items()}
    return found.note or Renderer(catalog, as_of, param_labels=labels).condition(found.expr)


def _verdict(outcome: Outcome, catalog: Catalog) -> str:
    if outcome.eligible is True:
        return "结论：符合条件"
    if outcome.eligible is False:
        near = "（仅差一项）" if outcome.near_miss else ""
        return f"结论：不符合条件{near}，未满足：{'、'.join(outcome.failed)}"
    return f"结论：尚不能确定，请补充：{_labels(outcome.missing, catalog)}"


def _labels(names: list[str], catalog: Catalog) -> str:
    return "、".join(catalog[n].label if n in catalog else n for n in names)


def _facts(result: object, catalog: Catalog) -> str:
    fields: dict[str, ir.Value] = getattr(result, "fields", {})
    known = {n: v for n, v in fields.items() if v is not None}
    missing = [n for n, v in fields.items() if v is None]
    parts = []
    if known:
        if len(fields) == 1:
            name, value = next(iter(known.items()))
            parts.append(f"企业填报：{format_value(catalog.get(name), value)}")
        else:
            shown = "；".join(f"{catalog[n].label if n in catalog else n} "
                             f"{format_value(catalog.get(n), v)}" for n, v in known.items())
            parts.append(f"企业填报：{shown}")
    if missing:
        parts.append(f"尚未提供：{_labels(missing, catalog)}")
    return "；".join(parts) if parts else "无需企业数据"


def _amount_lines(item: Item, outcome: Outcome, env: Mapping[str, ir.Value], as_of: date,
                  catalog: Catalog, labels: Mapping[str, str]) -> list[str]:
    if item.amount is None:
        return []
    words = Renderer(catalog, as_of, param_labels=labels)
    bound = item.bound_ir(as_of)
    numbers = Renderer(catalog, as_of, values=env, evaluate=lambda n: eval_node(n, env))
    formula = f"金额：{words.render(item.amount)}"
    if outcome.eligible is not True:
        return [formula, "  不符合条件或尚不能确定时不计算金额"]
    if outcome.amount_before_caps is None:
        return [formula, f"  尚未提供：{_labels(outcome.missing, catalog)}"]
    assert bound.amount is not None
    substituted = numbers.render(bound.amount)
    lines = [formula, f"  = {substituted} = {_yuan(outcome.amount_before_caps)}"]
    for name, node in item.caps.items():
        value = outcome.caps.get(name)
        shown = words.render(node)
        text = _yuan(value) if value is not None else "未知"
        lines.append(f"  {_CAP_NAMES[name]}：{text}" + ("" if isinstance(node, ir.Const)
                                                        else f"（{shown}）"))
    capped = min([outcome.amount_before_caps,
                  *(v for v in outcome.caps.values() if v is not None)])
    if capped < outcome.amount_before_caps:
        lines.append(f"  按上限取 {_yuan(capped)}")
    if capped < 0:
        lines.append("  计算结果小于0，按0计")
    if outcome.amount is None:
        lines.append(f"  尚未提供：{_labels(outcome.missing, catalog)}")
    else:
        lines.append(f"  四舍五入到分：{_yuan(outcome.amount)}")
    return lines


def _yuan(value: Decimal | Fraction) -> str:
    if isinstance(value, Fraction):
        return f"{format_fraction(value)} 元"
    exact = value.normalize()
    exponent = exact.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{value:,.{places}f} 元"
