"""Run the test cases written in policy files (`huiqi policy check`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from huiqi.rules._evaluator import Outcome, evaluate
from huiqi.rules._facts import FactError
from huiqi.rules._model import Item, ParameterUnavailable, PolicyDocument, PolicySet, PolicyTest


@dataclass(frozen=True)
class PolicyTestResult:
    item_id: str
    name: str
    passed: bool
    message: str  # what differed, in Chinese; '' when passed
    code: str = ""  # '' when passed; else `expectation` or the error's code


def _items(target: PolicySet | PolicyDocument | Item | Iterable[Item]) -> list[Item]:
    if isinstance(target, PolicySet):
        return target.items
    if isinstance(target, PolicyDocument):
        return list(target.items)
    if isinstance(target, Item):
        return [target]
    return list(target)


EXPECTED = {"eligible": "是否符合", "amount": "金额", "failed": "未满足的条件",
            "missing": "缺少的信息", "near_miss": "是否接近符合"}


def run_policy_tests(target: PolicySet | PolicyDocument | Item | Iterable[Item],
                     labels: Mapping[str, str] | None = None) -> list[PolicyTestResult]:
    """Each test case's result; `labels` (field name → catalog label) names missing facts."""
    results = []
    for item in _items(target):
        for test in item.tests:
            try:
                outcome = evaluate(item, test.facts, test.as_of)
            except (ParameterUnavailable, FactError) as err:
                code = err.code if isinstance(err, FactError) else "parameter_unavailable"
                results.append(PolicyTestResult(item.id, test.name, False, str(err), code))
                continue
            problems = compare(test, outcome, labels)
            results.append(PolicyTestResult(item.id, test.name, not problems, "；".join(problems),
                                            "expectation" if problems else ""))
    return results


def _show(value: Any, labels: Mapping[str, str]) -> str:
    if value is None:
        return "待定"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value:.2f} 元"
    if isinstance(value, list):
        return "、".join(labels.get(str(v), str(v)) for v in value) if value else "无"
    return str(value)


def compare(test: PolicyTest, outcome: Outcome,
            labels: Mapping[str, str] | None = None) -> list[str]:
    """Differences between a test's expectations and the outcome, one message each."""
    actual: dict[str, Any] = {
        "eligible": outcome.eligible, "amount": outcome.amount, "failed": outcome.failed,
        "missing": outcome.missing, "near_miss": outcome.near_miss,
    }
    labels = labels or {}
    problems = []
    for key, want in test.expect.items():
        got = actual[key]
        if got != want:
            extra = ""
            if key == "eligible" and outcome.failed:
                extra = f"（未满足：{'、'.join(outcome.failed)}）"
            elif key == "eligible" and outcome.missing:
                extra = f"（缺少：{_show(outcome.missing, labels)}）"
            shown_want = "无" if key == "amount" and want is None else _show(want, labels)
            shown_got = "无" if key == "amount" and got is None else _show(got, labels)
            problems.append(f"{EXPECTED[key]}：期望 {shown_want}，实际 {shown_got}{extra}")
    return problems
