"""Masking of personal data on pages and in exports (PIPL 28/51, 等保 8.1.4.11): a bank account
as `6222 **** **** 1234`, a mobile number as `138****5678`, an ID number as
`110***********1234`. The clear value is shown only where a role needs it (the bank file) or
after an audited reveal (显示完整号码)."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d")


def _digits(value: str) -> str:
    return "".join(_DIGITS.findall(value))


def mask_account(value: str | None) -> str:
    if not value:
        return ""
    digits = _digits(value)
    if len(digits) < 8:
        return "*" * len(digits) if digits else "****"
    return f"{digits[:4]} **** **** {digits[-4:]}"


def mask_id(value: str | None) -> str:
    if not value:
        return ""
    v = value.strip()
    if len(v) < 8:
        return "*" * len(v)
    return v[:3] + "*" * (len(v) - 7) + v[-4:]


def mask_phone(value: str | None) -> str:
    """A mobile: `138****5678`; a landline keeps its last 4 digits; an e-mail (Open311 takes one
    as the contact) keeps its first letter and domain."""
    if not value:
        return ""
    v = value.strip()
    if "@" in v:
        name, _, domain = v.partition("@")
        return f"{name[:1]}***@{domain}"
    digits = _digits(v)
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * max(len(digits), 4)
