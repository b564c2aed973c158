"""The field catalog (catalog.yaml) built into a `Catalog`, and coercion of raw cell values.

A raw value comes from a CSV cell (str), an XLSX cell (str, int, float, datetime), Parquet or a
Python caller. `coerce(spec, raw)` turns it into the field's canonical Python type — bool, int,
Decimal (quantised to the field's scale), date or str — or None when the cell is empty (unknown).
A value that cannot be read raises `CoercionError` with a message in Chinese and English.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from huiqi.rules import Catalog, FieldSpec, FieldType

CATALOG_PATH = Path(__file__).with_name("catalog.yaml")
TRUE_WORDS = frozenset({"true", "t", "1", "是", "y", "yes", "有"})
FALSE_WORDS = frozenset({"false", "f", "0", "否", "n", "no", "无"})
MAX_TEXT = 200
# NUMERIC(18, s) holds at most 18 - s integer digits.
NUMERIC_PRECISION = 18
RATIO_UNIT = "比例"


class CoercionError(ValueError):
    """A cell value that does not fit its field; `str(exc)` is the user-facing reason."""

    code = "invalid_value"  # stable machine code (the import report, the API)


def _spec_from_yaml(raw: Mapping[str, Any]) -> FieldSpec:
    values = raw.get("values") or {}
    return FieldSpec(
        name=str(raw["name"]),
        label=str(raw["label"]),
        type=FieldType(raw["type"]),
        kind=str(raw.get("kind", "profile")),
        scale=int(raw.get("scale", 0)),
        unit=raw.get("unit"),
        values={str(k): str(v) for k, v in values.items()},
        key=bool(raw.get("key", False)),
    )


@lru_cache
def load_catalog() -> Catalog:
    """The catalog from catalog.yaml, built once per process."""
    data = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    return Catalog(_spec_from_yaml(item) for item in data["fields"])


def profile_fields(catalog: Catalog | None = None) -> list[FieldSpec]:
    return [s for s in (catalog or load_catalog()) if s.kind == "profile"]


def fact_fields(catalog: Catalog | None = None) -> list[FieldSpec]:
    return [s for s in (catalog or load_catalog()) if s.kind == "fact"]


_PLAIN_NUMBER = re.compile(r"[0-9]{1,16}(\.[0-9]{1,10})?")  # parsed by Decimal alone, ≥ 0
_UNIT_SUFFIX = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


@lru_cache
def header_aliases() -> dict[str, str]:
    """Header text (lower-cased) → field name: the name itself and the Chinese label."""
    aliases: dict[str, str] = {}
    for spec in load_catalog():
        aliases[spec.name.lower()] = spec.name
        aliases[spec.label.lower()] = spec.name
    return aliases


def field_for_header(header: object) -> str | None:
    """The field a header names (`营业收入`, `营业收入（元）`, `revenue`), or None."""
    if header is None:
        return None
    text = str(header).strip().lstrip("\ufeff")
    aliases = header_aliases()
    found = aliases.get(text.lower())
    if found is None:
        found = aliases.get(_UNIT_SUFFIX.sub("", text).lower())
    return found


def is_blank(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return raw.strip() == ""
    return isinstance(raw, float) and math.isnan(raw)


def coerce(spec: FieldSpec, raw: object, factor: Decimal | None = None) -> Any:
    """Canonical value of `raw` for `spec`; None for an empty cell. Raises CoercionError.

    `factor` converts a number from the unit of its column header (万元 → 元: 10000)."""
    if is_blank(raw):
        return None
    if factor is not None and spec.type in (FieldType.MONEY, FieldType.DECIMAL):
        return _scaled_number(spec, raw, factor)
    return _COERCERS[spec.type](spec, raw)


def coercer(spec: FieldSpec, factor: Decimal | None = None) -> Callable[[object], Any]:
    """`coerce` specialised for one field, with fast paths for values already of the right type
    (Parquet cells, Python callers); anything else takes the general path and its messages."""
    t = spec.type

    def general(raw: object) -> Any:
        return None if raw is None or raw == "" else coerce(spec, raw, factor)

    if factor is not None:
        return general

    if t is FieldType.BOOL:
        return lambda raw: raw if raw is True or raw is False else general(raw)
    if t is FieldType.INTEGER:
        def integer(raw: object) -> Any:
            if type(raw) is int and 0 <= raw < 2**31:
                return raw
            if type(raw) is str and raw.isascii() and raw.isdigit() and len(raw) < 10:
                return int(raw)
            return general(raw)

        return integer
    if t is FieldType.DATE:
        return lambda raw: raw if type(raw) is date else general(raw)
    if t in (FieldType.MONEY, FieldType.DECIMAL):
        scale = spec.scale or (2 if t is FieldType.MONEY else 0)
        quantum = Decimal(1).scaleb(-scale)
        ratio = spec.unit == RATIO_UNIT
        limit = Decimal(10) ** (NUMERIC_PRECISION - scale)

        def number(raw: object) -> Any:
            if type(raw) is str and _PLAIN_NUMBER.fullmatch(raw):  # most CSV cells
                value = Decimal(raw)
                if value <= 1 if ratio else value < limit:
                    q = value.quantize(quantum)
                    if q == value:
                        return q
            elif (type(raw) is Decimal and raw.is_finite() and raw >= 0
                    and (raw <= 1 if ratio else raw < limit)):
                q = raw.quantize(quantum)
                if q == raw:
                    return q
            return general(raw)

        return number
    if t in (FieldType.ENUM, FieldType.REGION):
        allowed = frozenset(spec.values)
        return lambda raw: raw if type(raw) is str and raw in allowed else general(raw)
    if t is FieldType.TEXT and not spec.key:
        def text(raw: object) -> Any:
            if type(raw) is str:
                s = raw.strip()
                if s and len(s) <= MAX_TEXT:
                    return s
            return general(raw)

        return text
    return general


def coerce_field(name: str, raw: object) -> Any:
    spec = load_catalog().get(name)
    if spec is None:
        raise CoercionError(f"未知字段 {name}")
    return coerce(spec, raw)


def to_text(value: object) -> str | None:
    """Canonical text form of a coerced value (for enterprise_facts and reports)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- one coercer per type -------------------------------------------------------------------


def _bool(spec: FieldSpec, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float | Decimal) and raw in (0, 1):
        return bool(raw)
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CoercionError(f"“{raw}”不是是/否值，请填 是/否、true/false 或 1/0")


def _number_text(raw: object) -> str:
    text = str(raw).strip().replace(",", "").replace("，", "")
    return text.replace("￥", "").replace("¥", "").strip()


def _decimal_from(raw: object) -> Decimal:
    if isinstance(raw, bool):
        raise CoercionError(f"“{raw}”不是数值")
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise CoercionError(f"“{raw}”不是有限数值")
        return Decimal(repr(raw))  # shortest repr: 1234.56 stays 1234.56
    try:
        value = Decimal(_number_text(raw))
    except InvalidOperation:
        raise CoercionError(f"“{raw}”不是数值") from None
    if not value.is_finite():
        raise CoercionError(f"“{raw}”不是有限数值")
    return value


def _exact(spec: FieldSpec, raw: object, value: Decimal, scale: int) -> Decimal:
    if value.adjusted() >= NUMERIC_PRECISION - scale:  # before quantize, which would overflow
        raise CoercionError(f"“{str(raw)[:30]}”超出范围")
    quantum = Decimal(1).scaleb(-scale)
    quantised = value.quantize(quantum)
    if quantised != value:
        what = "元，精确到分" if spec.type is FieldType.MONEY else f"{scale}位小数"
        raise CoercionError(f"“{raw}”的小数位数过多：最多{scale}位（{what}）")
    if quantised.adjusted() >= NUMERIC_PRECISION - scale:
        raise CoercionError(f"“{raw}”超出范围")
    return quantised


def _non_negative(raw: object, value: Decimal | int) -> None:
    if value < 0:
        raise CoercionError(f"“{raw}”不能为负数")


def _money(spec: FieldSpec, raw: object) -> Decimal:
    value = _decimal_from(raw)
    _non_negative(raw, value)
    return _exact(spec, raw, value, spec.scale or 2)


def _decimal(spec: FieldSpec, raw: object) -> Decimal:
    percent = isinstance(raw, str) and raw.strip().endswith("%")
    value = _decimal_from(raw.strip()[:-1] if percent else raw)  # type: ignore[union-attr]
    if percent:
        value = value / 100
    _non_negative(raw, value)
    if spec.unit == RATIO_UNIT and value > 1:
        raise CoercionError(f"“{raw}”不是0到1之间的比例，例如5%应填0.05或5%")
    return _exact(spec, raw, value.normalize() if percent else value, spec.scale)


def _scaled_number(spec: FieldSpec, raw: object, factor: Decimal) -> Decimal:
    """A number written in the header's unit (万元, %), converted to the catalog unit."""
    text = raw.strip() if isinstance(raw, str) else None
    if text is not None and text.endswith(("%", "％")) and spec.unit == RATIO_UNIT:
        return _decimal(spec, text[:-1] + "%")  # the sign says percent already
    value = _decimal_from(raw)
    _non_negative(raw, value)
    scaled = (value * factor).normalize()
    if spec.unit == RATIO_UNIT and scaled > 1:
        raise CoercionError(f"“{raw}”不是0到100之间的百分数")
    try:
        return _exact(spec, raw, scaled, spec.scale)
    except CoercionError as exc:
        raise CoercionError(f"{exc}；按表头单位换算后为 {scaled:f}") from None


def _integer(spec: FieldSpec, raw: object) -> int:
    value = _decimal_from(raw)
    if value != value.to_integral_value():
        raise CoercionError(f"“{raw}”不是整数")
    result = int(value)
    _non_negative(raw, result)
    if result >= 2**31:
        raise CoercionError(f"“{raw}”超出范围")
    return result


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def _date(spec: FieldSpec, raw: object) -> date:
    if isinstance(raw, datetime):  # openpyxl gives datetimes for date cells
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool) and 1 <= raw < 2958466:
        from openpyxl.utils.datetime import from_excel

        return from_excel(raw).date()  # an Excel serial number in an unformatted cell
    text = str(raw).strip()
    text = text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", text) else text
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    raise CoercionError(f"“{raw}”不是有效日期，请用 2025-06-01 格式")


def _enum(spec: FieldSpec, raw: object) -> str:
    text = str(raw).strip()
    if text in spec.values:
        return text
    for value, label in spec.values.items():
        if text.lower() == value.lower() or text in (label, label.removesuffix("企业")):
            return value
        if text == f"{label}企业":
            return value
    allowed = "、".join(f"{v}（{label}）" for v, label in spec.values.items())
    raise CoercionError(f"“{raw}”不是允许的取值：{allowed}")


def _region(spec: FieldSpec, raw: object) -> str:
    text = str(raw).strip()
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    if text in spec.values:
        return text
    matches = [code for code, label in spec.values.items() if label == text or label.endswith(text)]
    if len(matches) == 1 and len(text) >= 2:
        return matches[0]
    allowed = "、".join(f"{code} {label}" for code, label in spec.values.items())
    raise CoercionError(f"“{raw}”不是本平台的行政区划代码，应为：{allowed}")


def _industry(spec: FieldSpec, raw: object) -> str:
    from huiqi.registry import industry

    try:
        return industry.normalize_class_code(raw)
    except ValueError as exc:
        raise CoercionError(str(exc)) from None


def _text(spec: FieldSpec, raw: object) -> str:
    if spec.key and spec.name == "uscc":
        from huiqi.registry.uscc import InvalidUSCC, validate

        try:
            return validate(str(raw))
        except InvalidUSCC as exc:
            raise CoercionError(str(exc)) from None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip()
    if len(text) > MAX_TEXT:
        raise CoercionError(f"内容过长：最多{MAX_TEXT}个字符")
    return text


_COERCERS: dict[FieldType, Callable[[FieldSpec, object], Any]] = {
    FieldType.BOOL: _bool,
    FieldType.INTEGER: _integer,
    FieldType.MONEY: _money,
    FieldType.DECIMAL: _decimal,
    FieldType.TEXT: _text,
    FieldType.ENUM: _enum,
    FieldType.DATE: _date,
    FieldType.INDUSTRY_CODE: _industry,
    FieldType.REGION: _region,
}

__all__ = [
    "CATALOG_PATH",
    "CoercionError",
    "coerce",
    "coerce_field",
    "coercer",
    "fact_fields",
    "field_for_header",
    "is_blank",
    "load_catalog",
    "profile_fields",
    "to_text",
]
