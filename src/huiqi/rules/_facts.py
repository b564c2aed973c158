"""Coerce enterprise facts (Python values or strings) to the catalog's types."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from huiqi.rules._catalog import FieldSpec, FieldType
from huiqi.rules.ir import Value

_TRUE = {"true", "t", "yes", "y", "1", "是", "有"}
_FALSE = {"false", "f", "no", "n", "0", "否", "无"}


class FactError(ValueError):
    """A value that does not fit its field; `code` says how (stable, for the API and tests)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def coerce(spec: FieldSpec, value: object, *, strict: bool = False) -> Value:
    """The value as the evaluator sees it; `strict` (policy test cases) refuses loose forms."""
    if value is None:
        return None
    if isinstance(value, str) and not value.strip() and not spec.type.is_text and not strict:
        return None  # a blank form entry for a number, date or yes/no means "not given"
    if spec.type is FieldType.BOOL:
        return _bool(spec, value, strict)
    if spec.type.is_numeric:
        return _number(spec, value, strict)
    if spec.type is FieldType.DATE:
        return _date(spec, value, strict)
    return _text(spec, value, strict)


def coerce_all(fields: Mapping[str, FieldSpec], facts: Mapping[str, object]) -> dict[str, Value]:
    return {name: coerce(spec, facts.get(name)) for name, spec in fields.items()}


def _bool(spec: FieldSpec, value: object, strict: bool) -> bool:
    if isinstance(value, bool):
        return value
    if not strict:
        text = str(value).strip().lower()
        if isinstance(value, int | str) and text in _TRUE:
            return True
        if isinstance(value, int | str) and text in _FALSE:
            return False
    raise FactError("fact_not_boolean",
                    f"{_name(spec)}应为是或否（true/false），实际为 {_show(value)}")


def _number(spec: FieldSpec, value: object, strict: bool) -> Decimal:
    if isinstance(value, bool):
        raise FactError("fact_not_number", f"{_name(spec)}应为数字，实际为 {_show(value)}")
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int | float | str):
            number = Decimal(str(value).strip().replace(",", "") if isinstance(value, str)
                             else str(value))
        else:
            raise InvalidOperation
    except InvalidOperation:
        raise FactError("fact_not_number",
                        f"{_name(spec)}应为数字，实际为 {_show(value)}") from None
    if not number.is_finite():
        raise FactError("fact_not_number", f"{_name(spec)}应为有限的数字，实际为 {_show(value)}")
    scale = spec.scale if spec.type in (FieldType.MONEY, FieldType.DECIMAL) else 0
    quantum = Decimal(1).scaleb(-scale)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
    if strict and rounded != number:
        raise FactError("fact_scale",
                        f"{_name(spec)}最多 {scale} 位小数，实际为 {_show(value)}")
    return rounded


def _date(spec: FieldSpec, value: object, strict: bool) -> date:
    if isinstance(value, datetime):
        if strict:
            raise FactError("fact_not_date", f"{_name(spec)}应为日期，实际为日期和时间 {value!r}")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise FactError("fact_not_date",
                    f"{_name(spec)}应为日期（YYYY-MM-DD），实际为 {_show(value)}")


def _text(spec: FieldSpec, value: object, strict: bool) -> str:
    if isinstance(value, str):
        text = value
    elif not strict and isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        raise FactError("fact_not_text",
                        f"{_name(spec)}应为文本，实际为 {_show(value)}（YAML 中请加引号）")
    if strict and spec.values and text not in spec.values:
        allowed = "、".join(f"'{v}'（{label}）" for v, label in spec.values.items())
        raise FactError("fact_not_allowed", f"{text!r} 不是{_name(spec)}的取值（可选：{allowed}）")
    return text


def _name(spec: FieldSpec) -> str:
    return f"“{spec.label}”（{spec.name}）" if spec.label else spec.name


def _show(value: object) -> str:
    return str(value) if isinstance(value, Decimal | date) else repr(value)
