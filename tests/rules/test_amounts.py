"""Unknown facts in amounts and exact derived parameters (docs/policy-format.md)."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huiqi.rules import (
    Item,
    ParameterUnavailable,
    PolicyError,
    compile_item,
    evaluate,
    facts_by_money,
    field_reaches,
    load_policy_file,
)
from tests.rules.catalog_helper import load_catalog
from tests.rules.factory import make_item, policy_text, write_policy
from tests.rules.test_differential import items

AS_OF = date(2025, 6, 1)
ROBOT_CAP = "CASE WHEN robot_replacement THEN 5000000 ELSE 4000000 END"


def robot_item(tmp_path: Path) -> Item:
    return make_item(tmp_path, {"设备投资达标": "equipment_investment >= 5000000"},
                     amount="equipment_purchase * 0.10", caps={"per_project": ROBOT_CAP})


def sqlite_outcome(item: Item, facts: dict[str, Any], as_of: date = AS_OF
                   ) -> tuple[Any, ...]:
    """(eligible, amount_fen, failed, missing) from the compiled SQL on SQLite."""
    names = list(item.fields)
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE src (rid INTEGER, " + ", ".join(f'"{n}"' for n in names) + ")")
    values = [facts.get(n) for n in names]
    values = [str(v) if isinstance(v, Decimal) else v for v in values]
    con.execute(f"INSERT INTO src VALUES (0, {', '.join('?' for _ in names)})", values)
    sql = compile_item(item, as_of, "sqlite").select_sql("rid")
    row = con.execute(sql).fetchone()
    return tuple(row[1:])


def test_an_unknown_case_condition_in_a_cap_leaves_the_amount_undetermined(
        tmp_path: Path) -> None:
    item = robot_item(tmp_path)
    facts = {"equipment_investment": 50_000_000, "equipment_purchase": 45_000_000}
    out = evaluate(item, facts, AS_OF)
    # not the ELSE branch's 4,000,000: the cap could be 5,000,000
    assert (out.eligible, out.amount, out.missing) == (True, None, ["robot_replacement"])
    assert sqlite_outcome(item, facts) == (1, None, "", "robot_replacement")
    for robot, want in ((True, "4500000.00"), (False, "4000000.00")):
        assert evaluate(item, {**facts, "robot_replacement": robot}, AS_OF).amount == \
            Decimal(want)


def test_a_cap_whose_every_value_is_above_the_amount_does_not_need_the_fact(
        tmp_path: Path) -> None:
    item = robot_item(tmp_path)
    facts = {"equipment_investment": 8_000_000, "equipment_purchase": 6_000_000}
    out = evaluate(item, facts, AS_OF)
    assert (out.eligible, out.amount, out.missing) == (True, Decimal("600000.00"), [])
    assert sqlite_outcome(item, facts) == (1, 60_000_000, "", "")
    # exactly at the lower cap is still certain (LEAST(4,000,000, cap) = 4,000,000 either way)
    at_floor = {"equipment_investment": 50_000_000, "equipment_purchase": 40_000_000}
    assert evaluate(item, at_floor, AS_OF).amount == Decimal("4000000.00")
    assert sqlite_outcome(item, at_floor)[1] == 400_000_000


def test_an_unknown_case_condition_in_the_amount_is_unknown_not_else(tmp_path: Path) -> None:
    item = make_item(tmp_path, {"有贷款": "loan_amount > 0"},
                     amount="loan_amount * CASE WHEN high_tech THEN 0.02 ELSE 0.01 END")
    out = evaluate(item, {"loan_amount": 100_000}, AS_OF)
    assert (out.eligible, out.amount, out.missing) == (True, None, ["high_tech"])
    assert sqlite_outcome(item, {"loan_amount": 100_000}) == (1, None, "", "high_tech")


def test_missing_is_ranked_amount_facts_before_cap_facts(tmp_path: Path) -> None:
    # robot_replacement comes before equipment_purchase in the catalog, but without the
    # purchase there is no amount at all: it can unlock more money
    item = robot_item(tmp_path)
    out = evaluate(item, {"equipment_investment": 50_000_000}, AS_OF)
    assert out.missing == ["equipment_purchase", "robot_replacement"]
    assert sqlite_outcome(item, {"equipment_investment": 50_000_000})[3] == \
        "equipment_purchase;robot_replacement"


ROBOT = next(i for i in items() if i.id == "test.robot-cap")
CASES = next(i for i in items() if i.id == "test.case-unknown")
money = st.integers(0, 10**9).map(lambda n: Decimal(n).scaleb(-2))


@settings(max_examples=200, deadline=None, database=None)
@given(purchase=money, robot=st.sampled_from([None, True, False]),
       high_tech=st.sampled_from([None, True, False]))
def test_a_determined_amount_is_the_same_whatever_the_unknown_facts(
        purchase: Decimal, robot: bool | None, high_tech: bool | None) -> None:
    """Soundness: an amount given although a fact is unknown equals the amount for every
    value of that fact; and an amount is withheld only when two values give different ones
    or the rule cannot prove otherwise (never when all values agree and a cap is constant)."""
    facts = {"region": "420802", "equipment_investment": 5_000_000, "equipment_purchase": purchase,
             "robot_replacement": robot, "high_tech": high_tech}
    got = evaluate(ROBOT, facts, AS_OF).amount
    unknown = [k for k in ("robot_replacement", "high_tech") if facts[k] is None]
    worlds = [dict(facts)]
    for name in unknown:
        worlds = [{**w, name: v} for w in worlds for v in (True, False)]
    amounts = {evaluate(ROBOT, w, AS_OF).amount for w in worlds}
    if got is not None:
        assert amounts == {got}
    elif not unknown:
        pytest.fail("an amount with every fact known must be determined")
    elif len(amounts) > 1:
        assert evaluate(ROBOT, facts, AS_OF).missing  # names what would decide it


def test_unknown_inside_amount_arithmetic_and_extremes(tmp_path: Path) -> None:
    facts = {"region": "420802", "employees": 10, "loan_amount": 100_000, "high_tech": False}
    out = evaluate(CASES, facts, AS_OF)  # first_loan unknown: the CASE that subtracts 0 too
    # an undetermined amount lists every unknown fact its expression and caps read
    assert (out.amount, out.missing) == (None, ["first_loan", "dishonest_debtor"])
    out = evaluate(CASES, {**facts, "first_loan": True, "dishonest_debtor": False}, AS_OF)
    # GREATEST(CASE … 800 ELSE 600, 700) and −(−750.25): 500 under both caps
    assert out.amount == Decimal("500.00")


# -- derived parameters ------------------------------------------------------------------


def lpr_policy(tmp_path: Path, months: int = 12, rule: str = "年算术平均值",
               of: str = "lpr_month") -> Path:
    fixings = [{"from": f"2025-{m:02d}-20", "value": "0.0310" if m <= 4 else "0.0300"}
               for m in range(1, months + 1)]
    params = {
        "lpr_month": {"label": "一年期LPR", "type": "decimal", "scale": 4,
                      "source": "全国银行间同业拆借中心", "values": fixings},
        "lpr_avg": {"label": "一年期LPR年算术平均值", "type": "decimal", "scale": 6,
                    "derive": {"rule": rule, "of": of}},
    }
    item = {"id": "test.lpr", "title": "贴息", "department": "商务局", "policy_text": "原文",
            "criteria": {"有贷款": "loan_amount > 0"}, "amount": "loan_amount * lpr_avg * 0.5"}
    return write_policy(tmp_path, policy_text([item], params, effective_from="2025-01-01"))


def test_an_annual_mean_is_exact_not_truncated(tmp_path: Path) -> None:
    doc = load_policy_file(lpr_policy(tmp_path), load_catalog())
    mean = doc.parameters["lpr_avg"].value_at(AS_OF)
    assert mean == Fraction(364, 12 * 1000)  # 3.0333…%, not 0.030333
    item = doc.items[0]
    # 1,000,000 × 0.030333… × 0.5 = 15,166.666… → 15,166.67 (0.030333 would give 15,166.50)
    for loan, want in ((1_000_000, "15166.67"), (2_000_000, "30333.33"), (30, "0.46"),
                       (Decimal("989.01"), "15.00")):
        out = evaluate(item, {"loan_amount": loan}, AS_OF)
        assert out.amount == Decimal(want)
        assert sqlite_outcome(item, {"loan_amount": loan})[1] == int(Decimal(want) * 100)
    assert doc.source == "tests"  # the parameter's own source is kept on it
    assert doc.parameters["lpr_month"].source == "全国银行间同业拆借中心"


def test_an_annual_mean_needs_every_month(tmp_path: Path) -> None:
    doc = load_policy_file(lpr_policy(tmp_path, months=11), load_catalog())
    with pytest.raises(ParameterUnavailable, match="2025-12"):
        doc.parameters["lpr_avg"].value_at(AS_OF)


@pytest.mark.parametrize(("rule", "of", "message"), [
    ("平均", "lpr_month", "未知的推导规则"),
    ("年算术平均值", "lpr_nope", "derive.of 应为本文件中按日期取值的参数"),
])
def test_a_derived_parameter_is_checked(tmp_path: Path, rule: str, of: str,
                                        message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        load_policy_file(lpr_policy(tmp_path, rule=rule, of=of), load_catalog())


REACH_CAP = next(i for i in items() if i.id == "test.reach-cap")
REACH_AMOUNT = next(i for i in items() if i.id == "test.reach-amount")


def test_missing_is_ranked_by_the_money_each_fact_could_unlock() -> None:
    # high_tech comes before robot_replacement in the catalog, but its branch caps at 200万
    # where robot_replacement's reaches 300万; the purchase (amount) reaches 300万 too and
    # keeps the item's order among equals (amount before caps)
    facts = {"region": "420802", "equipment_investment": 1}
    out = evaluate(REACH_CAP, facts, AS_OF)
    order = ["equipment_purchase", "robot_replacement", "high_tech"]
    assert (out.eligible, out.missing) == (True, order)
    assert sqlite_outcome(REACH_CAP, facts)[3] == ";".join(order)
    # a criterion's fact reaches the item's whole ceiling: ahead of high_tech's 200万
    assert REACH_CAP.bound_ir(AS_OF).fields == (
        "equipment_purchase", "robot_replacement", "region", "equipment_investment", "high_tech")
    # employees (catalog before loan_amount) only feeds the ELSE branch, capped at 2万
    facts = {"region": "420802", "employees": 10}
    assert evaluate(REACH_AMOUNT, facts, AS_OF).missing == ["loan_amount", "first_loan"]
    assert sqlite_outcome(REACH_AMOUNT, facts)[3] == "loan_amount;first_loan"
    assert REACH_AMOUNT.bound_ir(AS_OF).fields == ("loan_amount", "first_loan", "region",
                                                   "employees")
    reach = field_reaches(REACH_AMOUNT.bound_ir(AS_OF))
    assert (reach["loan_amount"], reach["first_loan"], reach["employees"]) == (100000, 100000,
                                                                               20000)


def test_a_pack_asks_the_fact_that_unlocks_most_first() -> None:
    # a fact's money on a page of several items: the sum of its reach in each item it blocks
    blocked = {"employees": [Fraction(20000), Fraction(20000)],
               "high_tech": [Fraction(30000)], "loan_amount": [None, Fraction(1)],
               "first_loan": [Fraction(30000)]}
    order = ["employees", "high_tech", "first_loan", "loan_amount"]
    assert facts_by_money(blocked, order) == ["loan_amount", "employees", "high_tech",
                                              "first_loan"]


@settings(max_examples=300, deadline=None, database=None)
@given(purchase=money, robot=st.sampled_from([None, True, False]),
       high_tech=st.sampled_from([None, True, False]), loan=money,
       employees=st.integers(0, 1000), first=st.sampled_from([None, True, False]))
def test_no_amount_exceeds_the_reach_of_a_fact_it_read(
        purchase: Decimal, robot: bool | None, high_tech: bool | None, loan: Decimal,
        employees: int, first: bool | None) -> None:
    """Soundness of the ranking: an amount paid is at most the reach of every fact whose
    value the evaluation used (branch k reads conditions 1…k and its value)."""
    cap = {"region": "420802", "equipment_investment": 1, "equipment_purchase": purchase,
           "robot_replacement": robot, "high_tech": high_tech}
    got = evaluate(REACH_CAP, cap, AS_OF).amount
    reach = field_reaches(REACH_CAP.bound_ir(AS_OF))
    if got is not None:
        used = ["equipment_purchase", "robot_replacement"] + (["high_tech"] if not robot else [])
        assert all(got <= reach[f] for f in used)
    loans = {"region": "420802", "employees": employees, "loan_amount": loan,
             "first_loan": first}
    got = evaluate(REACH_AMOUNT, loans, AS_OF).amount
    reach = field_reaches(REACH_AMOUNT.bound_ir(AS_OF))
    if got is not None:
        used = ["first_loan", "loan_amount" if first else "employees"]
        assert all(got <= reach[f] for f in used)


LIBRARY = Path(__file__).resolve().parents[2] / "policies"


def test_the_library_holds_the_real_lpr_fixings_and_their_exact_annual_mean() -> None:
    """The published 1-year LPR (全国银行间同业拆借中心): 3.45% from January 2024, 3.35% from
    22 July 2024, 3.10% from 21 October 2024, 3.00% from 20 May 2025; each month's fixing is
    dated the day it was announced (the 20th, or the next working day)."""
    doc = load_policy_file(LIBRARY / "dongbao" / "finance-2025.yaml", load_catalog())
    lpr, mean = doc.parameters["lpr_1y"], doc.parameters["lpr_1y_avg"]
    assert "全国银行间同业拆借中心" in (lpr.source or "")
    months = [(y, m) for y in (2024, 2025) for m in range(1, 13)]
    known = ["0.0345"] * 6 + ["0.0335"] * 3 + ["0.0310"] * 7 + ["0.0300"] * 8
    for (y, m), want in zip(months, known, strict=True):
        assert lpr.value_at(date(y, m, 28)) == Decimal(want), (y, m)
    assert lpr.value_at(date(2024, 7, 21)) == Decimal("0.0345")  # cut announced 22 July
    assert lpr.value_at(date(2025, 5, 19)) == Decimal("0.0310")  # cut announced 20 May
    # (6×3.45 + 3×3.35 + 3×3.10) / 12 = 3.3375%; (4×3.10 + 8×3.00) / 12 = 3.0333…% exactly
    assert mean.value_at(date(2024, 12, 31)) == Decimal("0.033375")
    assert mean.value_at(date(2025, 6, 1)) == Fraction(91, 3000)
