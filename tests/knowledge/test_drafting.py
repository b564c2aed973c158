"""Drafting rules from policy text (政策文件解析): seed 003's tech-upgrade and finance passages give
back the thresholds, rates and caps encoded by hand in policies/dongbao, and the drafted file
passes the policy checker with the rest left as TODOs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huiqi.knowledge.draft_yaml import Meta, pending, render
from huiqi.knowledge.drafting import OPEN_BRANCH, OPS, draft
from huiqi.policies.validation import check_source
from huiqi.registry.catalog import load_catalog
from tests.knowledge.conftest import seed


def _passage(first: str, last: str) -> str:
    lines = seed("003").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    end = next(i for i, line in enumerate(lines) if i >= start and last in line)
    return "\n".join(lines[start:end + 1])


@pytest.fixture(scope="module")
def tech() -> str:
    return _passage("工业领域技术改造和设备更新是当前的热点话题", "具体政策为")


@pytest.fixture(scope="module")
def finance() -> str:
    return _passage("在创新创业领域", "301首贷户")


def _rules(text: str, kind: str) -> set[str]:
    return {e.rule for e in draft(text, load_catalog()).of(kind) if e.rule and not e.todo}


def test_tech_upgrade_thresholds_rates_and_caps_are_recovered(tech: str) -> None:
    encoded_thresholds = {"equipment_investment >= 5000000", "construction_years <= 3"}
    found = _rules(tech, "criterion")
    assert encoded_thresholds <= found
    assert {"NOT dishonest_debtor", "NOT prior_fiscal_support"} <= found
    # 2000万 is worded 原则上…鼓励 (guidance): never a rule, always a TODO.
    assert not any("20000000" in r for r in found)
    elements = draft(tech, load_catalog())
    rates = {(e.rule, e.todo is None) for e in elements.of("rate")}
    assert ("equipment_purchase * 0.1", True) in rates
    assert any(rule == "equipment_purchase * 0.12" and not certain for rule, certain in rates)
    caps = {e.rule for e in elements.of("cap")}
    assert "4000000" in caps
    assert f"CASE WHEN robot_replacement THEN 5000000 ELSE {OPEN_BRANCH} END" in caps
    report = {"thresholds": len(encoded_thresholds & found), "rates": len(rates), "caps": len(caps)}
    print(f"\ntech-upgrade recovered: {report} (encoded: thresholds 2, rates 2, caps 2)")


def test_finance_thresholds_rates_and_caps_are_recovered(finance: str) -> None:
    elements = draft(finance, load_catalog())
    assert "online_sales >= 5000000" in _rules(finance, "criterion")
    rates = {e.rule for e in elements.of("rate") if not e.todo}
    assert {"loan_amount * 0.01", "loan_amount * 0.015", "loan_amount * 0.02"} <= rates
    assert {(e.name, e.value) for e in elements.of("cap")} >= {
        ("per_enterprise", Decimal(200000)), ("per_year", Decimal(50000))}
    assert [(e.name, e.value) for e in elements.of("budget")] == [("per_year", Decimal(500000))]
    # 1%-2%: a range the text leaves to the applicant's case, never silently one number.
    assert any(e.todo and "区间" in e.todo for e in elements.of("rate"))


def test_every_element_points_at_its_words(tech: str, finance: str) -> None:
    for text in (tech, finance):
        for e in draft(text, load_catalog()).elements:
            assert text[e.start:e.start + len(e.words)] == e.words


@pytest.mark.parametrize("which", ["tech", "finance"])
def test_the_drafted_file_passes_the_checker(which: str, request: pytest.FixtureRequest
                                              ) -> None:
    text = request.getfixturevalue(which)
    found = draft(text, load_catalog())
    source = render(found, Meta("draft.test", "东宝区测试政策", "seeds/003",
                                issuer="东宝区经济和信息化局", region="420802"))
    result = check_source(source, "draft.yaml", load_catalog())
    assert result.ok, result.problems
    assert result.document is not None
    item = result.document.items[0]
    assert item.policy_text.strip().startswith(text.strip()[:20])
    left = pending(found)
    assert left and all(e.todo or not e.rule for e in left if e.kind != "rate")
    for e in left:  # every open question is in the file for the editor, with its words
        assert f"原文：“{e.words.strip()}”" in source


def test_a_draft_without_metadata_still_passes_with_todos(tech: str) -> None:
    source = render(draft(tech, load_catalog()), Meta("draft.bare", "无元数据", "剪贴的文字"))
    assert check_source(source, "bare.yaml", load_catalog()).ok
    assert "# TODO 发文单位" in source and "# TODO 适用地区" in source
    assert "# TODO 生效日期" in source


def test_tech_caps_merge_into_the_encoded_case(tech: str) -> None:
    source = render(draft(tech, load_catalog()), Meta("draft.t", "t", "s", region="420802"))
    assert 'per_project: "CASE WHEN robot_replacement THEN 5000000 ELSE 4000000 END"' in source


WORDS = st.sampled_from(sorted(OPS))


@given(n=st.integers(1, 99999), word=WORDS)
def test_comparison_words_follow_civil_code_1259(n: int, word: str) -> None:
    """以上/以下/以内/不超过 include the number, 不满/超过 exclude it, wherever the word sits."""
    after = word in ("及以上", "以上", "及以下", "以下", "以内")
    text = f"年网络销售额{n}万元{word}。" if after else f"年网络销售额{word}{n}万元。"
    rules = [e.rule for e in draft(text, load_catalog()).of("criterion")]
    assert rules == [f"online_sales {OPS[word]} {n * 10000}"]
    if word in ("以上", "以下", "以内", "不超过"):
        assert OPS[word] in (">=", "<=")
    if word in ("不满", "超过"):
        assert OPS[word] in ("<", ">")
