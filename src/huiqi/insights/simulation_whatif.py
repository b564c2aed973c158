"""What a threshold change would do, a sweep over thresholds (a curve), and two versions side by
side with who gains and who loses and the criterion that changed each one's result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from huiqi.insights.simulation import ItemSimulation, simulate, with_criterion
from huiqi.matching.service import RegistryColumns
from huiqi.registry.service import load_catalog
from huiqi.rules import Item, ir

STATUS = {1: "可享受", 0: "不符合", -1: "待补充信息"}


@dataclass(frozen=True)
class Threshold:
    """A number a criterion compares a field with (e.g. 设备投资达标: equipment_investment >=
    5000000): what a what-if can move."""

    criterion: str
    field: str
    label: str
    op: str
    value: Decimal
    unit: str | None

    @property
    def key(self) -> str:
        return f"{self.criterion}|{self.field}|{self.value}"


def thresholds(item: Item) -> list[Threshold]:
    catalog = load_catalog()
    found: dict[str, Threshold] = {}
    for c in item.criteria:
        for node in ir.walk(c.expr):
            pair = _field_const(node)
            if pair is not None:
                ref, const, op = pair
                spec = catalog.get(ref.name)
                value = Decimal(const.value)  # type: ignore[arg-type]
                if value <= 0:  # "has a loan" (amount > 0) is no threshold to move
                    continue
                t = Threshold(c.name, ref.name, spec.label if spec else ref.name, op, value,
                              spec.unit if spec else None)
                found.setdefault(t.key, t)
    return list(found.values())


def _field_const(node: ir.Node) -> tuple[ir.FieldRef, ir.Const, str] | None:
    if not isinstance(node, ir.Compare):
        return None
    left, right = node.left, node.right
    if isinstance(left, ir.FieldRef) and isinstance(right, ir.Const) and \
            isinstance(right.value, Decimal) and not isinstance(right.value, bool):
        return left, right, node.op
    if isinstance(right, ir.FieldRef) and isinstance(left, ir.Const) and \
            isinstance(left.value, Decimal) and not isinstance(left.value, bool):
        return right, left, node.op
    return None


def moved(item: Item, threshold: Threshold, value: Decimal) -> Item:
    """The item with the threshold set to `value` in its criterion."""
    criterion = next(c for c in item.criteria if c.name == threshold.criterion)

    def swap(node: ir.Node) -> ir.Node | None:
        pair = _field_const(node)
        if pair is None or pair[0].name != threshold.field or \
                Decimal(pair[1].value) != threshold.value:  # type: ignore[arg-type]
            return None
        old = pair[1]
        new = ir.Const(value, ir.ValueType.NUMBER, max(old.scale, _decimals(value)))
        assert isinstance(node, ir.Compare)
        return ir.Compare(node.op, new if node.left is old else node.left,
                          new if node.right is old else node.right)

    return with_criterion(item, criterion.name, ir.transform(criterion.expr, swap))


def find_threshold(item: Item, key: str) -> Threshold | None:
    return next((t for t in thresholds(item) if t.key == key), None)


@dataclass(frozen=True)
class WhatIf:
    threshold: Threshold
    value: Decimal
    before: ItemSimulation
    after: ItemSimulation

    @property
    def added(self) -> int:
        return int(np.setdiff1d(self.after.eligible_ids, self.before.eligible_ids).size)

    @property
    def removed(self) -> int:
        return int(np.setdiff1d(self.before.eligible_ids, self.after.eligible_ids).size)

    @property
    def delta(self) -> Decimal:
        return self.after.certain - self.before.certain

    def sentence(self) -> str:
        t = self.threshold
        verb = "降到" if self.value < t.value else "提高到"
        parts = [f"新增 {self.added:,} 家"] if self.added else []
        parts += [f"减少 {self.removed:,} 家"] if self.removed else []
        sign = "+" if self.delta >= 0 else "−"
        change = "，".join(parts) or "可享受企业数不变"
        return (f"{t.criterion}：{t.label}门槛从{wan(t.value, t.unit)}{verb}"
                f"{wan(self.value, t.unit)} → {change}，测算 {sign}{wan(abs(self.delta), '元')}")


def what_if(registry: RegistryColumns, item: Item, threshold: Threshold, value: Decimal,
            as_of: date) -> WhatIf:
    before, after = simulate(registry, [item, moved(item, threshold, value)], as_of)
    return WhatIf(threshold, value, before, after)


def sweep(registry: RegistryColumns, item: Item, threshold: Threshold,
          values: Sequence[Decimal], as_of: date) -> list[tuple[Decimal, ItemSimulation]]:
    """The item at each threshold value (one engine pass for all of them)."""
    sims = simulate(registry, [moved(item, threshold, v) for v in values], as_of)
    return list(zip(values, sims, strict=True))


def default_values(threshold: Threshold, steps: int = 9) -> list[Decimal]:
    """From half to one and a half times the threshold, the threshold in the middle."""
    v = threshold.value
    if v == 0:
        return [Decimal(k) for k in range(steps)]
    return [(v * Decimal(k) / (steps - 1) + v / 2).quantize(Decimal(1) if v >= 100 else
                                                           Decimal("0.0001"))
            for k in range(steps)]


def sweep_chart(threshold: Threshold, points: Sequence[tuple[Decimal, ItemSimulation]]
                ) -> dict[str, object]:
    """An ECharts option: enterprises (bars) and estimated cost in 万元 (lines) per value."""
    xs = [wan(v, threshold.unit) for v, _ in points]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["可享受（家）", "测算金额（万元）", "测算上限（万元）"]},
        "xAxis": {"type": "category", "data": xs, "name": threshold.label},
        "yAxis": [{"type": "value", "name": "家"}, {"type": "value", "name": "万元"}],
        "series": [
            {"name": "可享受（家）", "type": "bar", "data": [s.eligible for _, s in points]},
            {"name": "测算金额（万元）", "type": "line", "yAxisIndex": 1,
             "data": [float(round(s.certain / 10000, 2)) for _, s in points]},
            {"name": "测算上限（万元）", "type": "line", "yAxisIndex": 1,
             "lineStyle": {"type": "dashed"},
             "data": [float(round(s.upper / 10000, 2)) for _, s in points]},
        ],
    }


# -- two versions side by side -----------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    enterprise_id: int
    uscc: str
    name: str
    before: str
    after: str
    before_amount: Decimal | None
    after_amount: Decimal | None
    criteria: str  # the criterion (criteria) whose result changed


@dataclass
class Comparison:
    item_id: str
    title: str
    before: ItemSimulation | None
    after: ItemSimulation | None
    gainers: list[Change]
    losers: list[Change]
    rules: list[tuple[str, str, str]]  # criterion, text before, text after (changed only)


def compare(registry: RegistryColumns, base: Sequence[Item], new: Sequence[Item],
            as_of: date) -> list[Comparison]:
    """Each item id of either side: who gains (now eligible) and who loses (no longer)."""
    olds = dict(zip([i.id for i in base], simulate(registry, base, as_of), strict=True))
    news = dict(zip([i.id for i in new], simulate(registry, new, as_of), strict=True))
    ids = list(dict.fromkeys([*news, *olds]))
    uscc, names = registry.text("uscc"), registry.text("name")
    return [_compare_one(registry, olds.get(k), news.get(k), uscc, names) for k in ids]


def _compare_one(registry: RegistryColumns, old: ItemSimulation | None,
                 new: ItemSimulation | None, uscc: list[str | None],
                 names: list[str | None]) -> Comparison:
    shown = new or old
    assert shown is not None
    n = registry.n
    s0 = old.status if old is not None else np.zeros(n, np.int8)
    s1 = new.status if new is not None else np.zeros(n, np.int8)
    gained = np.flatnonzero((s1 == 1) & (s0 != 1))
    lost = np.flatnonzero((s0 == 1) & (s1 != 1))
    c0 = [c.name for c in old.item.criteria] if old else []
    c1 = [c.name for c in new.item.criteria] if new else []

    def change(i: int, why: str) -> Change:
        return Change(int(registry.ids[i]), uscc[i] or "", names[i] or "", STATUS[int(s0[i])],
                      STATUS[int(s1[i])], _amount(old, i), _amount(new, i), why)

    gainers = [change(int(i), _why(old, c0, int(i)) or "新设事项") for i in gained]
    losers = [change(int(i), _why(new, c1, int(i)) or ("事项取消" if new is None else "待补充信息"))
              for i in lost]
    return Comparison(shown.item.id, shown.item.title, old, new, gainers, losers,
                      _rules(old, new))


def _why(sim: ItemSimulation | None, names: list[str], i: int) -> str:
    """The criteria that failed for row i under `sim` (what the other version changed)."""
    if sim is None:
        return ""
    bits = int(sim.failed[i])
    return "、".join(n for k, n in enumerate(names) if bits >> k & 1)


def _amount(sim: ItemSimulation | None, i: int) -> Decimal | None:
    return None if sim is None else sim.amount_at(i)


def _rules(old: ItemSimulation | None, new: ItemSimulation | None) -> list[tuple[str, str, str]]:
    a = {c.name: c.rule_text for c in old.item.criteria} if old else {}
    b = {c.name: c.rule_text for c in new.item.criteria} if new else {}
    return [(k, a.get(k, "（无）"), b.get(k, "（无）")) for k in dict.fromkeys([*a, *b])
            if a.get(k) != b.get(k)]


def wan(value: Decimal, unit: str | None = "元") -> str:
    """500万 for 5,000,000 元; plain numbers for other units."""
    if unit == "比例":
        return f"{(value * 100).normalize():f}%"
    if unit != "元":
        return f"{value.normalize():f}{unit or ''}"
    if abs(value) >= 10000:
        return f"{(value / 10000).quantize(Decimal('0.01')).normalize():,f}万"
    return f"{value.quantize(Decimal('0.01')):,}元"


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
