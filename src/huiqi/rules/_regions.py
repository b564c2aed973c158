"""Where a policy applies: 6-digit 行政区划代码 with their hierarchy.

A code ending in 0000 is a province-level unit (420000 湖北省, 500000 重庆市) and covers every
code with its first two digits; one ending in 00 is a city-level unit (420800 荆门市) and covers
its first four digits; any other code is a district or county and covers itself only. 重庆市's
districts are 5001xx and its counties 5002xx: both are covered by 500000, neither by the other.

100000 is 全国 (the whole country, as in GB/T 2260 data sets): a national policy applies whatever
the enterprise's region, so it gets no region criterion at all.

The loader turns a document's regions into one ordinary criterion (`CRITERION`) on every item, so
the reference evaluator and every engine apply it with no special casing; an enterprise whose
region is unknown gets `unknown` with `region` missing, like any other fact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CODE = re.compile(r"^\d{6}$")
CRITERION = "适用地区"
NATIONAL = "100000"

# Names shown in explanations; a code not listed is shown as the code alone.
NAMES = {
    NATIONAL: "全国",
    "500000": "重庆市", "500105": "重庆市江北区", "500113": "重庆市巴南区",
    "500107": "重庆市九龙坡区",
    "420000": "湖北省", "420800": "湖北省荆门市", "420802": "湖北省荆门市东宝区",
    "360000": "江西省", "360800": "江西省吉安市", "360803": "江西省吉安市青原区",
}


def prefix(code: str) -> str:
    """The leading digits every covered code shares: 420000 → 42, 420800 → 4208, 420802 →
    420802, 100000 (全国) → ''."""
    if code == NATIONAL:
        return ""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def national(regions: Iterable[str]) -> bool:
    return NATIONAL in regions


def covers(regions: tuple[str, ...] | list[str], region: str | None) -> bool | None:
    """Whether a policy of `regions` applies to an enterprise of `region` (None: unknown)."""
    if NATIONAL in regions:
        return True
    if region is None or region == "":
        return None
    return any(region.startswith(prefix(code)) for code in regions)


def name(code: str) -> str:
    label = NAMES.get(code)
    return f"{label}（{code}）" if label else code


def describe(regions: Iterable[str]) -> str:
    """'湖北省荆门市东宝区（420802）', several joined by '、'."""
    return "、".join(name(code) for code in regions)


def rule_text(regions: Iterable[str]) -> str:
    """The criterion as a policy expression, e.g. `region IN ('500105') OR region LIKE '4208%'`."""
    exact = [c for c in regions if prefix(c) == c]
    wide = [prefix(c) for c in regions if prefix(c) != c]
    parts = []
    if exact:
        parts.append("region IN (" + ", ".join(f"'{c}'" for c in exact) + ")")
    parts.extend(f"region LIKE '{p}%'" for p in wide)
    return " OR ".join(parts)


def note(regions: Iterable[str]) -> str:
    codes = list(regions)
    wide = [c for c in codes if prefix(c) != c]
    text = f"本政策仅适用于{describe(codes)}"
    if wide:
        text += "（含所辖区县）"
    return text + "的企业"
