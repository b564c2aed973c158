from __future__ import annotations

from datetime import date
from pathlib import Path

from huiqi.rules import Catalog, explain, load_policy_file, run_policy_tests
from tests.rules.factory import item_dict, make_item, policy_text, write_policy

SPEC = Path(__file__).parent / "fixtures" / "spec_example.yaml"
AS_OF = date(2025, 6, 1)


def test_explanation_of_a_near_miss(catalog: Catalog) -> None:
    item = load_policy_file(SPEC, catalog).items[0]
    facts = {"online_sales": "4999999.99", "loan_amount": 1000000, "dishonest_debtor": False}
    text = explain(item, facts, AS_OF, catalog).to_text()
    assert "结论：不符合条件（仅差一项），未满足：网络销售额达标" in text
    assert "✗ 网络销售额达标：年网络销售额 ≥ 5,000,000 元；企业填报：4,999,999.99 元" in text
    assert "✓ 无失信：法人纳入失信被执行人名单：否；企业填报：否" in text
    assert "说明：企业法人未纳入失信被执行人名单" in text


def test_explanation_of_unknown_facts(catalog: Catalog) -> None:
    item = load_policy_file(SPEC, catalog).items[0]
    explanation = explain(item, {"loan_amount": 100, "dishonest_debtor": False,
                                 "region": "420802"}, AS_OF, catalog)
    assert explanation.outcome.eligible is None
    assert ("未知 网络销售额达标：年网络销售额 ≥ 5,000,000 元；尚未提供：年网络销售额"
            in explanation.lines)
    assert "结论：尚不能确定，请补充：年网络销售额" in explanation.lines


def test_explanation_shows_the_amount_with_numbers_and_caps(catalog: Catalog) -> None:
    item = load_policy_file(SPEC, catalog).items[0]
    facts = {"online_sales": 6000000, "loan_amount": 5000000, "dishonest_debtor": False,
             "region": "420802"}
    lines = explain(item, facts, AS_OF, catalog).lines
    assert "金额：贷款金额 × 一年期贷款市场报价利率年算术平均值 × 0.5" in lines
    assert "  = 5,000,000 × 0.0305 × 0.5 = 76,250.00 元" in lines
    assert "  每企业上限：50,000.00 元" in lines
    assert "  按上限取 50,000.00 元" in lines
    assert lines[-1] == "  四舍五入到分：50,000.00 元"


def test_explanation_takes_the_case_branch_that_applies(tmp_path: Path, catalog: Catalog) -> None:
    item = make_item(tmp_path, {"c": "equipment_purchase > 0"},
                     "equipment_purchase * (CASE WHEN industry_code = 'C3841' THEN 0.12 "
                     "ELSE 0.10 END)")
    lines = explain(item, {"equipment_purchase": 1000, "industry_code": "C3841"}, AS_OF,
                    catalog).lines
    assert "  = 1,000 × 0.12 = 120.00 元" in lines


def test_policy_tests_pass_and_fail_with_a_message(tmp_path: Path, catalog: Catalog) -> None:
    results = run_policy_tests(load_policy_file(SPEC, catalog))
    assert [r.passed for r in results] == [True] * 4
    tests = [{"name": "错的期望", "as_of": "2025-06-01", "facts": {"high_tech": True,
                                                                  "loan_amount": 1234567},
              "expect": {"eligible": True, "amount": "18518.50", "near_miss": False}},
             {"name": "未知", "as_of": "2025-06-01", "facts": {},
              "expect": {"eligible": False, "missing": ["high_tech"]}}]
    text = policy_text([item_dict({"高新": "high_tech"}, "loan_amount * 0.015", tests=tests)])
    doc = load_policy_file(write_policy(tmp_path, text), catalog)
    first, second = run_policy_tests(doc)
    assert not first.passed and first.message == "金额：期望 18518.50 元，实际 18518.51 元"
    assert not second.passed
    assert second.message == "是否符合：期望 否，实际 待定（缺少：high_tech）"
