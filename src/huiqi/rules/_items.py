"""Reading one item of a policy file: metadata, criteria, amount, caps, tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import yaml

from huiqi.rules import _regions, _window, ir
from huiqi.rules import _yamlnodes as yn
from huiqi.rules._checker import Checker
from huiqi.rules._model import (
    Caps,
    Criterion,
    Item,
    Parameter,
    ParameterUnavailable,
    PolicyTest,
)
from huiqi.rules._problems import Msg, Problem, prefixed
from huiqi.rules._testcases import read_tests

if TYPE_CHECKING:
    from huiqi.rules._loader import FileReader

Nodes = dict[str, tuple[yaml.Node, yaml.Node]]


def read_item(r: FileReader, node: yaml.Node, checker: Checker, params: dict[str, Parameter],
              doc_start: object, doc_end: object) -> Item | None:
    from huiqi.rules._loader import ID, ITEM_KEYS

    if isinstance(node, yaml.MappingNode):  # name the item in problems about its keys too
        r.item_id = next((str(v.value) for k, v in node.value
                          if isinstance(k, yaml.ScalarNode) and k.value == "id"
                          and isinstance(v, yaml.ScalarNode)), None)
    spec = r.keys(node, ITEM_KEYS, "事项")
    if spec is None:
        return None
    before = len(r.problems)
    item_id = r.guard(yn.required_text, spec["id"][1], "事项编号 id") if "id" in spec else None
    r.item_id = item_id
    if item_id is not None and not ID.match(item_id):
        r.report(spec["id"][1], Msg("item_id_format", f"事项编号 '{item_id}' 应形如“地区.名称”"
                                    "（小写字母、数字、点和短横线），如 dongbao.ecommerce-loan"))
    texts = {k: _text(r, spec, k, optional=k in ("summary", "source"))
             for k in ("title", "department", "summary", "policy_text", "source")}
    start, end = _dates(r, spec, doc_start, doc_end)
    window = _window.read(r, spec["apply_window"][1], start or doc_start, end or doc_end) \
        if "apply_window" in spec else None
    criteria = _criteria(r, spec, checker)
    r.criterion = None
    criteria.extend(_region_criterion(r, spec, checker, criteria))
    amount = _amount(r, spec.get("amount"), checker, "amount")
    caps = _caps(r, spec, checker)
    budget = _budget(r, spec)
    exclusions = _strings(r, spec, "exclusions", ids=True)
    materials = _strings(r, spec, "materials")
    flags = {k: bool(r.guard(yn.boolean, spec[k][1], k)) if k in spec else False
             for k in ("auto_grant", "finance_review")}
    implicit = [_regions.CRITERION] if r.regions and not _regions.national(r.regions) else []
    names = [*_criterion_names(spec), *implicit]
    tests = read_tests(r, spec["tests"][1], names) if "tests" in spec else []
    tests = [_in_region(t, r.regions) for t in tests]
    if len(r.problems) > before or item_id is None:
        return None
    order = r.catalog.names()
    used: set[str] = set()
    exprs = [c.expr for c in criteria] + [n for _, n in caps.items()]
    for expr in exprs + ([amount[0]] if amount else []):
        used |= ir.field_names(expr)
    item = Item(
        id=item_id, title=texts["title"] or "", department=texts["department"] or "",
        summary=texts["summary"] or "", policy_text=texts["policy_text"] or "",
        effective_from=start, effective_to=end, criteria=criteria,
        amount=amount[0] if amount else None, caps=caps, budget_per_year=budget,
        exclusions=exclusions, materials=materials, auto_grant=flags["auto_grant"],
        finance_review=flags["finance_review"], tests=tests,
        amount_text=amount[1] if amount else None,
        fields=tuple(n for n in order if n in used), line=yn.position(node).line,
        source=texts["source"], apply_window=window)
    _check_parameters(r, item, params, doc_start)
    return item if len(r.problems) == before else None


def _region_criterion(r: FileReader, spec: Nodes, checker: Checker,
                      declared: list[Criterion]) -> list[Criterion]:
    """The implicit 适用地区 criterion, made from the document's regions like any other, so every
    engine applies it and explanations name it."""
    if not r.regions or _regions.national(r.regions):
        return []
    if any(c.name == _regions.CRITERION for c in declared):
        r.report(spec["criteria"][1], Msg("region_criterion_reserved", f"“{_regions.CRITERION}”"
                                          "由平台按政策的适用地区自动添加，请给条件换个名称"))
        return []
    text = _regions.rule_text(r.regions)
    expr, issues = checker.check(text, ir.ValueType.BOOL)
    if expr is None or issues:  # only if the catalog has no region field
        r.report(spec["criteria"][1], Msg("region_unavailable",
                                          "无法按政策的适用地区设置条件："
                                          + "；".join(str(i.message) for i in issues)))
        return []
    return [Criterion(_regions.CRITERION, text, _regions.note(r.regions), expr, ("region",))]


def _in_region(test: PolicyTest, regions: tuple[str, ...]) -> PolicyTest:
    """A test case that does not give `region` is of the policy's (first) region; write
    `region: null` to test an enterprise whose region is unknown."""
    if "region" in test.facts or not regions or _regions.national(regions):
        return test
    return replace(test, facts={"region": regions[0], **test.facts})


def _criterion_names(spec: Nodes) -> list[str]:
    node = spec["criteria"][1] if "criteria" in spec else None
    if not isinstance(node, yaml.MappingNode):
        return []
    return [str(k.value) for k, _ in node.value if isinstance(k, yaml.ScalarNode)]


def _text(r: FileReader, spec: Nodes, key: str, optional: bool = False) -> str | None:
    if key not in spec:
        return None
    return r.guard(yn.text, spec[key][1], key, optional=optional)


def _dates(r: FileReader, spec: Nodes, doc_start: object, doc_end: object
           ) -> tuple[date | None, date | None]:
    got: dict[str, date | None] = {}
    for key in ("effective_from", "effective_to"):
        got[key] = r.guard(yn.iso_date, spec[key][1], key, optional=True) if key in spec else None
    start, end = got["effective_from"], got["effective_to"]
    if start and end and end < start:
        r.report(spec["effective_to"][1], Msg("dates_reversed", "失效日期（effective_to）早于"
                                              "生效日期（effective_from）"))
    if start and isinstance(doc_start, date) and start < doc_start:
        r.report(spec["effective_from"][1], Msg("item_starts_early", f"事项的生效日期（{start}）"
                                                f"早于所属政策文件（{doc_start}）"))
    if end and isinstance(doc_end, date) and end > doc_end:
        r.report(spec["effective_to"][1], Msg("item_ends_late", f"事项的失效日期（{end}）"
                                              f"晚于所属政策文件（{doc_end}）"))
    return start, end


def expression(r: FileReader, node: yaml.Node, checker: Checker, want: ir.ValueType,
               label: str = "") -> tuple[ir.Node, str] | None:
    """Check one expression node; problems carry the exact line and column in the file."""
    if not isinstance(node, yaml.ScalarNode) or yn.tag(node) not in ("str", "int", "float"):
        r.report(node, prefixed(label, Msg("expression_not_text", "表达式应写成文本")))
        return None
    text = str(node.value)
    result, issues = checker.check(text, want)
    for issue in issues:
        pos = yn.offset_position(node, r.lines, issue.offset)
        r.problems.append(Problem(str(r.path), r.item_id, r.criterion, pos.line, pos.column,
                                  prefixed(label, issue.message)))
    return (result, text) if result is not None else None


def _criteria(r: FileReader, spec: Nodes, checker: Checker) -> list[Criterion]:
    if "criteria" not in spec:
        return []
    found = r.guard(yn.mapping, spec["criteria"][1], "criteria")
    if not found:
        if found is not None:
            r.report(spec["criteria"][1], Msg("criteria_empty", "事项至少要有一个条件（criteria）"))
        return []
    out: list[Criterion] = []
    for name, (key, value) in found.items():
        r.criterion = name
        if not name.strip() or ";" in name:
            r.report(key, Msg("criterion_name", "条件名称不能为空，也不能含“;”"))
        note = None
        rule_node: yaml.Node | None = value
        if isinstance(value, yaml.MappingNode):
            parts = r.keys(value, {"rule": True, "note": False}, f"条件“{name}”") or {}
            rule_node = parts["rule"][1] if "rule" in parts else None
            if "note" in parts:
                note = r.guard(yn.text, parts["note"][1], "note", optional=True)
        if rule_node is None:
            continue
        checked = expression(r, rule_node, checker, ir.ValueType.BOOL)
        if checked is not None:
            expr, text = checked
            fields = tuple(n for n in r.catalog.names() if n in ir.field_names(expr))
            out.append(Criterion(name, text, note, expr, fields))
    return out


def _amount(r: FileReader, entry: tuple[yaml.Node, yaml.Node] | None, checker: Checker,
            label: str) -> tuple[ir.Node, str] | None:
    if entry is None or yn.is_null(entry[1]):
        return None
    return expression(r, entry[1], checker, ir.ValueType.NUMBER, f"{label}：")


def _caps(r: FileReader, spec: Nodes, checker: Checker) -> Caps:
    if "caps" not in spec or yn.is_null(spec["caps"][1]):
        return Caps()
    found = r.keys(spec["caps"][1], {k: False for k in ("per_enterprise", "per_project",
                                                       "per_year")}, "caps") or {}
    got: dict[str, ir.Node | None] = {}
    texts: dict[str, str] = {}
    for key in ("per_enterprise", "per_project", "per_year"):
        checked = _amount(r, found.get(key), checker, f"caps.{key}")
        got[key] = checked[0] if checked else None
        if checked:
            texts[key] = checked[1]
    return Caps(got["per_enterprise"], got["per_project"], got["per_year"], texts)


def _budget(r: FileReader, spec: Nodes) -> Decimal | None:
    if "budget" not in spec or yn.is_null(spec["budget"][1]):
        return None
    found = r.keys(spec["budget"][1], {"per_year": False}, "budget") or {}
    if "per_year" not in found or yn.is_null(found["per_year"][1]):
        return None
    written = r.guard(yn.number_text, found["per_year"][1], "budget.per_year")
    if written is None:
        return None
    value = Decimal(written)
    if value < 0 or value != value.quantize(Decimal("0.01")):
        r.report(found["per_year"][1], Msg("budget_format", "budget.per_year 应为不小于零的金额"
                                           "（元），最多两位小数"))
        return None
    return value


def _strings(r: FileReader, spec: Nodes, key: str, ids: bool = False) -> list[str]:
    from huiqi.rules._loader import ID

    if key not in spec:
        return []
    out: list[str] = []
    for node in r.guard(yn.sequence, spec[key][1], key) or []:
        value = r.guard(yn.required_text, node, f"{key} entry")
        if value is None:
            continue
        if ids and not ID.match(value):
            r.report(node, Msg("item_id_format",
                              f"'{value}' 不是事项编号（应形如 dongbao.ecommerce-loan）"))
        out.append(value)
    return out


def _check_parameters(r: FileReader, item: Item, params: dict[str, Parameter],
                      doc_start: object) -> None:
    """Every parameter the item uses must have a value from the day the item takes effect."""
    used = {n.name for c in item.criteria for n in ir.walk(c.expr) if isinstance(n, ir.ParamRef)}
    for expr in [item.amount, *(n for _, n in item.caps.items())]:
        if expr is not None:
            used |= {n.name for n in ir.walk(expr) if isinstance(n, ir.ParamRef)}
    start = item.effective_from or (doc_start if isinstance(doc_start, date) else None)
    for name in sorted(used):
        param = params[name]
        if start is not None and param.values and param.values[0][0] > start:
            r.problems.append(Problem(
                str(r.path), item.id, None, item.line, None,
                Msg("parameter_unavailable", f"参数 {name} 在 {param.values[0][0]} 之前没有取值，"
                    f"但事项自 {start} 起生效")))
    for test in item.tests:
        for name in sorted(used):
            try:
                params[name].value_at(test.as_of)
            except ParameterUnavailable as err:
                r.problems.append(Problem(str(r.path), item.id, None, test.line, None,
                                          Msg("parameter_unavailable",
                                              f"测试用例“{test.name}”：{err}")))
