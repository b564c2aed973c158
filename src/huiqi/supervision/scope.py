"""Which enterprises an 抽查事项 applies to: its `applies` expression is a policy criterion over
the registry catalog (docs/policy-format.md), checked and evaluated by `huiqi.rules` exactly like
a policy's criteria. An enterprise whose facts leave the answer unknown is listed as such — never
silently in or out."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from huiqi.kit.errors import ValidationFailed
from huiqi.registry.service import load_catalog
from huiqi.rules import Item, PolicyError, compile_item, evaluate, load_policy_text


def _document(expression: str) -> str:
    body = expression.replace("\n", " ").replace('"', '\\"')
    return (
        "policy:\n  id: supervision.scope\n  title: 抽查事项适用范围\n  issuer: 营商办\n"
        '  region: "100000"\n  source: 抽查事项清单\n  effective_from: 2000-01-01\n'
        "items:\n  - id: supervision.scope.item\n    title: 适用范围\n    department: 监管部门\n"
        "    policy_text: 抽查事项适用范围\n    criteria:\n      适用企业:\n"
        f'        rule: "{body}"\n')


def compile_scope(expression: str) -> Item:
    """The expression as a rules Item; a clear 422 naming the problem if it does not check."""
    if not expression.strip():
        raise ValidationFailed("适用企业条件不能为空；适用全部企业请填写 uscc IS NOT NULL。")
    try:
        item = load_policy_text(_document(expression), "抽查事项", load_catalog()).items[0]
    except PolicyError as exc:
        detail = "；".join(p.message for p in exc.problems)
        raise ValidationFailed(f"适用企业条件有误：{detail}") from exc
    catalog = load_catalog()
    facts = [f for f in fields_of([item]) if catalog[f].kind != "profile"]
    if facts:
        raise ValidationFailed("适用企业条件只能使用企业画像字段，不能使用申报信息："
                               + "、".join(facts))
    return item


def scope_sql(items: Sequence[Item], as_of: date, dialect: str) -> list[str]:
    """Each item's eligibility as a SQL expression over `enterprises AS src` (1 / 0 / NULL)."""
    name = "postgres" if dialect == "postgresql" else "sqlite"
    return [compile_item(i, as_of, name, table="src", columns="natural").eligible for i in items]


def scope_of(flags: Iterable[tuple[str, list[int | None]]]) -> Scope:
    """In scope: some item applies; unknown: none applies for sure and one is unknown."""
    inside, unknown = [], []
    for uscc, values in flags:
        if any(v == 1 for v in values):
            inside.append(uscc)
        elif any(v is None for v in values):
            unknown.append(uscc)
    return Scope(inside, unknown)


def rule_version(expressions: Iterable[str]) -> str:
    """SHA-256 over the expressions (sorted, one per line) and the catalog's fields: the version
    of the rule that decided who is in scope, published in the commitment."""
    catalog = ",".join(sorted(f"{f.name}:{f.type.value}" for f in load_catalog()))
    text = "\n".join(sorted(e.strip() for e in expressions)) + "\n#catalog " + catalog
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fields_of(items: Sequence[Item]) -> list[str]:
    names: set[str] = set()
    for item in items:
        for criterion in item.bound_ir(date(2000, 1, 1)).criteria:
            names.update(criterion.fields)
    return sorted(names)


@dataclass(frozen=True)
class Scope:
    inside: list[str]  # USCCs for which some item applies
    unknown: list[str]  # no item applies for sure and at least one is unknown


def evaluate_scope(items: Sequence[Item], rows: Iterable[dict[str, Any]], as_of: date) -> Scope:
    inside, unknown = [], []
    for row in rows:
        results = [evaluate(item, row, as_of).eligible for item in items]
        if any(r is True for r in results):
            inside.append(str(row["uscc"]))
        elif any(r is None for r in results):
            unknown.append(str(row["uscc"]))
    return Scope(inside, unknown)
