"""Write small test files (CSV, XLSX, Parquet) from rows of plain values."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def write(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]],
          encoding: str = "utf-8") -> Path:
    suffix = path.suffix
    if suffix == ".csv":
        with path.open("w", encoding=encoding, newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows([[cell(v) for v in row] for row in rows])
    elif suffix == ".xlsx":
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(list(header))
        for row in rows:
            sheet.append([cell(v) if v is not None else None for v in row])
        workbook.save(path)
    elif suffix == ".parquet":
        columns = {h: pa.array([None if v is None else cell(v) for v in col], pa.string())
                   for h, col in zip(header, zip(*rows, strict=True), strict=True)}
        pq.write_table(pa.table(columns), path)
    else:
        raise ValueError(suffix)
    return path
