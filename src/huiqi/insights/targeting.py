"""Targeting per item (政策精准推送): every enterprise of the registry against one published item,
sorted into eligible / unknown (grouped by the facts missing) / near misses (by the one failed
criterion) / already applied or paid, with filters and the whole list (no cap).

Evaluated live on the in-memory engine over the registry as of the policy date, so the list is
what `huiqi match` would store for the same date, enterprise by enterprise. Enterprises outside
the item's region (its 适用地区 criterion false) are out of scope, not near misses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from huiqi.grants import service as grants
from huiqi.grants.service import Standing
from huiqi.insights.simulation import date_for
from huiqi.kit.errors import ValidationFailed
from huiqi.liaison import service as liaison
from huiqi.matching import service as matching
from huiqi.registry.service import industry_name, load_catalog
from huiqi.rules import REGION_CRITERION, Item, ParameterUnavailable

ELIGIBLE, UNKNOWN, NEAR, APPLIED = "eligible", "unknown", "near", "applied"
SEGMENTS = {ELIGIBLE: "可享受", UNKNOWN: "待补充信息", NEAR: "差一项条件", APPLIED: "已申报/已兑现"}
ATTRIBUTES = ("uscc", "name", "region", "street", "industry_code", "size_class")


@dataclass(frozen=True)
class TargetRow:
    enterprise_id: int
    uscc: str
    name: str
    region: str | None
    street: str | None
    industry_code: str | None
    size_class: str | None
    eligible: bool | None
    amount: Decimal | None
    failed: tuple[str, ...]
    missing: tuple[str, ...]
    segment: str
    standing: Standing | None = None
    liaisons: tuple[int, ...] = ()  # its liaison officials (user ids)
    tiers: tuple[int, ...] = ()  # the liaison tiers it belongs to (liaison.enterprise_tiers)

    @property
    def near_miss(self) -> bool:
        return self.eligible is False and len(self.failed) == 1


@dataclass(frozen=True)
class FilterSpec:
    """One filter of the list: its query name, label, and the row's value(s) it tests.
    The tier and official options are labelled from liaison (names, not ids) in `targeting`."""

    name: str
    label: str
    values: Callable[[TargetRow], Sequence[str]]
    option_label: Callable[[str], str] = str


def _size_label(value: str) -> str:
    return dict(load_catalog()["size_class"].values).get(value, value)


def _section_label(value: str) -> str:
    return f"{value} {industry_name(value) or ''}".strip()


FILTERS: tuple[FilterSpec, ...] = (
    FilterSpec("street", "街道（镇）", lambda r: [r.street] if r.street else []),
    FilterSpec("industry", "行业门类", lambda r: [r.industry_code[:1]] if r.industry_code else [],
               _section_label),
    FilterSpec("size", "企业规模", lambda r: [r.size_class] if r.size_class else [], _size_label),
    FilterSpec("tier", "包联层级", lambda r: [str(t) for t in r.tiers]),
    FilterSpec("liaison", "包联干部", lambda r: [str(u) for u in r.liaisons]),
)


@dataclass
class MissingGroup:
    fields: tuple[str, ...]
    labels: tuple[str, ...]
    count: int

    @property
    def key(self) -> str:
        return ";".join(self.fields)


@dataclass
class Targeting:
    item: Item
    as_of: date
    segment: str
    rows: list[TargetRow]  # the chosen segment, filtered, whole
    counts: dict[str, int]  # per segment, filtered
    missing_groups: list[MissingGroup]
    near_by_criterion: list[tuple[str, int]]
    options: dict[str, list[tuple[str, str]]]  # filter → (value, label)
    filters: dict[str, str] = field(default_factory=dict)
    missing_key: str = ""
    in_force: bool = True

    @property
    def amount_total(self) -> Decimal:
        return sum((r.amount or Decimal(0) for r in self.rows if r.eligible), Decimal(0))


def evaluate(session: Session, item: Item, as_of: date) -> list[TargetRow]:
    """Every enterprise in the item's scope with its outcome and segment, by enterprise id."""
    catalog = load_catalog()
    registry = matching.registry_columns(session, catalog, [*ATTRIBUTES, *item.fields])
    try:
        (result,) = registry.evaluate([item], as_of)
    except ParameterUnavailable as exc:
        raise ValidationFailed(f"“{item.title}”在 {as_of.isoformat()} 缺少政策参数的取值，"
                               f"无法测算：{exc}") from None
    criteria = [c.name for c in item.criteria]
    fields = item.bound_ir(as_of).fields
    standings = grants.item_standings(session, item.id)
    liaisons = liaison.assigned_officials(session)
    tiers = liaison.enterprise_tiers(session)
    text = {name: registry.text(name) for name in ATTRIBUTES}
    known = result.amount_known
    assert result.failed_bits is not None and result.missing_bits is not None
    rows: list[TargetRow] = []
    for i in range(registry.n):
        e = int(result.eligible[i])
        failed = tuple(_names(int(result.failed_bits[i]), criteria))
        if REGION_CRITERION in failed:
            continue
        uscc = text["uscc"][i] or ""
        standing = standings.get(uscc)
        eligible = {1: True, 0: False, -1: None}[e]
        if standing is None and eligible is False and len(failed) != 1:
            continue
        amount = Decimal(int(result.amount_fen[i])).scaleb(-2) if e == 1 and known[i] else None
        segment = APPLIED if standing is not None else \
            {True: ELIGIBLE, None: UNKNOWN, False: NEAR}[eligible]
        rows.append(TargetRow(
            int(registry.ids[i]), uscc, text["name"][i] or "", text["region"][i],
            text["street"][i], text["industry_code"][i], text["size_class"][i], eligible, amount,
            failed, tuple(_names(int(result.missing_bits[i]), fields)), segment, standing,
            tuple(sorted({u for u, _ in liaisons.get(uscc, ())})),
            tuple(sorted(tiers.get(uscc, ())))))
    return rows


def targeting(session: Session, item: Item, as_of: date, *, segment: str = UNKNOWN,
              filters: Mapping[str, str] | None = None, missing: str = "") -> Targeting:
    """The item's list for one segment (filtered; unknown ones also by a missing-facts group)."""
    if segment not in SEGMENTS:
        segment = UNKNOWN
    chosen = {k: v for k, v in (filters or {}).items() if v and k in _BY_NAME}
    in_force = item.in_force(as_of)
    as_of = date_for(item, as_of)
    everyone = evaluate(session, item, as_of)
    options = _labelled(session, {f.name: _options(f, everyone) for f in FILTERS})
    kept = [r for r in everyone if all(v in _BY_NAME[k].values(r) for k, v in chosen.items())]
    counts = Counter(r.segment for r in kept)
    catalog = load_catalog()
    groups = Counter(r.missing for r in kept if r.segment == UNKNOWN)
    missing_groups = [MissingGroup(k, tuple(catalog[f].label if f in catalog else f for f in k),
                                   n) for k, n in groups.most_common()]
    near = Counter(r.failed[0] for r in kept if r.segment == NEAR)
    rows = [r for r in kept if r.segment == segment]
    if segment == UNKNOWN and missing:
        rows = [r for r in rows if ";".join(r.missing) == missing]
    rows.sort(key=lambda r: (-(r.amount or 0), r.uscc))
    return Targeting(item, as_of, segment, rows, {s: counts.get(s, 0) for s in SEGMENTS},
                     missing_groups, near.most_common(), options, chosen, missing, in_force)


_BY_NAME = {f.name: f for f in FILTERS}


def _options(spec: FilterSpec, rows: Sequence[TargetRow]) -> list[tuple[str, str]]:
    values = sorted({v for r in rows for v in spec.values(r)})
    return [(v, spec.option_label(v)) for v in values]


def _labelled(session: Session, options: dict[str, list[tuple[str, str]]]
              ) -> dict[str, list[tuple[str, str]]]:
    """Tiers by name in the office's order; officials by name (with their department)."""
    present = {v for v, _ in options.get("tier", [])}
    options["tier"] = [(str(i), name) for i, name in liaison.tier_names(session)
                       if str(i) in present]
    ids = [int(v) for v, _ in options.get("liaison", [])]
    names = liaison.official_names(session, ids)
    options["liaison"] = sorted(((str(i), names[i].label if i in names else str(i))
                                 for i in ids), key=lambda o: (o[1], o[0]))
    return options


def _names(bits: int, names: Sequence[str]) -> list[str]:
    return [name for k, name in enumerate(names) if bits >> k & 1]
