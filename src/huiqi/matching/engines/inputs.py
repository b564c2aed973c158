"""Load a bulk file (CSV, XLSX, Parquet) into DuckDB as the canonical, typed table `src`.

The file is read and validated by the registry's input pipeline (`registry.records`), the same
one `huiqi import enterprises` uses: a row the import would refuse is left out of the match and
reported with the same row, column, value and reason. Every catalog field becomes a column of
`src` (row key `__row`, the spreadsheet row number): absent columns are NULL (unknown); money and
decimals are scaled integers (fen for money) so the compiled rules compute exact amounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from huiqi.rules import Catalog, FieldSpec, FieldType

if TYPE_CHECKING:
    from huiqi.registry.service import Records, RowError

CANONICAL_TABLE = "src"


class InputError(Exception):
    """The file itself cannot be read (missing, wrong format, no header)."""


@dataclass
class LoadedInput:
    rows: int  # rows matched
    columns_used: list[str]
    unknown_columns: list[str]
    errors: list[RowError] = field(default_factory=list)  # the refused rows' problems
    warnings: list[str] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})


def load_input(con: duckdb.DuckDBPyConnection, path: Path, catalog: Catalog, *,
               header_row: int | None = None) -> LoadedInput:
    """Read and validate `path`, then create temp table `src` in `con` from its good rows."""
    # imported here: registry.service brings the ORM, seconds of start-up a clean file skips
    from huiqi.registry.service import ImportFileError, read_records

    try:
        records = read_records(path, header_row=header_row)
    except ImportFileError as exc:
        raise InputError(str(exc)) from exc
    con.register("canonical_arrow", canonical_arrow(records, catalog))
    selects = ", ".join(f"{_scaled(spec)} AS {_quote(spec.name)}" for spec in catalog)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {CANONICAL_TABLE} AS SELECT __row, {selects} "
                f"FROM canonical_arrow ORDER BY __row").fetchall()
    con.unregister("canonical_arrow")
    return LoadedInput(rows=len(records.numbers),
                       columns_used=sorted(c.spec.name for c in records.columns),
                       unknown_columns=records.unknown_columns, errors=records.errors,
                       warnings=records.warnings)


def canonical_arrow(records: Records, catalog: Catalog) -> pa.Table:
    """The accepted rows with every catalog field in its canonical type (`__row` first)."""
    from huiqi.registry.service import arrow_type

    n = len(records.numbers)
    columns: dict[str, Any] = {
        "__row": pa.array(records.numbers, pa.int64())}
    for spec in catalog:
        values = records.values.get(spec.name)
        columns[spec.name] = pa.nulls(n, arrow_type(spec)) if values is None else values
    return pa.table(columns)


def _scaled(spec: FieldSpec) -> str:
    name = _quote(spec.name)
    if spec.type in (FieldType.MONEY, FieldType.DECIMAL):
        return f"CAST({name} * {10 ** spec.scale} AS BIGINT)"
    return name


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


__all__ = ["CANONICAL_TABLE", "InputError", "LoadedInput", "canonical_arrow", "load_input"]
