"""The registry (enterprises and their supplied facts) as canonical columns for the in-memory
engine (vector.py): what simulation and targeting evaluate over, without writing results.

Values come from the same source relation as matching in the database (`repository.source_sql`):
numbers scaled to integers exactly like the SQL engines' ROUND(column * 10**scale), half up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pyarrow as pa

from huiqi.matching.engines.vector import (
    Columns,
    VectorResult,
    columns_from_arrow,
    evaluate_bound,
    evaluate_items,
)
from huiqi.rules import Catalog, FieldSpec, FieldType, Item, ir


@dataclass(frozen=True)
class RegistryColumns:
    """Enterprises (row i is enterprise `ids[i]`) with the chosen catalog fields."""

    ids: np.ndarray
    table: pa.Table  # canonical: numbers scaled to integers (fen for money)
    columns: Columns

    @property
    def n(self) -> int:
        return len(self.ids)

    def evaluate(self, items: Sequence[Item], as_of: date, *, details: bool = True
                 ) -> list[VectorResult]:
        return evaluate_items(items, self.columns, self.n, as_of, details=details)

    def evaluate_bound(self, bound: Sequence[ir.ItemIR], *, details: bool = True
                       ) -> list[VectorResult]:
        """Items already prepared for the engines (`rules.engine_ir`)."""
        return evaluate_bound(bound, self.columns, self.n, details=details)

    def subset(self, rows: np.ndarray) -> RegistryColumns:
        """The enterprises at `rows` (sorted row numbers), same dictionaries: evaluating a few
        rows costs in proportion to them, not to the registry."""
        cols = Columns()
        cols.dictionaries = self.columns.dictionaries
        for name, (values, nulls) in self.columns.items():
            cols[name] = (values[rows], None if nulls is None else nulls[rows])
        return RegistryColumns(self.ids[rows], self.table.take(rows), cols)

    def text(self, name: str) -> list[str | None]:
        """A text column's values per row (None: unknown)."""
        if name not in self.table.column_names:
            return [None] * self.n
        return [None if v is None else str(v) for v in self.table.column(name).to_pylist()]


def from_rows(catalog: Catalog, names: Sequence[str], rows: Sequence[Sequence[Any]]
              ) -> RegistryColumns:
    """`rows`: (id, *values of `names`) as the database driver returns them."""
    ids = np.array([int(r[0]) for r in rows], dtype=np.int64)
    data: dict[str, pa.Array] = {}
    for k, name in enumerate(names, start=1):
        spec = catalog[name]
        data[name] = _column(spec, [r[k] for r in rows])
    table = pa.table(data) if data else pa.table({"__empty": pa.nulls(len(rows))})
    return RegistryColumns(ids, table, columns_from_arrow(table, catalog))


def _column(spec: FieldSpec, values: list[Any]) -> pa.Array:
    t = spec.type
    if t is FieldType.BOOL:
        return pa.array([None if v is None else _bool(v) for v in values], pa.bool_())
    if t.is_numeric:
        unit, whole = Decimal(10) ** spec.scale, 10 ** spec.scale
        return pa.array([None if v is None else v * whole if type(v) is int  # exact already
                         else int((Decimal(str(v)) * unit).quantize(Decimal(1), ROUND_HALF_UP))
                         for v in values], pa.int64())
    if t is FieldType.DATE:
        return pa.array([None if v is None else _date(v) for v in values], pa.date32())
    return pa.array([None if v is None else str(v) for v in values], pa.string())


def _bool(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("1", "true", "t")
    return bool(v)


def _date(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


__all__ = ["RegistryColumns", "from_rows"]
