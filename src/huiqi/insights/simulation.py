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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

import numpy as np

from huiqi.kit.errors import ValidationFailed
from huiqi.matching.service import RegistryColumns, VectorResult
from huiqi.registry.service import industry_name, load_catalog
from huiqi.rules import (
    REGION_CRITERION,
    Item,
    ParameterUnavailable,
    describe_regions,
    engine_ir,
    ir,
)

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
    near: list[tuple[str, int]]  # criterion, enterprises failing only that one
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
    eligible_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)
    eligible_fen: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)

    def amount_at(self, row: int) -> Decimal | None:
        """The eligible amount of registry row `row` (None: not eligible, or no amount)."""
        k = int(np.searchsorted(self.eligible_rows, row))
        if k >= len(self.eligible_rows) or self.eligible_rows[k] != row:
            return None
        return _yuan(int(self.eligible_fen[k]))

    @property
    def expected(self) -> Decimal:
        return (self.certain * self.take_up).quantize(Decimal("0.01"))


def simulate(registry: RegistryColumns, items: Sequence[Item], as_of: date, *,
             take_up: Decimal = DEFAULT_TAKE_UP) -> list[ItemSimulation]:
    """Every item over every enterprise of `registry` (as of `as_of`, or an item's start date
    when it starts later: a draft for next year is measured as it will apply)."""
    dated = [(item, date_for(item, as_of)) for item in items]
    out: list[ItemSimulation | None] = [None] * len(dated)
    groupings = _groupings(registry)
    for when in sorted({d for _, d in dated}):
        chosen = [k for k, (_, d) in enumerate(dated) if d == when]
        group = [dated[k][0] for k in chosen]
        bound = [_bind(i, when) for i in group]  # bound once: each costs milliseconds
        results = registry.evaluate_bound(bound)
        relaxed = _favourable(registry, bound, results)
        for k, item, b, result, free in zip(chosen, group, bound, results, relaxed, strict=True):
            out[k] = _one(registry, groupings, item, b, when, result, free, take_up, as_of)
    return [s for s in out if s is not None]


def _bind(item: Item, when: date) -> ir.ItemIR:
    try:
        return engine_ir(item, when)
    except ParameterUnavailable as exc:
        raise ValidationFailed(f"“{item.title}”在 {when.isoformat()} 缺少政策参数的取值，"
                               f"无法测算：{exc}") from None


def date_for(item: Item, as_of: date) -> date:
    """`as_of` within the item's dates: a draft starting later is measured on its first day,
    one that has ended on its last (its dated parameters may have no value after it)."""
    if item.starts > as_of:
        return item.starts
    ends = item.ends
    return ends if ends is not None and ends < as_of else as_of


Favourable = tuple[np.ndarray, np.ndarray]  # per unknown row: amount known, its fen


def _favourable(registry: RegistryColumns, bound: Sequence[ir.ItemIR],
                results: Sequence[VectorResult]) -> list[Favourable | None]:
    """Each item's amount on its unknown rows: what they would get if every unknown fact were
    favourable (every criterion that is unknown taken as met).
    Only the rows unknown for some item are evaluated (a quarter of the registry or less),
    so this second pass costs a fraction of the first."""
    unknown = [np.flatnonzero(r.eligible == -1) for r in results]
    need = [k for k, u in enumerate(unknown) if len(u)]
    found: list[Favourable | None] = [None] * len(bound)
    if not need:
        return found
    mask = np.zeros(registry.n, bool)
    for k in need:
        mask[unknown[k]] = True
    position = np.cumsum(mask) - 1  # registry row -> row of the subset
    free = registry.subset(np.flatnonzero(mask)).evaluate_bound(
        [_coalesced(bound[k]) for k in need], details=False)
    for k, r in zip(need, free, strict=True):
        at = position[unknown[k]]
        ok = _known_at(r, at)
        found[k] = (ok, np.where(ok, r.amount_fen[at], 0))
    return found


def _coalesced(bound: ir.ItemIR) -> ir.ItemIR:
    """The item's amount alone: on a row where the item is unknown no criterion is false, so
    with every unknown criterion taken as met (COALESCE(criterion, TRUE)) all of them hold."""
    return replace(bound, criteria=())


def with_criterion(item: Item, name: str, expr: ir.Node) -> Item:
    """The item with criterion `name` replaced (a what-if), everything else shared."""
    twin = copy.copy(item)
    twin.criteria = [replace(c, expr=expr) if c.name == name else c for c in item.criteria]
    return twin


def _one(registry: RegistryColumns, groupings: list[Grouping], item: Item, bound: ir.ItemIR,
         when: date, r: VectorResult, free: Favourable | None, take_up: Decimal, asked: date
         ) -> ItemSimulation:
    """One item's figures from the engine's arrays: whole-column work is a few comparisons and
    one bincount; everything else runs on the eligible or unknown rows only."""
    assert r.failed_bits is not None and r.missing_bits is not None
    names = [c.name for c in item.criteria]
    region = names.index(REGION_CRITERION) if REGION_CRITERION in names else -1
    e = r.eligible
    eligible, unknown = np.flatnonzero(e == 1), np.flatnonzero(e == -1)
    fen = np.where(_known_at(r, eligible), r.amount_fen[eligible], 0)
    extra, unbounded = _bounds(bound, unknown, free)
    out_of_scope, near = _failures(r.failed_bits, names, region)
    sim = ItemSimulation(
        item, when, registry.n, registry.n - out_of_scope, len(eligible), len(unknown),
        _yuan(int(fen.sum())), _yuan(int(fen.sum()) + int(extra.sum())), unbounded,
        _drivers(bound, r.missing_bits[unknown], extra), near,
        *_shares(registry, groupings, eligible, fen), take_up, item.budget_per_year, None,
        eligible_ids=registry.ids[eligible], status=e, failed=r.failed_bits,
        eligible_rows=eligible, eligible_fen=fen)
    sim.runs_out = _runs_out(item, when, sim.certain * take_up)
    sim.warnings = _warnings(item, sim, asked)
    return sim


def _known_at(r: VectorResult, rows: np.ndarray) -> np.ndarray:
    """Whether the amount of each of `rows` is known (from the validity bitmap, unpacked only
    for those rows)."""
    return ((r.amount_valid[rows >> 3] >> (rows & 7).astype(np.uint8)) & 1).astype(bool)


def _failures(failed: np.ndarray, names: list[str], region: int
              ) -> tuple[int, list[tuple[str, int]]]:
    """(rows outside the region, near misses per criterion): a near miss fails exactly one
    criterion, never the region. One bincount over the failed-criteria bit patterns."""
    if failed.dtype.itemsize <= 2:
        counts = np.bincount(failed, minlength=1 << len(names) if len(names) < 16 else 1)
        patterns = np.arange(len(counts))
        out = int(counts[(patterns >> region) & 1 == 1].sum()) if region >= 0 else 0
        single = [int(counts[1 << k]) if (1 << k) < len(counts) else 0
                  for k in range(len(names))]
    else:
        bits = failed.astype(np.uint64)
        out = int(((bits >> np.uint64(region)) & np.uint64(1)).sum()) if region >= 0 else 0
        single = [int((bits == np.uint64(1 << k)).sum()) for k in range(len(names))]
    near = [(n, c) for k, (n, c) in enumerate(zip(names, single, strict=True))
            if c and k != region]
    return out, sorted(near, key=lambda t: -t[1])


def _bounds(bound: ir.ItemIR, unknown: np.ndarray, free: Favourable | None
            ) -> tuple[np.ndarray, int]:
    """fen each unknown row could add (its amount if every unknown fact is favourable, else the
    item's fixed cap), and how many have no bound at all."""
    if free is None or not len(unknown):
        return np.zeros(len(unknown), np.int64), 0
    ok, extra = free
    caps = [n.value for _, n in bound.caps
            if isinstance(n, ir.Const) and isinstance(n.value, Decimal)]
    if caps:
        extra[~ok] = int(min(caps) * 100)
        return extra, 0
    return extra, int((~ok).sum())


def _drivers(bound: ir.ItemIR, bits: np.ndarray, extra: np.ndarray) -> list[Driver]:
    """Per field: the unknown rows missing it, and the most they hold back (`bits` and
    `extra` are of the unknown rows)."""
    catalog = load_catalog()
    b = bits.astype(np.int64)
    found = []
    for j, name in enumerate(bound.fields):
        hit = ((b >> j) & 1).astype(bool)
        if hit.any():
            found.append(Driver(name, catalog[name].label if name in catalog else name,
                                int(hit.sum()), _yuan(int(extra[hit].sum()))))
    return sorted(found, key=lambda d: (-d.enterprises, -d.amount))


Grouping = tuple[str, np.ndarray, list[str]]  # column, (code + 1) -> group, group labels


def _groupings(registry: RegistryColumns) -> list[Grouping]:
    """Per distribution (industry section, size, street): each dictionary code's group, worked
    out once per registry (the per-item work is then two bincounts)."""
    sizes = dict(load_catalog()["size_class"].values)
    out: list[Grouping] = []
    kinds: list[tuple[str, Callable[[str], str], Callable[[str], str]]] = [
            ("industry_code", lambda w: w[:1], lambda s: f"{s} {industry_name(s) or ''}".strip()),
            ("size_class", lambda w: w, lambda s: str(sizes.get(s, s))),
            ("street", lambda w: w, lambda s: s)]
    for name, key, label in kinds:
        words = registry.columns.dictionaries.get(name) if name in registry.columns else None
        if words is None:
            out.append((name, np.zeros(1, np.int64), []))
            continue
        keys = ["未知", *(key(w) if w else "未知" for w in words)]  # code -1: unknown
        labels = sorted(set(keys))
        at = {k: g for g, k in enumerate(labels)}
        out.append((name, np.array([at[k] for k in keys], np.int64),
                    [label(k) if k != "未知" else "未知" for k in labels]))
    return out


def _shares(registry: RegistryColumns, groupings: list[Grouping], rows: np.ndarray,
            fen: np.ndarray) -> tuple[list[Share], list[Share], list[Share], list[Share]]:
    """Distributions of the eligible `rows` (with their amounts `fen`)."""
    industry, size, street = (_group(registry, g, rows, fen) for g in groupings)
    edges = np.array([lo for lo, _ in BANDS[1:]], np.int64)
    band = np.searchsorted(edges, fen, side="right")
    counts = np.bincount(band, minlength=len(BANDS))
    sums = np.bincount(band, weights=fen, minlength=len(BANDS))
    bands = [Share(label, int(counts[k]), _yuan(round(float(sums[k]))))
             for k, (_, label) in enumerate(BANDS)]
    return industry, size, street, [b for b in bands if b.count]


def _group(registry: RegistryColumns, grouping: Grouping, rows: np.ndarray, fen: np.ndarray
           ) -> list[Share]:
    name, index, labels = grouping
    if not labels:
        return []
    group = index[registry.columns[name][0][rows].astype(np.int64) + 1]
    counts = np.bincount(group, minlength=len(labels))
    amounts = np.bincount(group, weights=fen, minlength=len(labels))
    shares = [Share(labels[g], int(counts[g]), _yuan(round(float(amounts[g]))))
              for g in np.flatnonzero(counts)]
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
    if sim.as_of > asked:
        found.append(f"该事项自 {item.starts.isoformat()} 起施行，按施行日测算。")
    ends = item.ends
    if ends is not None and ends < asked:
        found.append(f"该事项已于 {ends.isoformat()} 失效：按现有日期发布后不会覆盖任何企业"
                     "（以下按失效日测算）。")
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
