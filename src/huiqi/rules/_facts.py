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
    pass


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
    raise FactError(f"{spec.name} expects true or false, got {_show(value)}")


def _number(spec: FieldSpec, value: object, strict: bool) -> Decimal:
    if isinstance(value, bool):
        raise FactError(f"{spec.name} expects a number, got {_show(value)}")
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int | float | str):
            number = Decimal(str(value).strip().replace(",", "") if isinstance(value, str)
                             else str(value))
        else:
            raise InvalidOperation
    except InvalidOperation:
        raise FactError(f"{spec.name} expects a number, got {_show(value)}") from None
    if not number.is_finite():
        raise FactError(f"{spec.name} expects a finite number, got {_show(value)}")
    scale = spec.scale if spec.type in (FieldType.MONEY, FieldType.DECIMAL) else 0
    quantum = Decimal(1).scaleb(-scale)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
    if strict and rounded != number:
        raise FactError(f"{spec.name} has at most {scale} decimal places, got {_show(value)}")
    return rounded


def _date(spec: FieldSpec, value: object, strict: bool) -> date:
    if isinstance(value, datetime):
        if strict:
            raise FactError(f"{spec.name} expects a date, got a date and time {value!r}")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise FactError(f"{spec.name} expects an ISO date (YYYY-MM-DD), got {_show(value)}")


def _text(spec: FieldSpec, value: object, strict: bool) -> str:
    if isinstance(value, str):
        text = value
    elif not strict and isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        raise FactError(f"{spec.name} expects text, got {_show(value)} (quote it in YAML)")
    if strict and spec.values and text not in spec.values:
        raise FactError(f"{text!r} is not a value of {spec.name} "
                        f"(allowed: {', '.join(spec.values)})")
    return text


def _show(value: object) -> str:
    return str(value) if isinstance(value, Decimal | date) else repr(value)
