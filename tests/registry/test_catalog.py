from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huiqi.registry.catalog import (
    CoercionError,
    coerce,
    coerce_field,
    coercer,
    fact_fields,
    field_for_header,
    load_catalog,
    profile_fields,
    to_text,
)
from huiqi.rules import Catalog, FieldType


def test_catalog_is_built_once_from_yaml() -> None:
    catalog = load_catalog()
    assert isinstance(catalog, Catalog)
    assert catalog is load_catalog()
    assert catalog["uscc"].key and catalog["uscc"].type is FieldType.TEXT
    assert catalog["revenue"].type is FieldType.MONEY and catalog["revenue"].scale == 2
    assert catalog["layoff_rate"].scale == 4
    assert catalog["size_class"].values["small"] == "小型"
    assert {s.name for s in profile_fields()} >= {"uscc", "region", "industry_code", "size_class"}
    assert {s.name for s in fact_fields()} >= {"equipment_purchase", "loan_amount"}
    assert not {s.name for s in profile_fields()} & {s.name for s in fact_fields()}


@pytest.mark.parametrize("raw", [None, "", "   ", float("nan")])
def test_blank_is_unknown(raw: object) -> None:
    assert coerce_field("high_tech", raw) is None
    assert coerce_field("revenue", raw) is None


@pytest.mark.parametrize(("raw", "value"), [
    ("true", True), ("FALSE", False), ("是", True), ("否", False), ("1", True), ("0", False),
    ("y", True), ("N", False), (True, True), (0, False), (1.0, True),
])
def test_bool(raw: object, value: bool) -> None:
    assert coerce_field("high_tech", raw) is value


def test_bad_bool_message() -> None:
    with pytest.raises(CoercionError, match=r"^“maybe”不是是/否值，请填 是/否、true/false 或 1/0$"):
        coerce_field("high_tech", "maybe")
    with pytest.raises(CoercionError):
        coerce_field("high_tech", 2)


@pytest.mark.parametrize(("raw", "value"), [
    ("1234.5", Decimal("1234.50")), ("1,234,567.89", Decimal("1234567.89")),
    (100, Decimal("100.00")),
    (1234.56, Decimal("1234.56")), (Decimal("7.1"), Decimal("7.10")), ("￥88", Decimal("88.00")),
    ("12.340", Decimal("12.34")),
])
def test_money(raw: object, value: Decimal) -> None:
    result = coerce_field("revenue", raw)
    assert result == value and result.as_tuple().exponent == -2


@pytest.mark.parametrize(("raw", "message"), [
    ("12.345", "小数位数过多：最多2位"), ("-5", "不能为负数"), ("abc", "不是数值"),
    ("1e20", "超出范围"), (True, "不是数值"),
    # beyond the Decimal context: quantize itself used to raise InvalidOperation (a 500)
    ("1e400", "超出范围"), (1e300, "超出范围"), ("1" * 40, "超出范围"), (10**40, "超出范围"),
    ("1e-400", "小数位数过多"),
])
def test_bad_money(raw: object, message: str) -> None:
    with pytest.raises(CoercionError, match=message):
        coerce_field("revenue", raw)


def test_decimal_scale_and_ratios() -> None:
    assert coerce_field("loan_rate", "0.0435") == Decimal("0.043500")
    assert coerce_field("layoff_rate", "5.5%") == Decimal("0.0550")
    assert coerce_field("construction_years", "2.5") == Decimal("2.50")
    with pytest.raises(CoercionError, match="最多4位"):
        coerce_field("layoff_rate", "0.12345")
    with pytest.raises(CoercionError, match="0到1之间的比例"):
        coerce_field("layoff_rate", "55")


def test_integer() -> None:
    assert coerce_field("employees", "1,200") == 1200
    assert coerce_field("employees", 35.0) == 35
    with pytest.raises(CoercionError, match="不是整数"):
        coerce_field("employees", "12.5")
    with pytest.raises(CoercionError, match="不能为负数"):
        coerce_field("employees", -1)


@pytest.mark.parametrize("raw", ["2020-03-05", "2020/3/5", "2020年3月5日", "20200305",
                                 datetime(2020, 3, 5, 0, 0), date(2020, 3, 5), 43895,
                                 "2020-03-05T00:00:00"])
def test_dates(raw: object) -> None:
    assert coerce_field("founded_on", raw) == date(2020, 3, 5)


@pytest.mark.parametrize("raw", ["2020-02-30", "next year", "03/05/2020"])
def test_bad_dates(raw: str) -> None:
    with pytest.raises(CoercionError, match="不是有效日期"):
        coerce_field("founded_on", raw)


def test_enum_values_and_labels() -> None:
    assert coerce_field("size_class", "小型") == "small"
    assert coerce_field("size_class", "小型企业") == "small"
    assert coerce_field("size_class", "Micro") == "micro"
    assert coerce_field("tax_credit_grade", "a") == "A"
    assert coerce_field("legal_form", "个体工商户") == "individual"
    assert coerce_field("srdi_level", "专精特新“小巨人”") == "little_giant"
    with pytest.raises(CoercionError, match="不是允许的取值"):
        coerce_field("size_class", "超大型")


def test_region_codes_and_names() -> None:
    assert coerce_field("region", "500105") == "500105"
    assert coerce_field("region", 420802) == "420802"
    assert coerce_field("region", "重庆市九龙坡区") == "500107"
    assert coerce_field("region", "青原区") == "360803"
    with pytest.raises(CoercionError, match="行政区划代码"):
        coerce_field("region", "110101")


def test_industry_and_uscc_and_text() -> None:
    assert coerce_field("industry_code", "c3841") == "C3841"
    with pytest.raises(CoercionError, match="小类"):
        coerce_field("industry_code", "C38")
    assert coerce_field("uscc", " 91110000600037341l ") == "91110000600037341L"
    with pytest.raises(CoercionError, match="校验码错误"):
        coerce_field("uscc", "91110000600037341M")
    assert coerce_field("name", "  满益火锅馆 ") == "满益火锅馆"
    with pytest.raises(CoercionError, match="内容过长"):
        coerce_field("name", "名" * 201)
    with pytest.raises(CoercionError, match="未知字段"):
        coerce_field("nope", 1)


def test_headers_by_name_or_label() -> None:
    assert field_for_header("revenue") == "revenue"
    assert field_for_header("Revenue ") == "revenue"
    assert field_for_header("营业收入") == "revenue"
    assert field_for_header("营业收入（元）") == "revenue"
    assert field_for_header("\ufeff统一社会信用代码") == "uscc"
    assert field_for_header("备注") is None


def test_to_text() -> None:
    assert to_text(True) == "true" and to_text(date(2025, 6, 1)) == "2025-06-01"
    assert to_text(Decimal("5.00")) == "5.00" and to_text(None) is None


VALUES = {
    FieldType.BOOL: st.booleans(),
    FieldType.INTEGER: st.integers(min_value=0, max_value=2**31 - 1),
    FieldType.MONEY: st.decimals(min_value=0, max_value=10**15, places=2),
    FieldType.DATE: st.dates(),
}


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # 30 draws an example
@given(st.data())
def test_fast_paths_agree_with_coerce(data: st.DataObject) -> None:
    for spec in load_catalog():
        strategy = VALUES.get(spec.type)
        if spec.type is FieldType.DECIMAL:
            top = 1 if spec.unit == "比例" else 10**10
            strategy = st.decimals(min_value=0, max_value=top, places=spec.scale)
        if spec.type is FieldType.ENUM or spec.type is FieldType.REGION:
            strategy = st.sampled_from([*spec.values, "?"])
        if strategy is None:
            continue
        if spec.type.is_numeric:  # as CSV cells: plain digits take a fast path too
            strategy = st.one_of(strategy, strategy.map(str), st.from_regex(
                r"[0-9]{1,18}(\.[0-9]{0,12})?|[0-9 ,.%-]{1,8}", fullmatch=True))
        raw = data.draw(strategy)
        try:
            expected = coerce(spec, raw)
        except CoercionError:
            with pytest.raises(CoercionError):
                coercer(spec)(raw)
            continue
        fast = coercer(spec)(raw)
        assert fast == expected and str(fast) == str(expected)
