"""Column headers: a catalog name or Chinese label, with an optional unit in brackets.

Chinese statistical tables label columns `营业收入（万元）`, `资产总额(万元)`, `从业人员（人）`,
`上年度裁员率（%）`. The unit gives the factor that turns a cell into the catalog unit (money is in
元): 1200 in a 万元 column is 12,000,000 元. A unit that contradicts the field (`从业人员（万元）`)
or that cannot be read on a numeric field (`营业收入（千美元）`) is refused: guessing would store a
wrong figure silently. Bracketed text on a field without a unit (`统一社会信用代码（必填）`) is a
note and ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from huiqi.rules import FieldSpec

# unit as written → (catalog unit, factor to the catalog unit)
UNITS: dict[str, tuple[str, Decimal]] = {
    "元": ("元", Decimal(1)),
    "千元": ("元", Decimal(1000)),
    "万元": ("元", Decimal(10_000)),
    "亿元": ("元", Decimal(100_000_000)),
    "人": ("人", Decimal(1)),
    "名": ("人", Decimal(1)),
    "%": ("比例", Decimal("0.01")),
    "％": ("比例", Decimal("0.01")),
    "年": ("年", Decimal(1)),
    "次": ("次", Decimal(1)),
}
RATIO_UNIT = "比例"
_BRACKETED = re.compile(r"^(?P<name>.*?)\s*[（(](?P<unit>[^（）()]*)[）)]\s*$")


class HeaderError(ValueError):
    """A header whose unit cannot be used for its field; `str(exc)` says why, in Chinese."""

    code = "header_unit"


@dataclass(frozen=True)
class HeaderField:
    name: str  # the catalog field
    factor: Decimal | None  # multiply a cell by this to get the catalog unit; None = as is
    unit: str | None  # the unit as written in the header


def _aliases() -> dict[str, str]:
    from huiqi.registry.catalog import header_aliases

    return header_aliases()


@lru_cache(maxsize=4096)
def parse_header(header: str) -> HeaderField | None:
    """The field and unit factor a header names; None for a column not in the catalog.

    Raises HeaderError when the unit contradicts the field or cannot be read."""
    from huiqi.registry.catalog import load_catalog

    text = header.strip().lstrip("\ufeff")
    aliases = _aliases()
    name = aliases.get(text.lower())
    if name is not None:
        return HeaderField(name, None, None)
    m = _BRACKETED.match(text)
    if m is None:
        return None
    name = aliases.get(m["name"].strip().lower())
    if name is None:
        return None
    spec = load_catalog()[name]
    unit = m["unit"].strip()
    return HeaderField(name, _factor(spec, header, unit), unit)


def _factor(spec: FieldSpec, header: str, unit: str) -> Decimal | None:
    known = UNITS.get(unit)
    expected = spec.unit
    if known is None:
        if expected is None or not spec.type.is_numeric:
            return None  # a note such as （必填）on a field without a unit
        raise HeaderError(f"列“{header}”的单位“{unit}”无法识别：{spec.label}的单位应为"
                          f"{_accepted(expected)}")
    if expected != known[0]:
        want = f"应为{_accepted(expected)}" if expected else "不应带单位"
        raise HeaderError(f"列“{header}”的单位“{unit}”与字段“{spec.label}”不符：{want}")
    return None if known[1] == 1 else known[1]


def _accepted(unit: str) -> str:
    written = [u for u, (target, _) in UNITS.items() if target == unit and u != "％"]
    return "、".join(written) if unit != RATIO_UNIT else "%（或不带单位填0到1的小数）"


__all__ = ["UNITS", "HeaderError", "HeaderField", "parse_header"]
