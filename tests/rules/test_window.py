"""申报期 (apply_window) in a policy file: read, and checked by the policy checker."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from huiqi.rules import Catalog, load_policy_file
from tests.rules.factory import item_dict, policy_text, write_policy
from tests.rules.test_loader import codes, problems

CRITERIA = {"有贷款": "loan_amount > 0"}


def _file(tmp_path: Path, window: Any, **item: Any) -> Path:
    body = item_dict(CRITERIA, "loan_amount * 0.01", apply_window=window, **item)
    return write_policy(tmp_path, policy_text([body], effective_to="2025-12-31"))


def test_a_window_is_read_and_bounds_applications(tmp_path: Path, catalog: Catalog) -> None:
    path = _file(tmp_path, {"from": "2025-03-01", "to": "2025-05-31"})
    item = load_policy_file(path, catalog).items[0]
    assert item.apply_window == (date(2025, 3, 1), date(2025, 5, 31))
    assert item.window_text == "2025-03-01 至 2025-05-31"
    inside = [date(2025, 3, 1), date(2025, 4, 30), date(2025, 5, 31)]
    outside = [date(2025, 2, 28), date(2025, 6, 1)]
    assert all(item.in_window(d) and item.accepts_applications(d) for d in inside)
    assert not any(item.in_window(d) or item.accepts_applications(d) for d in outside)
    plain = load_policy_file(write_policy(tmp_path, policy_text(
        [item_dict(CRITERIA, "loan_amount * 0.01")]), "plain.yaml"), catalog).items[0]
    assert plain.apply_window is None and plain.in_window(date(2030, 1, 1))


@pytest.mark.parametrize(("window", "item", "code", "said"), [
    ({"from": "2025-05-31", "to": "2025-03-01"}, {}, "window_reversed",
     "申报期的截止日期（2025-03-01）早于开始日期（2025-05-31）"),
    ({"from": "2023-12-01", "to": "2024-03-01"}, {}, "window_before_validity",
     "申报期开始日期（2023-12-01）早于事项的生效日期（2024-01-01）"),
    ({"from": "2025-11-01", "to": "2026-01-31"}, {}, "window_after_validity",
     "申报期截止日期（2026-01-31）晚于事项的失效日期（2025-12-31）"),
    # the item's own dates, not only the document's
    ({"from": "2025-01-01", "to": "2025-07-01"}, {"effective_to": "2025-06-30"},
     "window_after_validity", "申报期截止日期（2025-07-01）晚于事项的失效日期（2025-06-30）"),
    ({"from": "2025-01-01"}, {}, "missing_key", "缺少必填的键 'to'"),
    ({"from": "2025-01-01", "to": "2025-02-30"}, {}, "invalid_date", "不是有效日期"),
])
def test_the_checker_refuses_a_bad_window(tmp_path: Path, catalog: Catalog, window: Any,
                                          item: dict[str, Any], code: str, said: str) -> None:
    path = _file(tmp_path, window, **item)
    assert codes(path, catalog) == [code]
    [line] = problems(path, catalog)
    assert said in line
