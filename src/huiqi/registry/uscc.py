"""统一社会信用代码 (USCC, GB 32100-2015): validation with python-stdnum, and valid demo codes.

Layout: 1 registration authority (9 = 市场监管/工商), 2 entity type (1 企业, 2 个体工商户,
3 农民专业合作社), 3–8 行政区划代码, 9–17 organisation code (its last character is the GB 11714
check character), 18 check character over the first 17 (stdnum computes it).
"""

from __future__ import annotations

import random
import re

import numpy as np
from stdnum.cn import uscc as _stdnum

ALPHABET = _stdnum._alphabet  # 0-9 and A-Z without I, O, S, V, Z
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Organisation-code body characters that are also USCC characters (digits + allowed letters).
_ORG_BODY = ALPHABET
ENTITY_TYPE = {"enterprise": "1", "individual": "2", "farmer_coop": "3", "other": "9"}


class InvalidUSCC(ValueError):
    """`str(exc)` says why, in Chinese."""

    code = "invalid_uscc"


def normalize(raw: str) -> str:
    """Strip spaces and dashes, upper-case (full-width characters are folded too)."""
    text = raw.translate({0x3000: 32}).strip()
    text = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in text)
    return _stdnum.compact(text)


_WELL_FORMED = re.compile(r"[0-9]{8}[" + re.escape(ALPHABET) + r"]{10}")
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def _fast_valid(raw: str) -> bool:
    """stdnum's check for an already-normalised code, without its per-call cleaning (bulk
    imports validate hundreds of thousands of codes; tests pin it to stdnum)."""
    if len(raw) != 18 or not _WELL_FORMED.fullmatch(raw):
        return False
    total = sum(_INDEX[c] * w for c, w in zip(raw[:17], _WEIGHTS, strict=True))
    return ALPHABET[(31 - total) % 31] == raw[17]


def validate(raw: str) -> str:
    """The normalised code, or InvalidUSCC naming the problem (length, characters, check digit)."""
    if type(raw) is str and _fast_valid(raw):
        return raw
    number = normalize(str(raw))
    if _stdnum.is_valid(number):
        return number
    if len(number) != 18:
        raise InvalidUSCC(f"统一社会信用代码应为18位，实际为{len(number)}位")
    for pos, char in enumerate(number, start=1):
        allowed = char.isdigit() if pos <= 8 else char in ALPHABET
        if not allowed:
            rule = "应为数字" if pos <= 8 else "只能是数字或除I、O、S、V、Z外的大写字母"
            raise InvalidUSCC(f"统一社会信用代码第{pos}位“{char}”不合法：第{pos}位{rule}")
    expected = _stdnum.calc_check_digit(number[:17])
    raise InvalidUSCC(f"统一社会信用代码校验码错误：第18位应为“{expected}”，实际为“{number[17]}”")


def is_valid(raw: str) -> bool:
    try:
        validate(raw)
    except InvalidUSCC:
        return False
    return True


def org_check_char(body: str) -> str:
    """GB 11714 check character of an 8-character organisation-code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def make(region: str, body: str, *, legal_form: str = "enterprise") -> str:
    """A valid USCC for a region and an 8-character organisation-code body."""
    if len(body) != 8 or any(c not in ALPHABET for c in body) or not (
            len(region) == 6 and region.isdigit()):
        raise ValueError(f"body must be 8 characters of {ALPHABET}, region 6 digits")
    first17 = "9" + ENTITY_TYPE.get(legal_form, "9") + region + body + org_check_char(body)
    return first17 + _stdnum.calc_check_digit(first17)


def generate(region: str, rng: random.Random, *, legal_form: str = "enterprise") -> str:
    """A random valid USCC; new-style codes start their organisation code with MA."""
    body = "MA" + "".join(rng.choice(_ORG_BODY) for _ in range(6))
    return make(region, body, legal_form=legal_form)


# --- vectorised generation for large demo files ---------------------------------------------

_VALUE = np.full(128, -1, dtype=np.int64)
for _i, _c in enumerate(ALPHABET):
    _VALUE[ord(_c)] = _i
_B36 = np.array([int(chr(c), 36) if chr(c).isalnum() else -1 for c in range(128)], np.int64)


def generate_many(regions: np.ndarray, entity_types: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    """n valid, distinct USCCs (same rules as `make`) as numpy bytes 'S18', for n up to 31**6.

    `regions` are 6-digit strings, `entity_types` single characters ('1', '2', '3'). The six
    free characters walk a random affine sequence modulo 31**6 (the stride is coprime with 31),
    so no two rows share a code and the codes still look random.
    """
    n = len(regions)
    alphabet = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
    codes = np.empty((n, 18), dtype=np.uint8)
    codes[:, 0] = ord("9")
    codes[:, 1] = np.asarray(entity_types).astype("S1").view(np.uint8)
    codes[:, 2:8] = np.asarray(regions).astype("S6").view(np.uint8).reshape(n, 6)
    codes[:, 8] = ord("M")
    codes[:, 9] = ord("A")
    space = len(ALPHABET) ** 6
    if n > space:
        raise ValueError(f"at most {space} distinct codes")
    stride = int(rng.integers(1, space)) | 1
    stride += 1 if stride % 31 == 0 else 0
    serial = (int(rng.integers(0, space)) + np.arange(n, dtype=np.int64) * stride) % space
    for pos in range(6):
        codes[:, 15 - pos] = alphabet[serial % 31]
        serial //= 31
    org = (_B36[codes[:, 8:16]] * np.array(_ORG_WEIGHTS)).sum(axis=1)
    org_check = 11 - org % 11
    codes[:, 16] = np.where(org_check == 10, ord("X"),
                            np.where(org_check == 11, ord("0"), ord("0") + org_check % 10))
    total = (_VALUE[codes[:, :17]] * np.array(_WEIGHTS)).sum(axis=1)
    codes[:, 17] = alphabet[(31 - total % 31) % 31]
    return codes.view("S18").ravel()


__all__ = ["InvalidUSCC", "generate", "generate_many", "is_valid", "make", "normalize",
           "org_check_char", "validate"]
