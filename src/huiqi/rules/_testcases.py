"""Reading the test cases of an item: facts typed by the catalog, expectations by the format."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import yaml

from huiqi.rules import _yamlnodes as yn
from huiqi.rules._checker import suggest
from huiqi.rules._facts import FactError, coerce
from huiqi.rules._model import PolicyTest
from huiqi.rules._problems import Msg, prefixed

if TYPE_CHECKING:
    from huiqi.rules._loader import FileReader

TEST_KEYS = {"name": True, "as_of": True, "facts": False, "expect": True}
EXPECT_KEYS = {"eligible": False, "amount": False, "failed": False, "missing": False,
               "near_miss": False}


def read_tests(r: FileReader, node: yaml.Node, criteria: list[str]) -> list[PolicyTest]:
    out: list[PolicyTest] = []
    for entry in r.guard(yn.sequence, node, "tests") or []:
        test = _read_test(r, entry, criteria)
        if test is not None:
            out.append(test)
    return out


def _read_test(r: FileReader, node: yaml.Node, criteria: list[str]) -> PolicyTest | None:
    spec = r.keys(node, TEST_KEYS, "测试用例")
    if spec is None or not {"name", "as_of", "expect"} <= spec.keys():
        return None
    before = len(r.problems)
    name = r.guard(yn.required_text, spec["name"][1], "测试用例的 name")
    as_of = r.guard(yn.iso_date, spec["as_of"][1], "测试用例的 as_of")
    facts = _facts(r, spec["facts"][1]) if "facts" in spec else {}
    expect = _expect(r, spec["expect"][1], criteria)
    if name is not None:
        for i in range(before, len(r.problems)):
            p = r.problems[i]
            r.problems[i] = replace(p, message=prefixed(f"测试用例“{name}”：", p.message))
    if len(r.problems) > before or name is None or as_of is None:
        return None
    return PolicyTest(name, as_of, facts, expect, yn.position(node).line)


def _facts(r: FileReader, node: yaml.Node) -> dict[str, Any]:
    if yn.is_null(node):
        return {}
    found = r.guard(yn.mapping, node, "facts") or {}
    facts: dict[str, Any] = {}
    for name, (key, value) in found.items():
        spec = r.catalog.get(name)
        if spec is None:
            r.report(key, Msg("unknown_field",
                              f"未知字段 '{name}'{suggest(name, r.catalog.names())}"))
            continue
        raw = r.guard(yn.plain, value)
        try:
            facts[name] = coerce(spec, raw, strict=True)
        except FactError as err:
            r.report(value, Msg(err.code, str(err)))
    return facts


def _expect(r: FileReader, node: yaml.Node, criteria: list[str]) -> dict[str, Any]:
    found = r.keys(node, EXPECT_KEYS, "expect") or {}
    out: dict[str, Any] = {}
    if "eligible" in found:
        value = found["eligible"][1]
        if yn.tag(value) == "bool":
            out["eligible"] = yn.boolean(value, "eligible")
        elif isinstance(value, yaml.ScalarNode) and value.value == "unknown":
            out["eligible"] = None
        else:
            r.report(value, Msg("expect_eligible",
                                "eligible 应为 true（是）、false（否）或 unknown（待定）"))
    if "amount" in found:
        value = found["amount"][1]
        written = None if yn.is_null(value) else r.guard(yn.number_text, value, "amount")
        if written is not None and Decimal(written) != Decimal(written).quantize(Decimal("0.01")):
            r.report(value, Msg("expect_amount", "amount 以元为单位，最多两位小数"))
        out["amount"] = None if written is None else Decimal(written)
    for key, known, what in (("failed", criteria, "条件"),
                             ("missing", r.catalog.names(), "字段")):
        if key not in found:
            continue
        names = []
        for entry in r.guard(yn.sequence, found[key][1], key) or []:
            text = r.guard(yn.required_text, entry, f"{key} entry")
            if text is not None and text not in known:
                r.report(entry, Msg("unknown_criterion" if key == "failed" else "unknown_field",
                                    f"{key}：未知{what} '{text}'{suggest(text, list(known))}"))
            names.append(text)
        out[key] = names
    if "near_miss" in found:
        out["near_miss"] = r.guard(yn.boolean, found["near_miss"][1], "near_miss")
    return out
