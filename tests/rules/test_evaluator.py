from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from huiqi.rules import FactError, ParameterUnavailable, evaluate
from tests.rules.factory import make_item

AS_OF = date(2025, 6, 1)


def eligible(tmp_path: Path, rule: str, **facts: object) -> bool | None:
    return evaluate(make_item(tmp_path, {"c": rule}), facts, AS_OF).eligible


@pytest.mark.parametrize(("rule", "facts", "want"), [
    ("high_tech AND above_size", {"high_tech": False}, False),  # FALSE AND NULL
    ("high_tech AND above_size", {"high_tech": True}, None),  # TRUE AND NULL
    ("high_tech OR above_size", {"high_tech": True}, True),  # TRUE OR NULL
    ("high_tech OR above_size", {"high_tech": False}, None),  # FALSE OR NULL
    ("NOT high_tech", {}, None),
    ("employees > 10", {}, None),
    ("employees IS NULL", {}, True),
    ("employees IS NOT NULL", {}, False),
    ("size_class IN ('small', 'micro')", {}, None),
    ("size_class NOT IN ('small', 'micro')", {}, None),
    ("size_class NOT IN ('small', 'micro')", {"size_class": "large"}, True),
    ("employees BETWEEN 1 AND 300", {"employees": 300}, True),
    ("employees BETWEEN 1 AND 300", {"employees": 301}, False),
    ("employees BETWEEN insured_employees AND 300", {"employees": 301}, False),  # NULL AND FALSE
    ("employees BETWEEN insured_employees AND 300", {"employees": 3}, None),
    ("industry_code LIKE 'C%'", {"industry_code": "c3841"}, False),  # case-sensitive
    ("industry_code LIKE 'C_8%'", {"industry_code": "C384"}, True),
    ("industry_code LIKE 'C%'", {}, None),
    ("COALESCE(major_violation_3y, FALSE) = FALSE", {}, True),
    # an unknown CASE condition makes the CASE unknown (not its ELSE branch)
    ("CASE WHEN high_tech THEN employees > 5 ELSE employees > 50 END", {"employees": 10}, None),
    ("CASE WHEN high_tech THEN employees > 5 ELSE employees > 50 END",
     {"employees": 10, "high_tech": False}, False),
    ("LEAST(employees, insured_employees) > 0", {"employees": 10}, None),  # strict
    ("GREATEST(employees, 3) >= 3", {"employees": 1}, True),
    ("founded_on > YEARS_AGO(3)", {"founded_on": "2022-06-02"}, True),
    ("founded_on > YEARS_AGO(3)", {"founded_on": "2022-06-01"}, False),
    ("founded_on <= AS_OF", {"founded_on": date(2025, 6, 1)}, True),
    ("industry_code >= 'C13' AND industry_code < 'C44'", {"industry_code": "C3841"}, True),
    ("ABS(-employees) = 7", {"employees": 7}, True),
])
def test_three_valued_logic(tmp_path: Path, rule: str, facts: dict[str, object],
                            want: bool | None) -> None:
    assert eligible(tmp_path, rule, **facts) is want


def test_outcome_failed_missing_and_near_miss(tmp_path: Path) -> None:
    item = make_item(tmp_path, {"规上": "above_size", "高新": "high_tech",
                                "人数": "employees >= 10 AND insured_employees >= 5"})
    out = evaluate(item, {"above_size": False, "employees": 20}, AS_OF)
    assert out.eligible is False and out.failed == ["规上"] and out.near_miss
    # unknown criteria still say what to supply, in catalog order
    assert out.missing == ["high_tech", "insured_employees"]
    assert [(c.name, c.value) for c in out.criteria] == [("规上", False), ("高新", None),
                                                         ("人数", None)]
    assert out.criteria[2].fields == {"employees": Decimal(20), "insured_employees": None}
    out = evaluate(item, {"above_size": False, "high_tech": False}, AS_OF)
    assert out.failed == ["规上", "高新"] and not out.near_miss


def test_money_is_exact_and_rounded_half_up_once(tmp_path: Path) -> None:
    item = make_item(tmp_path, {"c": "loan_amount > 0"}, "loan_amount * 0.015")
    assert evaluate(item, {"loan_amount": 1234567}, AS_OF).amount == Decimal("18518.51")
    assert evaluate(item, {"loan_amount": "1234566.99"}, AS_OF).amount == Decimal("18518.50")
    twice = make_item(tmp_path, {"c": "loan_amount > 0"},
                      "loan_amount * 0.005 + loan_amount * 0.005")
    out = evaluate(twice, {"loan_amount": "1.01"}, AS_OF)  # 0.0101 -> 0.01, not 0.01 + 0.01
    assert out.amount == Decimal("0.01") and out.amount_before_caps == Decimal("0.0101")
    floats = make_item(tmp_path, {"c": "loan_amount > 0"}, "loan_amount * 3")
    assert evaluate(floats, {"loan_amount": 0.1}, AS_OF).amount == Decimal("0.30")


def test_amount_floored_at_zero_and_capped(tmp_path: Path) -> None:
    item = make_item(tmp_path, {"c": "monthly_rent > 0"}, "monthly_rent - 1000",
                     caps={"per_enterprise": 5000, "per_year": "monthly_rent * 0.5"})
    assert evaluate(item, {"monthly_rent": 400}, AS_OF).amount == Decimal("0.00")
    assert evaluate(item, {"monthly_rent": 4000}, AS_OF).amount == Decimal("2000.00")
    out = evaluate(item, {"monthly_rent": 100000}, AS_OF)
    assert out.amount == Decimal("5000.00") and out.amount_before_caps == Decimal("99000.00")


def test_null_cap_makes_the_amount_unknown(tmp_path: Path) -> None:
    item = make_item(tmp_path, {"c": "loan_amount > 0"}, "loan_amount * lpr",
                     caps={"per_project": "revenue * 0.01"})
    out = evaluate(item, {"loan_amount": 1000}, AS_OF)
    assert out.eligible is True and out.amount is None and out.missing == ["revenue"]
    assert evaluate(item, {"loan_amount": 1000, "revenue": 10**6}, AS_OF).amount == Decimal("31.00")


def test_no_amount_unless_eligible(tmp_path: Path) -> None:
    item = make_item(tmp_path, {"c": "high_tech"}, "loan_amount * 0.1")
    out = evaluate(item, {"high_tech": False, "loan_amount": 100}, AS_OF)
    assert out.amount is None and out.amount_before_caps is None and out.missing == []


def test_parameters_are_taken_as_of_the_date(tmp_path: Path) -> None:
    item = make_item(tmp_path, {"c": "loan_amount > 0"}, "loan_amount * lpr")
    assert evaluate(item, {"loan_amount": 100}, date(2024, 12, 31)).amount == Decimal("3.45")
    assert evaluate(item, {"loan_amount": 100}, date(2025, 1, 1)).amount == Decimal("3.10")
    with pytest.raises(ParameterUnavailable):
        evaluate(item, {"loan_amount": 100}, date(2023, 12, 31))


def test_years_ago_on_29_february(tmp_path: Path) -> None:
    item = make_item(tmp_path, {"c": "founded_on >= YEARS_AGO(1)"})
    assert evaluate(item, {"founded_on": "2023-02-28"}, date(2024, 2, 29)).eligible is True
    assert evaluate(item, {"founded_on": "2023-02-27"}, date(2024, 2, 29)).eligible is False


@pytest.mark.parametrize(("value", "want"), [
    ("是", True), ("否", False), ("true", True), ("FALSE", False), (1, True), (0, False),
    ("", None), (None, None),
])
def test_bool_facts_are_coerced(tmp_path: Path, value: object, want: bool | None) -> None:
    out = evaluate(make_item(tmp_path, {"c": "high_tech"}), {"high_tech": value}, AS_OF)
    assert out.eligible is want


def test_number_and_date_facts_are_coerced(tmp_path: Path) -> None:
    item = make_item(tmp_path, {"c": "online_sales >= 5000000 AND founded_on < DATE '2020-01-01'"})
    assert evaluate(item, {"online_sales": "5,000,000", "founded_on": "2019-12-31"},
                    AS_OF).eligible is True
    assert evaluate(item, {"online_sales": 4999999.99, "founded_on": "2019-12-31"},
                    AS_OF).eligible is False
    with pytest.raises(FactError):
        evaluate(item, {"online_sales": "a lot"}, AS_OF)
    with pytest.raises(FactError):
        evaluate(item, {"founded_on": "31/12/2019"}, AS_OF)
