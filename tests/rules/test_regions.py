"""适用地区: a policy's regions, their hierarchy, and the criterion the loader adds to each item."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huiqi.rules import (
    Catalog,
    PolicyDocument,
    PolicyError,
    evaluate,
    explain,
    load_policy_file,
    region_covers,
    region_prefix,
)
from tests.rules.factory import item_dict, policy_text, write_policy

AS_OF = date(2025, 6, 1)
FACTS = {"loan_amount": Decimal("100000")}


def _doc(tmp_path: Path, catalog: Catalog, region: object, **item: object) -> PolicyDocument:
    text = policy_text([item_dict({"有贷款": "loan_amount > 0"}, "loan_amount * 0.01", **item)],
                       region=region)
    return load_policy_file(write_policy(tmp_path, text), catalog)


@pytest.mark.parametrize(("regions", "region", "covered"), [
    (["420802"], "420802", True), (["420802"], "420801", False),
    (["420800"], "420802", True), (["420800"], "420881", True), (["420800"], "420102", False),
    (["420000"], "420102", True), (["420000"], "500105", False),
    (["500000"], "500105", True), (["500000"], "500230", True), (["500000"], "510105", False),
    (["500105", "420800"], "420802", True), (["500105", "420800"], "500113", False),
    (["100000"], "360803", True), (["100000"], None, True),
    (["420802"], None, None), (["420802"], "", None),
])
def test_hierarchy(regions: list[str], region: str | None, covered: bool | None) -> None:
    assert region_covers(regions, region) is covered


@given(code=st.integers(200000, 699999).map(str))  # provinces 2x–6x (10 is 全国); no slow regex
def test_a_code_is_covered_by_itself_its_city_and_its_province(code: str) -> None:
    assert region_covers([code], code)
    assert region_covers([code[:4] + "00"], code) and region_covers([code[:2] + "0000"], code)
    assert region_prefix(code[:2] + "0000") == code[:2]


def test_the_criterion_decides_like_any_other(tmp_path: Path, catalog: Catalog) -> None:
    item = _doc(tmp_path, catalog, ["420800", "500000"]).items[0]
    assert [c.name for c in item.criteria] == ["有贷款", "适用地区"]
    assert evaluate(item, {**FACTS, "region": "420802"}, AS_OF).amount == Decimal("1000.00")
    assert evaluate(item, {**FACTS, "region": "500113"}, AS_OF).eligible is True
    outside = evaluate(item, {**FACTS, "region": "360803"}, AS_OF)
    assert (outside.eligible, outside.failed, outside.amount) == (False, ["适用地区"], None)
    unknown = evaluate(item, FACTS, AS_OF)
    assert (unknown.eligible, unknown.missing) == (None, ["region"])
    text = explain(item, {**FACTS, "region": "360803"}, AS_OF, catalog).to_text()
    assert "✗ 适用地区" in text
    assert "本政策仅适用于湖北省荆门市（420800）、重庆市（500000）（含所辖区县）的企业" in text


def test_a_national_policy_has_no_region_criterion(tmp_path: Path, catalog: Catalog) -> None:
    item = _doc(tmp_path, catalog, "100000").items[0]
    assert [c.name for c in item.criteria] == ["有贷款"]
    assert evaluate(item, FACTS, AS_OF).eligible is True


def test_test_cases_default_to_the_policy_region(tmp_path: Path, catalog: Catalog) -> None:
    tests = [{"name": "本地", "as_of": "2025-06-01", "facts": {"loan_amount": 1},
              "expect": {"eligible": True}},
             {"name": "地区未知", "as_of": "2025-06-01",
              "facts": {"loan_amount": 1, "region": None},
              "expect": {"eligible": "unknown", "missing": ["region"]}},
             {"name": "外地", "as_of": "2025-06-01",
              "facts": {"loan_amount": 1, "region": "500105"},
              "expect": {"eligible": False, "failed": ["适用地区"]}}]
    item = _doc(tmp_path, catalog, "420802", tests=tests).items[0]
    assert [t.facts.get("region") for t in item.tests] == ["420802", None, "500105"]
    for test in item.tests:
        outcome = evaluate(item, test.facts, test.as_of)
        assert outcome.eligible is test.expect["eligible"]


@pytest.mark.parametrize(("region", "message"), [
    ("4208", "适用地区应为 6 位行政区划代码，实际为 '4208'"),
    (["420802", "420802"], "适用地区 420802 重复列出"),
    ([], "至少要写一个 6 位行政区划代码"),
])
def test_bad_regions_are_refused(tmp_path: Path, catalog: Catalog, region: object,
                                 message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        _doc(tmp_path, catalog, region)


def test_the_criterion_name_is_reserved(tmp_path: Path, catalog: Catalog) -> None:
    text = policy_text([item_dict({"适用地区": "loan_amount > 0"})], region="420802")
    with pytest.raises(PolicyError, match="“适用地区”由平台按政策的适用地区自动添加"):
        load_policy_file(write_policy(tmp_path, text), catalog)
