"""好差评 figures — pure functions over rating records; the definitions are shown on the page.

A rating counts in the period of its Beijing date. One excluded by an upheld 申诉复核 counts in no
figure (only in 已剔除). Percentages are exact fractions rounded once, half-up, to 0.1%.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from huiqi.kit.clock import to_local
from huiqi.ratings.vocab import Channel, Level, VerifyResult

DEFINITIONS: Mapping[str, str] = {
    "有效评价数": "统计期内（按评价日期，北京时间）的评价数，不含申诉复核成立后剔除的误评。",
    "好评率": "好评数 ÷ 有效评价数。好评：非常满意、满意、基本满意；差评：不满意、非常不满意"
    "（国办发〔2019〕51号 五级评价）。",
    "差评率": "差评数 ÷ 有效评价数。",
    "满意度均分": "各评价等级分值（非常满意 5 分 … 非常不满意 1 分）的平均值，保留两位小数。",
    "差评核实率": "已核实差评数 ÷ 差评数。差评须由责任部门在评价后 3 个工作日内核实。",
    "按时核实率": "在核实时限（评价日后第 3 个工作日，含当日）内核实的差评数 ÷ 差评数。",
    "整改率": "已整改差评数 ÷ 应整改差评数。应整改：核实为属实或部分属实的差评"
    "（核实为不属实的无需整改，部门可申诉复核）。",
    "回访率": "已回访差评数 ÷ 差评数。整改完成（或核实无需整改）后回访评价人并记录结果。",
    "回访满意率": "回访结果为满意或基本满意的数 ÷ 已回访数。",
    "已剔除": "部门申诉、营商办复核认定为误评的评价：保留在列表中并注明理由，不计入任何指标。",
}


@dataclass(frozen=True)
class RatingRecord:
    level: int
    rated_at: datetime
    department: str
    channel: str
    item: str | None = None
    window: str | None = None
    staff: str | None = None  # "工号 姓名"
    excluded: bool = False
    verified_at: datetime | None = None
    verify_due: date | None = None
    verify_result: str | None = None
    rectified_at: datetime | None = None
    revisited_at: datetime | None = None
    revisit_result: str | None = None

    @property
    def negative(self) -> bool:
        return self.level <= Level.UNSATISFIED


@dataclass(frozen=True)
class Share:
    numerator: int
    denominator: int

    @property
    def value(self) -> Fraction | None:
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    @property
    def percent(self) -> str:
        """E.g. "66.7%", or "—" when there is nothing to measure."""
        value = self.value
        return "—" if value is None else f"{_round(value * 100, '0.1')}%"


@dataclass(frozen=True)
class Figures:
    total: int
    excluded: int
    counts: Mapping[int, int]  # level → count (valid ratings)
    good: Share
    bad: Share
    average: Decimal | None
    negatives: int
    verified: Share
    verified_on_time: Share
    rectified: Share
    revisited: Share
    revisit_satisfied: Share

    @property
    def hundred_percent(self) -> bool:
        """三个100%: every 差评 verified, rectified where due, and revisited."""
        return all(s.numerator == s.denominator
                   for s in (self.verified, self.rectified, self.revisited))


def figures(records: Iterable[RatingRecord]) -> Figures:
    rows = list(records)
    valid = [r for r in rows if not r.excluded]
    counts = {int(lv): sum(r.level == lv for r in valid) for lv in Level}
    bad = [r for r in valid if r.negative]
    verified = [r for r in bad if r.verified_at is not None]
    due_fix = [r for r in verified if r.verify_result != VerifyResult.UNFOUNDED.value]
    revisited = [r for r in bad if r.revisited_at is not None]
    on_time = sum(r.verify_due is not None and r.verified_at is not None
                  and to_local(r.verified_at).date() <= r.verify_due for r in bad)
    average = _round(Fraction(sum(r.level for r in valid), len(valid)), "0.01") if valid else None
    return Figures(
        total=len(valid), excluded=len(rows) - len(valid), counts=counts,
        good=Share(len(valid) - len(bad), len(valid)), bad=Share(len(bad), len(valid)),
        average=average, negatives=len(bad),
        verified=Share(len(verified), len(bad)), verified_on_time=Share(on_time, len(bad)),
        rectified=Share(sum(r.rectified_at is not None for r in due_fix), len(due_fix)),
        revisited=Share(len(revisited), len(bad)),
        revisit_satisfied=Share(sum(r.revisit_result in ("satisfied", "basic")
                                    for r in revisited), len(revisited)),
    )


# --- grouping -----------------------------------------------------------------------------------

Key = Callable[[RatingRecord], str | None]


def month(r: RatingRecord) -> str:
    return to_local(r.rated_at).strftime("%Y-%m")


DIMENSIONS: Mapping[str, tuple[str, Key]] = {
    "department": ("部门", lambda r: r.department),
    "item": ("事项", lambda r: r.item),
    "window": ("窗口", lambda r: r.window),
    "staff": ("工作人员", lambda r: r.staff),
    "channel": ("渠道", lambda r: Channel(r.channel).label),
    "month": ("月份", month),
}


def figures_by(records: Iterable[RatingRecord], dimension: str) -> dict[str, Figures]:
    """Figures per value of one dimension (records without a value for it are left out)."""
    _, key = DIMENSIONS[dimension]
    groups: dict[str, list[RatingRecord]] = {}
    for r in records:
        k = key(r)
        if k:
            groups.setdefault(k, []).append(r)
    return {k: figures(groups[k]) for k in sorted(groups)}


def _round(value: Fraction, quantum: str) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(quantum), rounding=ROUND_HALF_UP)
