"""Reading form values the way every grants page needs them (money, dates, id lists)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from huiqi.kit import numbers
from huiqi.kit.errors import ValidationFailed
from huiqi.kit.settings import get_settings

MAX_FILES_PER_REQUEST = 12
# The whole request body of an upload form (files and fields): refused with 413 while it is read,
# before anything is parsed or spooled to disk.
UPLOAD_BODY_LIMIT = MAX_FILES_PER_REQUEST * get_settings().upload_max_bytes + 1024 * 1024


def money(value: str | None, label: str = "金额") -> Decimal | None:
    text = (value or "").strip()
    return numbers.parse_money(text, label) if text else None


def day(value: str | None, label: str = "日期") -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"{label}应为 YYYY-MM-DD 格式，例如 2025-06-30。") from None


def integer(value: str | None, label: str) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    return numbers.parse_int(text, label)


def ids(values: list[str]) -> list[int]:
    out = []
    for v in values:
        if not numbers.is_id(v):
            raise ValidationFailed("所选记录有误，请刷新页面后重试。")
        out.append(int(v))
    return out


def lines(value: str | None) -> list[str]:
    """One entry per line. Never split on "、" or "，": a material's name may hold them
    ("生产性设备购置合同、发票及付款凭证" is one material)."""
    return [p.strip() for p in (value or "").splitlines() if p.strip()]



