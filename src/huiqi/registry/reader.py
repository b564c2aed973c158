"""Read a tabular file (CSV, XLSX, Parquet) into a header and numbered rows of raw cell values.

Row numbers are what a person sees in a spreadsheet: the header is row 1, the first record row 2
(for Parquet too, so reports read the same whatever the format). Blank rows are skipped but still
counted, so later row numbers stay right.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SUFFIXES = (".csv", ".xlsx", ".parquet")


class ImportFileError(Exception):
    """The file itself cannot be read (missing, unsupported, no header, corrupt)."""


@dataclass
class RawTable:
    header: list[str]
    rows: list[tuple[int, Sequence[object]]]  # (row number, cells)


def read_table(path: Path) -> RawTable:
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"找不到文件：{path}（file not found）")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            table = _read_csv(path)
        elif suffix == ".xlsx":
            table = _read_xlsx(path)
        elif suffix == ".parquet":
            table = _read_parquet(path)
        else:
            raise ImportFileError(f"不支持的文件类型“{suffix}”：请使用 .csv、.xlsx 或 .parquet"
                                  f"（unsupported file type）")
    except ImportFileError:
        raise
    except Exception as exc:  # a corrupt file: openpyxl, pyarrow and csv raise many types
        raise ImportFileError(f"无法读取文件 {path.name}：{exc}（cannot read the file）") from exc
    if not any(h.strip() for h in table.header):
        raise ImportFileError(f"文件 {path.name} 没有表头（第1行应为列名）"
                              f"（the file has no header row）")
    return table


def _blank(cells: Sequence[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # a superset of GBK, as saved by Excel on Chinese Windows
    except UnicodeDecodeError:
        raise ImportFileError("文件编码无法识别：请另存为 UTF-8 或 GBK 编码的 CSV"
                              "（unknown text encoding: save as UTF-8 or GBK）") from None


def _read_csv(path: Path) -> RawTable:
    text = _decode(path.read_bytes())
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not records:
        raise ImportFileError(f"文件 {path.name} 是空的（the file is empty）")
    header = [h.strip() for h in records[0]]
    rows = [(i, r) for i, r in enumerate(records[1:], start=2) if r and not _blank(r)]
    return RawTable(header, rows)  # type: ignore[arg-type]


def _read_xlsx(path: Path) -> RawTable:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        header: list[str] | None = None
        rows: list[tuple[int, Sequence[object]]] = []
        for number, cells in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            if header is None:
                header = ["" if c is None else str(c).strip() for c in cells]
            elif not _blank(cells):
                rows.append((number, cells))
    finally:
        workbook.close()
    if header is None:
        raise ImportFileError(f"文件 {path.name} 是空的（the file is empty）")
    return RawTable(header, rows)


def _read_parquet(path: Path) -> RawTable:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    header = list(table.column_names)
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    rows = [(i + 2, cells) for i, cells in enumerate(zip(*columns, strict=True))]
    return RawTable(header, [(n, c) for n, c in rows if not _blank(c)])


__all__ = ["SUFFIXES", "ImportFileError", "RawTable", "read_table"]
