"""Synthetic enterprises for the five seed districts: realistic names, industries, sizes and flags.

Deterministic for a seed and vectorised (numpy + pyarrow): a million rows take seconds, which the
matching benchmark relies on. Each row follows an archetype (an industry class with a name
pattern and a typical size); manufacturing weighs more in 东宝 and 九龙坡, services in 江北.
Fields are left NULL (unknown) in realistic proportions; size_class agrees with the 划型标准 for
employees / revenue / total_assets; application facts (`with_facts`) straddle the thresholds of
the seed policies so that every item has eligible, ineligible and unknown enterprises.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from huiqi.registry import size_class
from huiqi.registry.catalog import load_catalog
from huiqi.registry.demo_data import ARCHETYPES, BRANDS, REGIONS, SURNAMES, Archetype
from huiqi.registry.uscc import ENTITY_TYPE, generate_many
from huiqi.rules import FieldType

EPOCH = date(1970, 1, 1)


class _Gen:
    """Column builders sharing one random generator and the per-row archetype."""

    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.rng = np.random.default_rng(seed)
        regions = list(REGIONS)
        self.region_idx = self.rng.choice(len(regions), size=n,
                                          p=_norm([REGIONS[r][1] for r in regions]))
        self.regions = np.array(regions)[self.region_idx]
        weights = np.array([[a.weights.get(r, a.weights.get("*", 0.0)) for a in ARCHETYPES]
                            for r in regions])
        self.arch = np.empty(n, dtype=np.int64)
        for i in range(len(regions)):
            rows = np.flatnonzero(self.region_idx == i)
            self.arch[rows] = self.rng.choice(len(ARCHETYPES), size=len(rows), p=_norm(weights[i]))

    def a(self, attr: str) -> np.ndarray:
        """An archetype attribute per row."""
        return self.per_arch(lambda a: getattr(a, attr))

    def per_arch(self, fn: Any) -> np.ndarray:
        """fn(archetype) per row, computed once per archetype."""
        return np.array([fn(a) for a in ARCHETYPES])[self.arch]

    def unknown(self, share: float) -> np.ndarray:
        return self.rng.random(self.n) < share

    def chance(self, p: float | np.ndarray) -> np.ndarray:
        return self.rng.random(self.n) < p

    def lognormal(self, median: np.ndarray | float, sigma: float) -> np.ndarray:
        return np.asarray(median) * np.exp(self.rng.normal(0.0, sigma, self.n))


def _norm(weights: Sequence[float] | np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def _scaled(units: np.ndarray, mask: np.ndarray, scale: int) -> pa.Array:
    """decimal128(18, scale) from integers counted in 10**-scale (e.g. fen for money), exactly."""
    units = units.astype(np.int64)
    words = np.empty(2 * len(units), dtype=np.int64)  # little-endian 128-bit two's complement
    words[0::2] = units
    words[1::2] = np.where(units < 0, -1, 0)
    validity = pa.array(~mask, pa.bool_()).buffers()[1]
    return pa.Array.from_buffers(pa.decimal128(18, scale), len(units),
                                 [validity, pa.py_buffer(words)], null_count=int(mask.sum()))


def _money(yuan: np.ndarray, mask: np.ndarray) -> pa.Array:
    """Whole yuan as decimal128(18, 2); `mask` marks NULL (unknown)."""
    return _scaled(np.round(np.maximum(yuan, 0)).astype(np.int64) * 100, mask, 2)


def _decimal(values: np.ndarray, mask: np.ndarray, scale: int) -> pa.Array:
    return _scaled(np.round(np.asarray(values) * 10 ** scale), mask, scale)


def _bool(values: np.ndarray, mask: np.ndarray) -> pa.Array:
    return pa.array(values.astype(bool), pa.bool_(), mask=mask)


def _strings(choices: Sequence[str], idx: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pc.take(pa.array(list(choices), pa.string()), pa.array(idx, pa.int64(), mask=mask))


def _names(g: _Gen) -> pa.Array:
    n = g.n
    individual = g.a("legal_form") == "individual"
    brand = _strings(BRANDS, g.rng.integers(0, len(BRANDS), n))
    owner = pc.binary_join_element_wise(
        _strings(SURNAMES, g.rng.integers(0, len(SURNAMES), n)), pa.array(["记"] * n), "")
    word = pc.if_else(pa.array(individual & g.chance(0.4)), owner, brand)
    prefix = _strings([REGIONS[r][0] for r in REGIONS], g.region_idx)
    suffix_idx = g.rng.random(n)
    suffixes = [a.suffixes for a in ARCHETYPES]
    flat = [s for group in suffixes for s in group]
    offsets = np.cumsum([0] + [len(s) for s in suffixes])[:-1]
    counts = np.array([len(s) for s in suffixes])
    pick = offsets[g.arch] + (suffix_idx * counts[g.arch]).astype(np.int64)
    return pc.binary_join_element_wise(prefix, word, _strings(flat, pick), "")


STREETS = {
    "500105": ["观音桥街道", "五里店街道", "寸滩街道", "石马河街道", "大石坝街道", "华新街街道"],
    "500113": ["鱼洞街道", "龙洲湾街道", "李家沱街道", "花溪街道"],
    "500107": ["杨家坪街道", "谢家湾街道", "石坪桥街道", "黄桷坪街道"],
    "420802": ["龙泉街道", "泉口街道", "子陵铺镇", "漳河镇"],
    "360803": ["河东街道", "滨江街道", "天玉镇", "值夏镇"],
}


def _streets(g: _Gen) -> pa.Array:
    """A street (镇街) of the enterprise's district, spread by row (no random draw: the other
    columns keep their values for a seed)."""
    names = [STREETS.get(str(r), ["城区街道"]) for r in g.regions]
    return pa.array([choices[i % len(choices)] for i, choices in enumerate(names)], pa.string())


def _profile(g: _Gen) -> dict[str, pa.Array]:
    n, rng = g.n, g.rng
    legal = g.a("legal_form")
    employees = np.maximum(1, np.round(g.lognormal(g.a("employees"), 0.9))).astype(np.int64)
    revenue = employees * g.lognormal(g.a("revenue_per_head"), 0.6)
    assets = revenue * g.lognormal(g.a("assets_ratio"), 0.5)
    codes = g.a("industry_code")
    size = _classify_many(g, employees, revenue, assets)
    emp_unknown, rev_unknown, assets_unknown = g.unknown(0.05), g.unknown(0.08), g.unknown(0.15)
    size_unknown = (emp_unknown | rev_unknown | assets_unknown) & g.chance(0.5) | (size == "")
    founded = rng.integers((date(1995, 1, 1) - EPOCH).days, (date(2025, 5, 1) - EPOCH).days, n)
    manufacturing = g.per_arch(lambda a: a.industry_code.startswith("C"))
    section = g.per_arch(lambda a: a.industry_code[0])
    above_line = np.where(np.isin(section, ["B", "C", "D", "F"]), 2e7,
                          np.where(np.isin(section, ["H"]), 1e7, 1e7))
    above = (revenue >= above_line) & (legal == "enterprise")
    cultivating = ~above & manufacturing & (revenue >= 8e6) & g.chance(0.5)
    tech_share = np.where(manufacturing | np.isin(section, ["I", "M"]), 0.15, 0.01)
    srdi = np.where(manufacturing & (legal == "enterprise"),
                    rng.choice(4, n, p=[0.9, 0.07, 0.02, 0.01]), 0)
    agri = _agri_levels(g, legal)
    insured = np.round(employees * rng.uniform(0.5, 1.0, n)).astype(np.int64)
    rents = g.chance(np.where(np.isin(section, list("FHIKLMOPR")) & (g.regions == "500105"),
                              0.25, 0.06))
    rent = g.lognormal(np.where(rents, 15000, 8000), 0.7)
    online = np.where(codes == "F5292", g.lognormal(6e6, 0.8),
                      np.where(section == "F", g.lognormal(3e5, 1.5) * g.chance(0.3), 0))
    return {
        "name": _names(g),
        "region": pa.array(g.regions, pa.string()),
        "street": _streets(g),
        "legal_form": pa.array(legal, pa.string()),
        "industry_code": pa.array(codes, pa.string()),
        "founded_on": pa.array(founded.astype("int32"), pa.int32(),
                               mask=g.unknown(0.02)).cast(pa.date32()),
        "employees": pa.array(employees, pa.int32(), mask=emp_unknown),
        "revenue": _money(revenue, rev_unknown),
        "total_assets": _money(assets, assets_unknown),
        "size_class": pa.array(np.where(size_unknown, None, size), pa.string()),
        "above_size": _bool(above, rev_unknown),
        "high_tech": _bool(g.chance(tech_share), g.unknown(0.10)),
        "srdi_level": _strings(["none", "province", "national", "little_giant"], srdi,
                               g.unknown(0.10)),
        "tax_credit_grade": _strings(list("ABMCD"), rng.choice(5, n, p=[.3, .45, .15, .07, .03]),
                                     g.unknown(0.10)),
        "dishonest_debtor": _bool(g.chance(0.03), g.unknown(0.10)),
        "major_violation_3y": _bool(g.chance(0.02), g.unknown(0.15)),
        "cultivating_above_size": _bool(cultivating, g.unknown(0.10)),
        "online_sales": _money(online, g.unknown(0.30)),
        "rents_state_property": _bool(rents, g.unknown(0.20)),
        "monthly_rent": _money(rent, ~rents & g.chance(0.8) | g.unknown(0.1)),
        "agri_operator_level": _strings(
            ["none", "provincial_leader", "coop", "family_farm", "pig_farm_500"], agri,
            g.unknown(0.15)),
        "insured_employees": pa.array(insured, pa.int32(), mask=g.unknown(0.20)),
        "layoff_rate": _decimal(np.minimum(rng.beta(1.0, 25.0, n), 0.6), g.unknown(0.25), 4),
        "unemployment_insurance_paid": _money(insured * g.lognormal(300.0, 0.3),
                                              g.unknown(0.25)),
    }


def _agri_levels(g: _Gen, legal: np.ndarray) -> np.ndarray:
    codes = g.a("industry_code")
    farm = g.per_arch(lambda a: a.industry_code.startswith("A"))
    level = np.where(legal == "farmer_coop", 2,
                     np.where(codes == "A0313", g.rng.choice([4, 3, 0], g.n, p=[.5, .3, .2]),
                              g.rng.choice([3, 1, 0], g.n, p=[.4, .05, .55])))
    return np.where(farm, level, 0)


def _facts(g: _Gen) -> dict[str, pa.Array]:
    n, rng = g.n, g.rng
    manufacturing = g.per_arch(lambda a: a.industry_code.startswith("C"))
    invest = g.lognormal(np.where(manufacturing, 5e6, 8e5), 0.9)
    invest_unknown = g.unknown(0.35) | ~manufacturing & g.chance(0.8)
    loan = np.where(g.chance(0.8), g.lognormal(8e5, 1.0), 0)
    loan_unknown = g.unknown(0.35)
    ip = g.chance(0.15)
    shops = g.per_arch(lambda a: a.industry_code[:3] in ("F52", "H62"))
    farm = g.per_arch(lambda a: a.industry_code.startswith("A"))
    return {
        "equipment_investment": _money(invest, invest_unknown),
        "equipment_purchase": _money(invest * rng.uniform(0.6, 0.95, n), invest_unknown),
        "robot_replacement": _bool(g.chance(0.25), g.unknown(0.5)),
        "construction_years": _decimal(rng.choice([0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4], n),
                                       g.unknown(0.4), 2),
        "prior_fiscal_support": _bool(g.chance(0.15), g.unknown(0.4)),
        "loan_amount": _money(loan, loan_unknown),
        "loan_rate": _decimal(rng.uniform(0.028, 0.06, n), loan_unknown, 6),
        "ip_pledge": _bool(ip, g.unknown(0.4)),
        "ip_eval_fee": _money(rng.uniform(5e3, 5e4, n), ~ip | g.unknown(0.2)),
        "renewal_list": _bool(g.chance(np.where(manufacturing, 0.3, 0.05)), g.unknown(0.5)),
        "relending_supported": _bool(g.chance(0.3), g.unknown(0.5)),
        "first_loan": _bool(g.chance(0.12), g.unknown(0.5)),
        "nucleic_test_cost": _money(np.where(g.chance(0.85), g.lognormal(8e3, 1.0), 0),
                                    ~shops & g.chance(0.9) | g.unknown(0.3)),
        "guarantee_loan": _bool(g.chance(0.25), g.unknown(0.4)),
        "startup_subsidy_times": pa.array(rng.choice(4, n, p=[.5, .25, .15, .1]), pa.int32(),
                                          mask=g.unknown(0.4)),
        "agri_loan_rate_subsidy": _decimal(rng.choice([0.005, 0.01, 0.015, 0.02, 0.025], n),
                                           ~farm | g.unknown(0.3), 4),
        "startup_subsidy_years": _decimal(rng.choice([0, 1, 2, 3, 5, 8, 8.5, 9], n),
                                          g.unknown(0.4), 2),
    }


def _classify_many(g: _Gen, employees: np.ndarray, revenue: np.ndarray,
                   assets: np.ndarray) -> np.ndarray:
    """size_class.classify over arrays (per archetype); '' where the 规定 does not apply."""
    out = np.full(g.n, "", dtype=object)
    values = {"employees": employees.astype(float), "revenue": revenue, "total_assets": assets}
    for k, archetype in enumerate(ARCHETYPES):
        group = size_class.group_for(archetype.industry_code)
        rows = g.arch == k
        if group is None or not rows.any():
            continue
        ind = [np.floor(values[i][rows]) if i == "employees" else np.round(values[i][rows])
               for i in group.indicators]
        sme = np.any([v <= float(b) for v, b in zip(ind, group.upper, strict=True)], axis=0)
        medium = np.all([v >= float(b) for v, b in zip(ind, group.medium, strict=True)], axis=0)
        small = np.all([v >= float(b) for v, b in zip(ind, group.small, strict=True)], axis=0)
        out[rows] = np.where(~sme, "large", np.where(medium, "medium",
                                                     np.where(small, "small", "micro")))
    return out


def demo_table(n: int, seed: int = 0, *, with_facts: bool = False) -> pa.Table:
    """The demo data as an Arrow table with catalog columns in catalog order."""
    g = _Gen(n, seed)
    entity = g.per_arch(lambda a: ENTITY_TYPE.get(a.legal_form, "9"))
    usccs = pa.array(generate_many(g.regions, entity, g.rng), pa.binary(18))
    columns: dict[str, Any] = {"uscc": usccs.cast(pa.string())}
    columns.update(_profile(g))
    if with_facts:
        columns.update(_facts(g))
    order = [s.name for s in load_catalog() if s.name in columns]
    return pa.table({name: columns[name] for name in order})


def generate_enterprises(n: int, seed: int = 0, *,
                         with_facts: bool = False) -> list[dict[str, Any]]:
    """n enterprises as dicts of canonical values (Decimal, date, bool, int, str; None unknown)."""
    return demo_table(n, seed, with_facts=with_facts).to_pylist()


def write_demo_file(path: Path | str, n: int, seed: int = 0, *, with_facts: bool = False) -> Path:
    """Write n demo enterprises to .parquet, .csv (UTF-8) or .xlsx (by suffix)."""
    path = Path(path)
    table = demo_table(n, seed, with_facts=with_facts)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    elif suffix == ".csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, path)
    elif suffix == ".xlsx":
        _write_xlsx(table, path)
    else:
        raise ValueError(f"unsupported demo file type {suffix!r}: use .parquet, .csv or .xlsx")
    return path


def _write_xlsx(table: pa.Table, path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("企业")
    sheet.append(table.column_names)
    catalog = load_catalog()
    money = {s.name for s in catalog if s.type in (FieldType.MONEY, FieldType.DECIMAL)}
    for row in table.to_pylist():
        sheet.append([str(v) if k in money and v is not None else v for k, v in row.items()])
    workbook.save(path)


__all__ = ["Archetype", "demo_table", "generate_enterprises", "write_demo_file"]
