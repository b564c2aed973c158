"""What each appeal action must carry, and how a raw payload (a form, JSON) is checked.

Declared as data so the UI can build its forms from the same table the state machine enforces.
Cross-field checks that need the appeal (e.g. a new deadline later than the old one) live in
`state.py`; here only the shape of each field is checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from huiqi.kit.errors import ValidationFailed


class InvalidPayload(ValidationFailed):
    code = "appeal_invalid_payload"


class Kind(StrEnum):
    TEXT = "text"
    DATE = "date"
    INT = "int"
    NAMES = "names"  # a list of department names
    TEXT_MAP = "text_map"  # department name -> text


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: Kind
    required: bool = True
    min_value: int | None = None
    max_value: int | None = None


MAX_TEXT = 4000

REASON = Field("reason", "理由", Kind.TEXT)
NOTE = Field("note", "备注", Kind.TEXT, required=False)
COMMENT = Field("comment", "评价意见", Kind.TEXT, required=False)
LEAD_DEPARTMENT = Field("lead_department", "牵头部门", Kind.TEXT)
CO_DEPARTMENTS = Field("co_departments", "协办部门", Kind.NAMES, required=False)
RESPONSIBILITIES = Field("responsibilities", "责任划分", Kind.TEXT_MAP, required=False)
SIGN_DUE = Field("sign_due", "签收时限", Kind.DATE)
RESOLVE_DUE = Field("resolve_due", "办结时限", Kind.DATE)
DEPARTMENT = Field("department", "部门", Kind.TEXT)
REPLY = Field("reply", "答复内容", Kind.TEXT)
SATISFACTION = Field("satisfaction", "满意度", Kind.INT, min_value=1, max_value=5)
EXTRA_WORKDAYS = Field("extra_workdays", "延期工作日数", Kind.INT, min_value=1, max_value=60)
LEAD_OFFICIAL = Field("lead_official", "专班牵头领导", Kind.TEXT)


def clean(fields: tuple[Field, ...], payload: Mapping[str, object] | None) -> dict[str, object]:
    """Check `payload` against `fields`; return it normalised (text stripped, dates parsed)."""
    raw = dict(payload or {})
    known = {f.name for f in fields}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InvalidPayload(f"不认识的字段：{'、'.join(unknown)}")
    out: dict[str, object] = {}
    for f in fields:
        value = raw.get(f.name)
        if _is_blank(value):
            if f.required:
                raise InvalidPayload(f"请填写「{f.label}」")
            continue
        out[f.name] = _convert(f, value)
    return out


def _is_blank(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, str | list | tuple | dict) and not value)
        or (isinstance(value, str) and not value.strip())
    )


def _convert(f: Field, value: object) -> object:
    if f.kind is Kind.TEXT:
        return _text(f, value)
    if f.kind is Kind.DATE:
        return _date(f, value)
    if f.kind is Kind.INT:
        return _int(f, value)
    if f.kind is Kind.NAMES:
        return _names(f, value)
    return _text_map(f, value)


def _text(f: Field, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidPayload(f"「{f.label}」应为文字")
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise InvalidPayload(f"「{f.label}」不能超过 {MAX_TEXT} 字")
    return text


def _date(f: Field, value: object) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidPayload(f"「{f.label}」应为日期，如 2025-06-01，收到「{value}」") from None


def _int(f: Field, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidPayload(f"「{f.label}」应为整数")
    if isinstance(value, str) and not re.fullmatch(r"-?[0-9]{1,18}", value.strip()):
        raise InvalidPayload(f"「{f.label}」应为整数，收到「{value[:20]}」")
    number = int(value)
    lo, hi = f.min_value, f.max_value
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise InvalidPayload(f"「{f.label}」应在 {lo}–{hi} 之间，收到 {number}")
    return number


def _names(f: Field, value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise InvalidPayload(f"「{f.label}」应为名称列表")
    names = [_text(f, v) for v in value]
    if any(not n for n in names):
        raise InvalidPayload(f"「{f.label}」中有空白名称")
    if len(set(names)) != len(names):
        raise InvalidPayload(f"「{f.label}」中有重复名称")
    return tuple(names)


def _text_map(f: Field, value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping):
        raise InvalidPayload(f"「{f.label}」应为“部门：职责”的对应表")
    return tuple((_text(f, k), _text(f, v)) for k, v in value.items())
