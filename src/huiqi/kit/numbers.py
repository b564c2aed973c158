"""Numbers typed by people, parsed strictly: ASCII digits only, in range, or a Chinese message.

`str.isdigit()` is true for "²" and "١", which `int()` then refuses (or reads as another
number), and `Decimal("1e400")` is a valid Decimal that no quantize can round to the fen: each
was a 500. Every form and query value that becomes an int or an amount goes through here.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from huiqi.kit.errors import ValidationFailed

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_MONEY = Decimal("1e13")  # 十万亿元: above any grant; ×100 fen still fits BIGINT
_DIGITS = re.compile(r"[0-9]{1,19}")
_MONEY = re.compile(r"-?[0-9]{1,14}(\.[0-9]{1,2})?")

# A request-body id or count that must fit a 64-bit column.
DbInt = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
# A request-body amount (元): finite, at most two decimals, within ±MAX_MONEY.
MoneyIn = Annotated[Decimal, Field(ge=-MAX_MONEY, le=MAX_MONEY, decimal_places=2,
                                   allow_inf_nan=False)]


def is_id(text: str) -> bool:
    """ASCII digits that fit a 64-bit id (what a row id in a form or URL may be)."""
    return bool(_DIGITS.fullmatch(text)) and int(text) <= INT64_MAX


def parse_int(text: str, label: str, *, lo: int = 0, hi: int = INT64_MAX) -> int:
    """A whole number from `text` in [lo, hi], or ValidationFailed naming `label`."""
    value = text.strip()
    if not _DIGITS.fullmatch(value.removeprefix("-")):
        raise ValidationFailed(f"{label}应为整数（半角数字），收到「{value[:20]}」。")
    number = int(value)
    if not lo <= number <= hi:
        raise ValidationFailed(f"{label}应在 {lo}–{hi} 之间，收到 {value[:25]}。")
    return number


def parse_money(text: str, label: str = "金额") -> Decimal:
    """An amount in 元 from `text` (thousands separators allowed), exact to the fen."""
    value = text.strip().replace(",", "").replace("，", "")
    if not _MONEY.fullmatch(value):
        if re.fullmatch(r"-?[0-9]+\.[0-9]{3,}", value):
            raise ValidationFailed(f"{label}须精确到分（最多两位小数）。")
        raise ValidationFailed(f"{label}应为数字（元，半角），例如 12000.00，"
                               f"且不超过 {MAX_MONEY:,.0f} 元。")
    amount = Decimal(value)
    if abs(amount) > MAX_MONEY:
        raise ValidationFailed(f"{label}不能超过 {MAX_MONEY:,.0f} 元。")
    return amount
