from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huiqi.registry import size_class
from huiqi.registry.size_class import classify

WAN = 10_000
ORDER = {"micro": 0, "small": 1, "medium": 2, "large": 3}


@pytest.mark.parametrize(("code", "emp", "rev_wan", "assets_wan", "expected"), [
    # 工业: 从业人员1000人以下或营业收入40000万元以下 → 中小微; 中型 300人且2000万元及以上
    ("C3841", 1000, 50000, None, "medium"),  # 1000人以下 includes 1000 (民法典1259)
    ("C3841", 1001, 40000, None, "medium"),  # 40000万元以下 includes 40000
    ("C3841", 1001, 40000.01, None, "large"),
    ("C3841", 300, 2000, None, "medium"),
    ("C3841", 299, 2000, None, "small"),
    ("C3841", 300, 1999.99, None, "small"),
    ("C3841", 20, 300, None, "small"),
    ("C3841", 19, 300, None, "micro"),
    ("C3841", 20, 299.99, None, "micro"),
    ("B0610", 5000, 100000, None, "large"),
    ("D4411", 0, 0, None, "micro"),
    # 农、林、牧、渔业: 营业收入 only
    ("A0313", None, 20000, None, "medium"),
    ("A0313", None, 20000.01, None, "large"),
    ("A0313", None, 500, None, "medium"),
    ("A0313", None, 50, None, "small"),
    ("A0313", None, 49.99, None, "micro"),
    # 建筑业: 营业收入 and 资产总额
    ("E4710", None, 80000.01, 80000.01, "large"),
    ("E4710", None, 90000, 80000, "medium"),
    ("E4710", None, 6000, 5000, "medium"),
    ("E4710", None, 6000, 4999, "small"),
    ("E4710", None, 300, 300, "small"),
    ("E4710", None, 300, 299, "micro"),
    # 批发业 / 零售业
    ("F5179", 200, 40000.01, None, "medium"),
    ("F5179", 201, 40000.01, None, "large"),
    ("F5179", 5, 1000, None, "small"),
    ("F5179", 4, 1000, None, "micro"),
    ("F5212", 50, 500, None, "medium"),
    ("F5212", 10, 100, None, "small"),
    ("F5212", 9, 100, None, "micro"),
    # 交通运输业 / 仓储业 / 邮政业
    ("G5437", 300, 3000, None, "medium"),
    ("G5437", 20, 200, None, "small"),
    ("G5920", 100, 1000, None, "medium"),
    ("G5920", 201, 30001, None, "large"),
    ("G6020", 300, 2000, None, "medium"),
    ("G6020", 20, 100, None, "small"),
    # 住宿业 / 餐饮业
    ("H6110", 100, 2000, None, "medium"),
    ("H6210", 10, 100, None, "small"),
    ("H6210", 301, 10001, None, "large"),
    # 信息传输业 / 软件和信息技术服务业
    ("I6410", 2000, 200000, None, "medium"),
    ("I6410", 2001, 100001, None, "large"),
    ("I6513", 10, 50, None, "small"),
    ("I6513", 10, 49, None, "micro"),
    ("I6513", 100, 1000, None, "medium"),
    # 房地产开发经营 / 物业管理
    ("K7010", None, 200000.01, 10000.01, "large"),
    ("K7010", None, 1000, 5000, "medium"),
    ("K7010", None, 100, 2000, "small"),
    ("K7010", None, 100, 1999, "micro"),
    ("K7020", 300, 1000, None, "medium"),
    ("K7020", 100, 500, None, "small"),
    ("K7020", 99, 500, None, "micro"),
    # 租赁和商务服务业: 从业人员 and 资产总额
    ("L7299", 100, None, 8000, "medium"),
    ("L7299", 10, None, 100, "small"),
    ("L7299", 301, None, 120001, "large"),
    # 其他未列明行业: 从业人员 only
    ("M7320", 301, None, None, "large"),
    ("M7320", 300, None, None, "medium"),
    ("O8040", 10, None, None, "small"),
    ("O8040", 9, None, None, "micro"),
    ("K7040", 100, None, None, "medium"),
])
def test_boundaries(code: str, emp: int | None, rev_wan: float | None,
                    assets_wan: float | None, expected: str) -> None:
    def yuan(v: float | None) -> Decimal | None:
        return None if v is None else Decimal(str(v)) * WAN

    assert classify(code, emp, yuan(rev_wan), yuan(assets_wan)) == expected


def test_missing_inputs_give_none() -> None:
    assert classify("C3841", None, Decimal(1), None) is None
    assert classify("C3841", 10, None, None) is None
    assert classify("E4710", 10, Decimal(1), None) is None
    assert classify(None, 10, Decimal(1), Decimal(1)) is None


def test_industries_outside_the_rules() -> None:
    assert classify("J6621", 10, Decimal(1), Decimal(1)) is None  # 金融业: its own standard
    assert classify("S9221", 10, Decimal(1), Decimal(1)) is None
    assert size_class.group_for("J6621") is None


def test_every_class_maps_to_a_group_or_is_excluded() -> None:
    from huiqi.registry import industry

    for code in industry.classes():
        group = size_class.group_for(code)
        assert (group is None) == (code[0] in "JST"), code
    assert size_class.group_for("K7010").key == "real_estate_dev"  # type: ignore[union-attr]
    assert size_class.group_for("G5920").key == "warehousing"  # type: ignore[union-attr]
    assert size_class.required_inputs("L7299") == ("employees", "total_assets")


CODES = st.sampled_from(["A0313", "C3841", "E4710", "F5179", "F5212", "G5437", "G5920",
                         "G6020", "H6110", "H6210", "I6410", "I6513", "K7010", "K7020", "L7299",
                         "M7320"])
PEOPLE = st.integers(min_value=0, max_value=5000)
MONEY = st.decimals(min_value=0, max_value=3_000_000_000, places=2)


@given(CODES, PEOPLE, PEOPLE, MONEY, MONEY, MONEY, MONEY)
def test_monotone(code: str, e1: int, e2: int, r1: Decimal, r2: Decimal, a1: Decimal,
                  a2: Decimal) -> None:
    """More employees, revenue or assets never give a smaller class."""
    lo = classify(code, min(e1, e2), min(r1, r2), min(a1, a2))
    hi = classify(code, max(e1, e2), max(r1, r2), max(a1, a2))
    assert lo is not None and hi is not None
    assert ORDER[lo] <= ORDER[hi]


@given(CODES, PEOPLE, MONEY, MONEY)
def test_bounds_include_the_number(code: str, e: int, r: Decimal, a: Decimal) -> None:
    """On a 中型/小型 lower bound the class is at least that class (以上 includes the number)."""
    group = size_class.group_for(code)
    assert group is not None
    given_values = {"employees": e, "revenue": r, "total_assets": a}
    for bounds, floor in ((group.medium, "medium"), (group.small, "small")):
        at = dict(given_values)
        for indicator, bound in zip(group.indicators, bounds, strict=True):
            at[indicator] = int(bound) if indicator == "employees" else bound
        result = classify(code, at["employees"], at["revenue"], at["total_assets"])  # type: ignore[arg-type]
        assert result is not None and ORDER[result] >= ORDER[floor]
