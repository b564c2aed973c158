"""Strata, quotas and the smallest relaxation when quotas cannot be met (pure).

A stratum is an enterprise's credit grade in the plan's field (A–D, N = 未评级) and, when the plan
sets risk ratios, its risk level (高/中/低, "-" unknown). Its ratio is the larger of the grade's
ratio and the risk level's ratio.

Rounding rule (published with every plan): quota = ⌊N × ratio + ½⌋ — N × ratio rounded half up to a
whole enterprise, computed exactly (Decimal) — where N counts the stratum's enterprises in scope
and not in a 包容期. So every quota is within ½ of N × ratio, and a drawn stratum within ±1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

GRADES = ("A", "B", "C", "D", "N")
GRADE_LABELS = {"A": "A级（守信）", "B": "B级（基本守信）", "C": "C级（失信风险较高）",
                "D": "D级（严重失信）", "N": "未评级"}
RISKS = ("高", "中", "低")
ROUNDING_RULE = "配额 = 该层在册且不在包容期的企业数 × 抽查比例，四舍五入到整数（精确十进制计算）"
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Unit:
    """One enterprise of the population snapshot."""

    uscc: str
    grade: str  # A B C D N
    risk: str  # 高 中 低 or "-"
    done_this_year: int  # inspections already scheduled for it in the plan's year
    last_team: tuple[int, ...]  # officers of its latest inspection (回避: not twice running)
    grace: bool  # in a 包容期: never drawn, not counted

    def stratum(self, risk_ratios: Mapping[str, Decimal]) -> str:
        return f"{self.grade}/{self.risk}" if risk_ratios else self.grade


def ratio_for(stratum: str, ratios: Mapping[str, Decimal], risk_ratios: Mapping[str, Decimal]
              ) -> Decimal:
    grade, _, risk = stratum.partition("/")
    return max(ratios.get(grade, Decimal(0)), risk_ratios.get(risk, Decimal(0)))


def quota(n: int, ratio_percent: Decimal) -> int:
    return int((Decimal(n) * ratio_percent / HUNDRED).to_integral_value(ROUND_HALF_UP))


@dataclass(frozen=True)
class Stratum:
    key: str
    ratio: Decimal  # percent
    population: int  # in scope, not in a 包容期
    available: int  # of which below the yearly limit
    quota: int

    @property
    def shortfall(self) -> int:
        return max(0, self.quota - self.available)


def strata(units: Iterable[Unit], ratios: Mapping[str, Decimal],
           risk_ratios: Mapping[str, Decimal], year_limit: int) -> list[Stratum]:
    counts: dict[str, list[int]] = {}
    for unit in units:
        if unit.grace:
            continue
        entry = counts.setdefault(unit.stratum(risk_ratios), [0, 0])
        entry[0] += 1
        entry[1] += unit.done_this_year < year_limit
    out = []
    for key in sorted(counts):
        ratio = ratio_for(key, ratios, risk_ratios)
        population, available = counts[key]
        out.append(Stratum(key, ratio, population, available, quota(population, ratio)))
    return out


@dataclass(frozen=True)
class Relaxation:
    """The smallest change that makes every quota feasible, in two forms to choose from."""

    shortfall: int  # enterprises missing in total
    lowered: dict[str, Decimal]  # stratum → the largest feasible ratio (0.1% steps)
    year_limit: int | None  # the smallest yearly limit that suffices (None: none does)

    def text(self, current_limit: int) -> str:
        parts = [f"{key} 层比例降至 {ratio}%" for key, ratio in self.lowered.items()]
        msg = f"按现有比例差 {self.shortfall} 家企业无法抽足。最小放宽：" + "，".join(parts)
        if self.year_limit is not None:
            msg += f"；或将每家企业每年受检上限由 {current_limit} 次提高到 {self.year_limit} 次"
        return msg + "。"


def relaxation(units: list[Unit], found: list[Stratum], ratios: Mapping[str, Decimal],
               risk_ratios: Mapping[str, Decimal], year_limit: int) -> Relaxation | None:
    short = [s for s in found if s.shortfall]
    if not short:
        return None
    lowered = {s.key: _largest_ratio(s) for s in short}
    done = sorted({u.done_this_year for u in units if not u.grace})
    limit = None
    for candidate in [d + 1 for d in done if d + 1 > year_limit]:
        if not any(s.shortfall for s in strata(units, ratios, risk_ratios, candidate)):
            limit = candidate
            break
    return Relaxation(sum(s.shortfall for s in short), lowered, limit)


def _largest_ratio(s: Stratum) -> Decimal:
    step = Decimal("0.1")
    ratio = (Decimal(s.available) * HUNDRED / Decimal(s.population)).quantize(step, ROUND_FLOOR) \
        if s.population else Decimal(0)
    while ratio > 0 and quota(s.population, ratio) > s.available:
        ratio -= step
    return ratio
