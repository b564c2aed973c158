"""Run the test cases written in policy files (`huiqi policy check`)."""

from __future__ import annotations

from collections.abc import Iterable
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
    message: str  # what differed; '' when passed


def _items(target: PolicySet | PolicyDocument | Item | Iterable[Item]) -> list[Item]:
    if isinstance(target, PolicySet):
        return target.items
    if isinstance(target, PolicyDocument):
        return list(target.items)
    if isinstance(target, Item):
        return [target]
    return list(target)


def run_policy_tests(target: PolicySet | PolicyDocument | Item | Iterable[Item]
                     ) -> list[PolicyTestResult]:
    results = []
    for item in _items(target):
        for test in item.tests:
            try:
                outcome = evaluate(item, test.facts, test.as_of)
            except (ParameterUnavailable, FactError) as err:
                results.append(PolicyTestResult(item.id, test.name, False, str(err)))
                continue
            problems = compare(test, outcome)
            results.append(PolicyTestResult(item.id, test.name, not problems, "；".join(problems)))
    return results


def _show(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def compare(test: PolicyTest, outcome: Outcome) -> list[str]:
    """Differences between a test's expectations and the outcome, one message each."""
    actual: dict[str, Any] = {
        "eligible": outcome.eligible, "amount": outcome.amount, "failed": outcome.failed,
        "missing": outcome.missing, "near_miss": outcome.near_miss,
    }
    problems = []
    for key, want in test.expect.items():
        got = actual[key]
        if got != want:
            extra = ""
            if key == "eligible" and outcome.failed:
                extra = f"（未满足：{'、'.join(outcome.failed)}）"
            elif key == "eligible" and outcome.missing:
                extra = f"（缺少：{'、'.join(outcome.missing)}）"
            shown_want = "none" if key == "amount" and want is None else _show(want)
            shown_got = "none" if key == "amount" and got is None else _show(got)
            problems.append(f"{key} 期望 {shown_want}，实际 {shown_got}{extra}")
    return problems
