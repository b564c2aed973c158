"""企业规模 (large / medium / small / micro) from 工信部联企业〔2011〕300号《中小企业划型标准规定》.

The 规定 defines, per industry group, an upper bound under which an enterprise is 中小微型
("从业人员1000人以下或营业收入40000万元以下的为中小微型企业") and the lower bounds of 中型 and
小型 ("从业人员300人及以上，且营业收入2000万元及以上的为中型企业"); 微型 is what is left under 小型.
Read with 民法典 第1259条 (以上、以下 include the number):

- 中小微型 when ANY indicator is at or below its upper bound (the 规定's "或");
- 大型 otherwise, i.e. every indicator strictly above its upper bound;
- 中型 when EVERY indicator is at or above its 中型 lower bound (the 规定's "且"); 小型 likewise;
- 微型 when some indicator is below its 小型 lower bound.

Note: 国家统计局《统计上大中小微型企业划分办法（2017）》 states 大型 as "X人及以上且Y万元及以上",
so an enterprise exactly on an upper bound (e.g. exactly 1000 人) is 大型 there and 中型 here.
We follow the 规定 and 民法典 as DESIGN §5 asks.

金融业 (J) is classified by a separate standard (银发〔2015〕309号) and 公共管理、社会组织 (S) and
国际组织 (T) are not enterprises under the 规定: for them, and when an indicator the industry
group needs is unknown, `classify` returns None.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WAN = Decimal(10_000)  # 万元 → 元


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    indicators: tuple[str, ...]  # employees (人), revenue / total_assets (元)
    upper: tuple[Decimal, ...]  # 中小微型: any indicator <= its bound
    medium: tuple[Decimal, ...]  # 中型: every indicator >= its bound
    small: tuple[Decimal, ...]  # 小型: every indicator >= its bound


def _g(key: str, label: str, indicators: tuple[str, ...], *bounds: tuple[int, ...]) -> Group:
    """Bounds are written as in the 规定: people, and money in 万元."""

    def scaled(values: tuple[int, ...]) -> tuple[Decimal, ...]:
        return tuple(Decimal(v) if ind == "employees" else Decimal(v) * WAN
                     for ind, v in zip(indicators, values, strict=True))

    upper, medium, small = bounds
    return Group(key, label, indicators, scaled(upper), scaled(medium), scaled(small))


E, R, A = "employees", "revenue", "total_assets"
GROUPS: dict[str, Group] = {g.key: g for g in (
    _g("agriculture", "农、林、牧、渔业", (R,), (20000,), (500,), (50,)),
    _g("industry", "工业", (E, R), (1000, 40000), (300, 2000), (20, 300)),
    _g("construction", "建筑业", (R, A), (80000, 80000), (6000, 5000), (300, 300)),
    _g("wholesale", "批发业", (E, R), (200, 40000), (20, 5000), (5, 1000)),
    _g("retail", "零售业", (E, R), (300, 20000), (50, 500), (10, 100)),
    _g("transport", "交通运输业", (E, R), (1000, 30000), (300, 3000), (20, 200)),
    _g("warehousing", "仓储业", (E, R), (200, 30000), (100, 1000), (20, 100)),
    _g("postal", "邮政业", (E, R), (1000, 30000), (300, 2000), (20, 100)),
    _g("accommodation", "住宿业", (E, R), (300, 10000), (100, 2000), (10, 100)),
    _g("catering", "餐饮业", (E, R), (300, 10000), (100, 2000), (10, 100)),
    _g("info_transmission", "信息传输业", (E, R), (2000, 100000), (100, 1000), (10, 100)),
    _g("software_it", "软件和信息技术服务业", (E, R), (300, 10000), (100, 1000), (10, 50)),
    _g("real_estate_dev", "房地产开发经营", (R, A), (200000, 10000), (1000, 5000), (100, 2000)),
    _g("property_mgmt", "物业管理", (E, R), (1000, 5000), (300, 1000), (100, 500)),
    _g("leasing_business", "租赁和商务服务业", (E, A), (300, 120000), (100, 8000), (10, 100)),
    _g("other", "其他未列明行业", (E,), (300,), (100,), (10,)),
)}

# GB/T 4754-2017 → group: the longest matching code prefix wins.
_PREFIXES: dict[str, str | None] = {
    "A": "agriculture", "B": "industry", "C": "industry", "D": "industry", "E": "construction",
    "F51": "wholesale", "F52": "retail",
    "G53": "transport", "G54": "transport", "G55": "transport", "G56": "transport",
    "G57": "transport", "G58": "transport", "G59": "warehousing", "G60": "postal",
    "H61": "accommodation", "H62": "catering",
    "I63": "info_transmission", "I64": "info_transmission", "I65": "software_it",
    "J": None, "K": "other", "K7010": "real_estate_dev", "K7020": "property_mgmt",
    "L": "leasing_business", "M": "other", "N": "other", "O": "other", "P": "other",
    "Q": "other", "R": "other", "S": None, "T": None,
}


def group_for(industry_code: str | None) -> Group | None:
    """The 规定's industry group for a GB/T 4754-2017 code, or None when the 规定 does not apply."""
    if not industry_code:
        return None
    code = industry_code.strip().upper()
    for length in (5, 3, 1):
        if code[:length] in _PREFIXES and len(code) >= length:
            key = _PREFIXES[code[:length]]
            return GROUPS[key] if key else None
    return None


def classify(industry_code: str | None, employees: int | None, revenue: Decimal | int | None,
             total_assets: Decimal | int | None) -> str | None:
    """large / medium / small / micro, or None when the group is unknown or an input is missing."""
    group = group_for(industry_code)
    if group is None:
        return None
    given = {E: employees, R: revenue, A: total_assets}
    values = [given[ind] for ind in group.indicators]
    if any(v is None for v in values):
        return None
    nums = [Decimal(v) for v in values]  # type: ignore[arg-type]
    if not any(v <= bound for v, bound in zip(nums, group.upper, strict=True)):
        return "large"
    if all(v >= bound for v, bound in zip(nums, group.medium, strict=True)):
        return "medium"
    if all(v >= bound for v, bound in zip(nums, group.small, strict=True)):
        return "small"
    return "micro"


def required_inputs(industry_code: str | None) -> tuple[str, ...]:
    """The fields `classify` needs for this industry (empty when the 规定 does not apply)."""
    group = group_for(industry_code)
    return group.indicators if group else ()


__all__ = ["GROUPS", "Group", "classify", "group_for", "required_inputs"]
