"""Pre-publication simulation (政策模拟): a draft's items run over the whole registry on the
in-memory engine, nothing written. Per item: how many enterprises it reaches (eligible, and
unknown — eligibility is three-valued), the cost as a band (certain = the eligible amounts; up to
certain + the unknown ones if every unknown fact turned out favourable, with the facts that drive
that part), the budget and the month it runs out at an expected take-up, distributions, and the
near misses per criterion. Aggregation is numpy over the engine's result arrays, no Python loop
per enterprise: 100,000 enterprises × 200 items stay within seconds (bench/insights.py).

Wording is neutral: 测算 (estimated), never 受益 (benefits)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

import numpy as np

from huiqi.matching.service import RegistryColumns, VectorResult
from huiqi.registry.service import industry_name, load_catalog
from huiqi.rules import REGION_CRITERION, Item, describe_regions, ir

ATTRIBUTES = ("region", "street", "industry_code", "size_class")
BANDS = ((0, "1万元以下"), (1_000_000, "1万—5万元"), (5_000_000, "5万—10万元"),
         (10_000_000, "10万—50万元"), (50_000_000, "50万—100万元"), (100_000_000, "100万元以上"))
DEFAULT_TAKE_UP = Decimal("0.8")


@dataclass(frozen=True)
class Share:
    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class Driver:
    """A fact whose absence keeps enterprises unknown, and the most it holds back."""

    field: str
    label: str
    enterprises: int
    amount: Decimal


@dataclass
class ItemSimulation:
    item: Item
    as_of: date
    population: int  # enterprises in the registry
    in_scope: int  # in the item's region (or region unknown)
    eligible: int
    unknown: int
    certain: Decimal  # the eligible enterprises' amounts
    upper: Decimal  # certain + the unknown ones if every unknown fact is favourable
    unbounded: int  # unknown enterprises whose amount has no bound (no fixed cap)
    drivers: list[Driver]
    near: list[tuple[str, int, Decimal]]  # criterion, enterprises failing only it, their amount
    by_industry: list[Share]
    by_size: list[Share]
    by_street: list[Share]
    by_band: list[Share]
    take_up: Decimal
    budget: Decimal | None
    runs_out: str | None  # the month the budget runs out at the take-up, if it does
    warnings: list[str] = field(default_factory=list)
    eligible_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)
    status: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8), repr=False)
    failed: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)
    amounts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)

    @property
    def expected(self) -> Decimal:
        return (self.certain * self.take_up).quantize(Decimal("0.01"))


def simulate(registry: RegistryColumns, items: Sequence[Item], as_of: date, *,
             take_up: Decimal = DEFAULT_TAKE_UP) -> list[ItemSimulation]:
    """Every item over every enterprise of `registry` (as of `as_of`, or an item's start date
    when it starts later: a draft for next year is measured as it will apply)."""
    dated = [(item, _date_for(item, as_of)) for item in items]
    out: list[ItemSimulation | None] = [None] * len(dated)
    for when in sorted({d for _, d in dated}):
        chosen = [k for k, (_, d) in enumerate(dated) if d == when]
        group = [dated[k][0] for k in chosen]
        results = registry.evaluate(group, when)
        relaxed = _relaxed(registry, group, results, when)
        for k, item, result, free in zip(chosen, group, results, relaxed, strict=True):
            out[k] = _one(registry, item, when, result, free, take_up, as_of)
    return [s for s in out if s is not None]


def _date_for(item: Item, as_of: date) -> date:
    return item.starts if item.starts > as_of else as_of


def _relaxed(registry: RegistryColumns, items: Sequence[Item], results: Sequence[VectorResult],
             as_of: date) -> list[VectorResult | None]:
    """Each item's amount with every criterion taken as met (for the unknown rows' bound),
    only for items that have unknown rows."""
    need = [k for k, r in enumerate(results) if bool((r.eligible == -1).any())]
    free = registry.evaluate([_without_criteria(items[k]) for k in need], as_of, details=False)
    found: list[VectorResult | None] = [None] * len(items)
    for k, r in zip(need, free, strict=True):
        found[k] = r
    return found


def _without_criteria(item: Item) -> Item:
    twin = copy.copy(item)
    twin.criteria = []
    return twin


def with_criterion(item: Item, name: str, expr: ir.Node) -> Item:
    """The item with criterion `name` replaced (a what-if), everything else shared."""
    twin = copy.copy(item)
    twin.criteria = [replace(c, expr=expr) if c.name == name else c for c in item.criteria]
    return twin


def _one(registry: RegistryColumns, item: Item, when: date, r: VectorResult,
         free: VectorResult | None, take_up: Decimal, asked: date) -> ItemSimulation:
    assert r.failed_bits is not None and r.missing_bits is not None
    names = [c.name for c in item.criteria]
    region_bit = 1 << names.index(REGION_CRITERION) if REGION_CRITERION in names else 0
    failed = r.failed_bits.astype(np.int64)
    scope = (failed & region_bit) == 0
    e, known = r.eligible, r.amount_known
    elig, unk = e == 1, e == -1
    fen = np.where(elig & known, r.amount_fen, 0)
    bound, unbounded = _bounds(item, when, unk, free)
    near = (e == 0) & scope & (failed > 0) & ((failed & (failed - 1)) == 0)
    sim = ItemSimulation(
        item, when, registry.n, int(scope.sum()), int(elig.sum()), int(unk.sum()),
        _yuan(int(fen.sum())), _yuan(int(fen.sum()) + int(bound.sum())), unbounded,
        _drivers(item, when, r.missing_bits, unk, bound),
        _near(names, failed, near, free), *_shares(registry, elig, fen),
        take_up, item.budget_per_year, None,
        eligible_ids=registry.ids[elig], status=e, failed=failed, amounts=fen)
    sim.runs_out = _runs_out(item, when, sim.certain * take_up)
    sim.warnings = _warnings(item, sim, asked)
    return sim


def _bounds(item: Item, when: date, unk: np.ndarray, free: VectorResult | None
            ) -> tuple[np.ndarray, int]:
    """fen each unknown row could add (its amount with the criteria met, else the fixed cap),
    and how many have no bound at all."""
    bound = np.zeros(len(unk), np.int64)
    if free is None or not unk.any():
        return bound, 0
    cap = _fixed_cap(item, when)
    ok = unk & free.amount_known
    bound[ok] = free.amount_fen[ok]
    rest = unk & ~free.amount_known
    if cap is not None:
        bound[rest] = cap
        return bound, 0
    return bound, int(rest.sum())


def _fixed_cap(item: Item, when: date) -> int | None:
    """The smallest constant cap of the item, in fen (None: no constant cap)."""
    caps = [n.value for _, n in item.bound_ir(when).caps
            if isinstance(n, ir.Const) and isinstance(n.value, Decimal)]
    return int(min(caps) * 100) if caps else None


def _drivers(item: Item, when: date, bits: np.ndarray, unk: np.ndarray, bound: np.ndarray
             ) -> list[Driver]:
    catalog = load_catalog()
    fields = item.bound_ir(when).fields
    b = bits.astype(np.int64)
    found = []
    for j, name in enumerate(fields):
        rows = unk & ((b >> j) & 1).astype(bool)
        if rows.any():
            found.append(Driver(name, catalog[name].label if name in catalog else name,
                                int(rows.sum()), _yuan(int(bound[rows].sum()))))
    return sorted(found, key=lambda d: (-d.enterprises, -d.amount))


def _near(names: list[str], failed: np.ndarray, near: np.ndarray, free: VectorResult | None
          ) -> list[tuple[str, int, Decimal]]:
    found = []
    for k, name in enumerate(names):
        rows = near & (failed == (1 << k))
        if rows.any():
            amount = 0 if free is None else int(
                free.amount_fen[rows & free.amount_known].sum())
            found.append((name, int(rows.sum()), _yuan(amount)))
    return sorted(found, key=lambda t: -t[1])


def _shares(registry: RegistryColumns, elig: np.ndarray, fen: np.ndarray
            ) -> tuple[list[Share], list[Share], list[Share], list[Share]]:
    catalog = load_catalog()
    sizes = dict(catalog["size_class"].values)
    industry = _group(registry, "industry_code", elig, fen, lambda w: w[:1],
                      lambda s: f"{s} {industry_name(s) or ''}".strip())
    size = _group(registry, "size_class", elig, fen, lambda w: w, lambda s: sizes.get(s, s))
    street = _group(registry, "street", elig, fen, lambda w: w, lambda s: s)
    edges = np.array([lo for lo, _ in BANDS[1:]], np.int64)
    band = np.searchsorted(edges, fen[elig], side="right")
    bands = [Share(label, int((band == k).sum()), _yuan(int(fen[elig][band == k].sum())))
             for k, (_, label) in enumerate(BANDS)]
    return industry, size, street, [b for b in bands if b.count]


def _group(registry: RegistryColumns, name: str, elig: np.ndarray, fen: np.ndarray,
           key: object, label: object) -> list[Share]:
    col = registry.columns.get(name)
    if col is None:
        return []
    codes = col[0].astype(np.int64)
    words = [*registry.columns.dictionaries.get(name, []), ""]  # code -1: unknown
    counts = np.bincount(codes[elig] + 1, minlength=len(words))
    amounts = np.bincount(codes[elig] + 1, weights=fen[elig], minlength=len(words))
    merged: dict[str, tuple[int, int]] = {}
    for code in np.flatnonzero(counts):
        word = words[code - 1] if code else ""
        k = key(word) if word else "未知"  # type: ignore[operator]
        c, a = merged.get(k, (0, 0))
        merged[k] = (c + int(counts[code]), a + round(float(amounts[code])))
    shares = [Share(label(k) if k != "未知" else "未知", c, _yuan(a))  # type: ignore[operator]
              for k, (c, a) in merged.items()]
    return sorted(shares, key=lambda s: (-s.count, s.label))


def _runs_out(item: Item, when: date, yearly: Decimal) -> str | None:
    """The month the yearly budget is used up, spending `yearly` evenly over the item's
    months in force in the year (None: no budget, or it lasts)."""
    budget = item.budget_per_year
    if budget is None or yearly <= budget or yearly <= 0:
        return None
    first = item.starts.month if item.starts.year == when.year else 1
    ends = item.ends
    last = ends.month if ends is not None and ends.year == when.year else 12
    months = max(1, last - first + 1)
    monthly = yearly / months
    k = int(budget // monthly)  # months fully covered
    return f"{when.year}年{first + k}月" if first + k <= last else None


def _warnings(item: Item, sim: ItemSimulation, asked: date) -> list[str]:
    found = []
    if sim.as_of != asked:
        found.append(f"该事项自 {item.starts.isoformat()} 起施行，按施行日测算。")
    ends = item.ends
    if ends is not None and ends < asked:
        found.append(f"该事项已于 {ends.isoformat()} 失效：按现有日期发布后不会覆盖任何企业。")
    if sim.in_scope == 0:
        found.append(f"适用地区（{describe_regions(item.document.regions)}）内没有登记的企业："
                     "按现有地区发布后不会覆盖任何企业。")
    elif sim.eligible + sim.unknown == 0:
        top = f"，最常见的未满足条件是“{sim.near[0][0]}”" if sim.near else ""
        found.append(f"适用地区内 {sim.in_scope} 家企业均不符合条件{top}。")
    if sim.unbounded:
        found.append(f"{sim.unbounded} 家待补充信息企业的金额取决于未知信息且无固定上限，"
                     "未计入测算上限。")
    return found


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))
