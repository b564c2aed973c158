"""营商环境评价指标台账: the catalog (一级/二级/监测指标), monthly values entered by the owner
department or computed from Huiqi's own data, whether each meets its target, the league table
by department, and the ledger in the layout submitted upward.

Access: the office reads everything; a department handler sees and enters its own indicators
only (another department's indicator is "not found"). Every entry writes an audit row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from huiqi.audit import service as audit
from huiqi.auth.actor import Actor
from huiqi.insights import indicators_repository as repo
from huiqi.kit.clock import Clock
from huiqi.kit.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from huiqi.models.indicator import Indicator, IndicatorValue
from huiqi.models.user import Role

DIRECTIONS = {"up": "越高越好", "down": "越低越好"}
FREQUENCIES = {"monthly": "每月", "quarterly": "每季度", "yearly": "每年"}
NOT_FOUND = "指标不存在，或不属于您的部门。"
_PERIOD = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
MAX_VALUE = Decimal("1e13")


def parse_period(text: str) -> str:
    text = (text or "").strip()
    match = _PERIOD.fullmatch(text)
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise ValidationFailed(f"月份应写成 2025-05 这样的年-月（半角），收到「{text}」。")
    return text


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def months_back(period: str, n: int) -> list[str]:
    out = [period]
    while len(out) < n:
        out.append(previous_month(out[-1]))
    return out[::-1]


def month_bounds(period: str) -> tuple[date, date]:
    year, month = int(period[:4]), int(period[5:])
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date(year, month, 1), date.fromordinal(nxt.toordinal() - 1)


def parse_value(text: str, label: str = "指标值") -> Decimal:
    raw = (text or "").strip().replace(",", "").replace("，", "")
    if raw.endswith("%"):
        raw = raw[:-1]
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationFailed(f"{label}应为数字，例如 98.5，收到「{text}」。") from None
    if not value.is_finite() or abs(value) >= MAX_VALUE or not raw.isascii():
        raise ValidationFailed(f"{label}应为数字，例如 98.5，收到「{text}」。")
    return value.quantize(Decimal("0.0001"))


def meets(ind: Indicator, value: Decimal | None) -> bool | None:
    """Whether a value meets the target (None: no value or no target)."""
    if value is None or ind.target is None:
        return None
    return value >= ind.target if ind.direction == "up" else value <= ind.target


def access(db: Session, actor: Actor, indicator_id: int) -> Indicator:
    found = repo.get_visible(db, actor, indicator_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def enter(db: Session, actor: Actor, clock: Clock, indicator_id: int, period: str,
          value: Decimal, note: str = "") -> IndicatorValue:
    """The owner department's value for a month (a second entry corrects the first)."""
    ind = access(db, actor, indicator_id)
    if actor.role is not Role.DEPARTMENT or actor.department_id != ind.department_id:
        raise PermissionDenied("指标值由责任单位填报；营商办可查阅、催报。")
    if ind.source != "manual":
        raise Conflict("该指标由平台根据业务数据自动计算，无需填报。")
    period = parse_period(period)
    if period > month_of(clock.today_local()):
        raise ValidationFailed(f"不能填报未来月份（{period}）的指标值。")
    row = repo.value(db, ind.id, period)
    before = {"value": str(row.value), "note": row.note} if row else None
    if row is None:
        row = IndicatorValue(indicator_id=ind.id, period=period, value=value)
        db.add(row)
    row.value, row.note, row.computed = value, (note or "").strip() or None, False
    row.entered_by, row.entered_at = actor.user_id, clock.now()
    db.flush()
    audit.record(db, actor, "insights.indicator_enter", ("indicator", ind.id), before=before,
                 after={"period": period, "value": str(value), "note": row.note})
    return row


@dataclass(frozen=True)
class LedgerRow:
    indicator: Indicator
    department: str
    values: list[Decimal | None]  # one per period
    latest: Decimal | None
    met: bool | None

    @property
    def direction(self) -> str:
        return DIRECTIONS.get(self.indicator.direction, self.indicator.direction)


def ledger(db: Session, actor: Actor, periods: list[str], *, department_id: int | None = None,
           level1: str | None = None, q: str | None = None) -> list[LedgerRow]:
    inds = repo.visible_list(db, actor, department_id=department_id, level1=level1, q=q)
    vals = repo.values(db, [i.id for i in inds], periods)
    names = repo.departments(db)
    out = []
    for ind in inds:
        row = [vals[(ind.id, p)].value if (ind.id, p) in vals else None for p in periods]
        latest = row[-1] if row else None
        out.append(LedgerRow(ind, names.get(ind.department_id, ""), row, latest,
                             meets(ind, latest)))
    return out


@dataclass(frozen=True)
class LeagueRow:
    department_id: int
    department: str
    indicators: int
    reported: int  # with a value for the period
    met: int  # meeting their target
    with_target: int
    rank: int = 0

    @property
    def reported_percent(self) -> str:
        return _pct(self.reported, self.indicators)

    @property
    def met_percent(self) -> str:
        return _pct(self.met, self.with_target)


def _pct(n: int, d: int) -> str:
    return f"{(Decimal(n * 100) / d).quantize(Decimal('0.1'))}%" if d else "—"


def league(db: Session, actor: Actor, period: str) -> list[LeagueRow]:
    """Departments ranked by the share of their indicators meeting target in `period`, then by
    the share reported; equal shares share a rank."""
    rows: dict[int, dict[str, int]] = {}
    for r in ledger(db, actor, [period]):
        d = rows.setdefault(r.indicator.department_id,
                            {"n": 0, "reported": 0, "met": 0, "with_target": 0})
        d["n"] += 1
        d["reported"] += r.latest is not None
        d["met"] += bool(r.met)
        d["with_target"] += r.indicator.target is not None and r.latest is not None
    names = repo.departments(db)
    table = [LeagueRow(k, names.get(k, ""), v["n"], v["reported"], v["met"], v["with_target"])
             for k, v in rows.items()]

    def key(x: LeagueRow) -> tuple[Decimal, Decimal]:
        met = Decimal(x.met) / x.with_target if x.with_target else Decimal(0)
        return (-met, -(Decimal(x.reported) / x.indicators))

    table.sort(key=lambda x: (key(x), x.department))
    ranked: list[LeagueRow] = []
    for n, row in enumerate(table):
        same = ranked and key(ranked[-1]) == key(row)
        ranked.append(replace(row, rank=ranked[-1].rank if same else n + 1))
    return ranked


def trend(db: Session, actor: Actor, indicator_id: int, periods: list[str]
          ) -> tuple[Indicator, list[IndicatorValue | None]]:
    ind = access(db, actor, indicator_id)
    vals = repo.values(db, [ind.id], periods)
    return ind, [vals.get((ind.id, p)) for p in periods]


def plain(value: Decimal | None, empty: str = "—") -> str:
    """A value as people write it: 98.5, 100, 0.25 (no trailing zeros, no exponent)."""
    if value is None:
        return empty
    return format(value.normalize(), "f")
