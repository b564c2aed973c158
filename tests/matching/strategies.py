"""Hypothesis strategies: enterprises over the field catalog, biased towards thresholds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from huiqi.rules import Catalog, FieldSpec, FieldType

INDUSTRIES = ["C3841", "C3842", "C3849", "C3011", "C2611", "F5211", "H6210", "I6511", "A0111",
              "L7212", "K7010", "M7320", "E4710", "C1311"]
# Values at and around the thresholds in the seed policies (以上/以下 boundaries and half-fen ties).
MONEY_EDGES = ["0", "0.01", "100", "300000", "1234567", "4999999.99", "5000000", "5000000.01",
               "20000000", "4000000", "40000000", "33333333.33", "1000000", "250000.05"]


def _money(scale: int) -> st.SearchStrategy[Decimal]:
    quantum = Decimal(1).scaleb(-scale)
    edges = st.sampled_from([Decimal(e) for e in MONEY_EDGES])
    anyv = st.decimals(min_value=0, max_value=Decimal("60000000"), places=scale,
                       allow_nan=False, allow_infinity=False)
    return st.one_of(edges, anyv).map(lambda d: d.quantize(quantum))


def value_strategy(spec: FieldSpec) -> st.SearchStrategy[object]:
    t = spec.type
    if t is FieldType.BOOL:
        return st.booleans()
    if t is FieldType.INTEGER:
        return st.one_of(st.sampled_from([0, 1, 2, 3, 10, 20, 30, 300, 1000]),
                         st.integers(min_value=0, max_value=5000))
    if t is FieldType.MONEY:
        return _money(2)
    if t is FieldType.DECIMAL:
        if spec.scale >= 4:
            return st.decimals(min_value=0, max_value=Decimal("0.2"), places=spec.scale,
                               allow_nan=False, allow_infinity=False)
        return st.decimals(min_value=0, max_value=10, places=spec.scale, allow_nan=False,
                           allow_infinity=False)
    if t is FieldType.DATE:
        return st.dates(min_value=date(1990, 1, 1), max_value=date(2025, 12, 31))
    if t is FieldType.INDUSTRY_CODE:
        return st.sampled_from(INDUSTRIES)
    if t in (FieldType.ENUM, FieldType.REGION) and spec.values:
        return st.sampled_from(sorted(spec.values))
    return st.text(alphabet="ABC甲乙", min_size=1, max_size=6)


def enterprises(catalog: Catalog, min_size: int = 1, max_size: int = 12) -> st.SearchStrategy:
    """Lists of enterprise dicts; each field is missing (unknown) about a fifth of the time."""
    fields = {}
    for spec in catalog:
        if spec.name in ("uscc", "name"):
            continue
        fields[spec.name] = st.one_of(st.none(), value_strategy(spec), value_strategy(spec),
                                      value_strategy(spec), value_strategy(spec))
    row = st.fixed_dictionaries(fields)
    return st.lists(row, min_size=min_size, max_size=max_size)
