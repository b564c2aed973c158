"""Read a tabular file (CSV, XLSX, Parquet) into a header and numbered rows of raw cell values.

Row numbers are what a person sees in a spreadsheet: the header is on row `header_row` (1 unless
title rows sit above it), records follow (for Parquet the header is row 1 too, so reports read
the same whatever the format). Blank rows are skipped but still counted, so later row numbers
stay right.

The header row is found, not assumed: the first of the first rows that names a known column
(`is_known`), or the row the caller names (`--header-row`). Rows above it (a merged title such as
“2025年企业名单”) are skipped and explained in `notes`. A CSV is decoded as UTF-8 (with or without
BOM) or GB18030 (a superset of GBK), decided for the whole file; a file that mixes the two is
refused with the first line that differs.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Collection, Iterator, Sequence
from functools import cached_property
from itertools import chain, islice, zip_longest
from pathlib import Path
from typing import Any

from huiqi.kit.errors import ValidationFailed

SUFFIXES = (".csv", ".xlsx", ".parquet")
SEARCH_ROWS = 30  # how far down the header is looked for


class ImportFileError(Exception):
    """The file itself cannot be read (missing, unsupported, no header, corrupt)."""

    code = "import_file"


Known = Callable[[str], bool]


class Block:
    """Consecutive records of a table: their row numbers and their cells, a column at a time."""

    def __init__(self, numbers: list[int], rows: Sequence[tuple[int, Sequence[object]]] | None,
                 arrow: Any = None) -> None:
        self.numbers = numbers
        self._rows = rows
        self._arrow = arrow  # Parquet: a pyarrow Table slice

    def column_values(self, index: int) -> list[object]:
        """The raw cells of one column, one per record (None past a short row's end)."""
        if self._arrow is not None:
            values: list[object] = self._arrow.column(index).to_pylist()
            return values
        columns = self._columns
        return list(columns[index]) if index < len(columns) else [None] * len(self.numbers)

    @cached_property
    def _columns(self) -> list[tuple[object, ...]]:
        assert self._rows is not None
        return list(zip_longest(*(cells for _, cells in self._rows)))

    def arrow_column(self, index: int) -> Any:
        """The typed column of a Parquet file (pyarrow ChunkedArray), else None."""
        return None if self._arrow is None else self._arrow.column(index)


Rows = Iterator[tuple[int, Sequence[object]]]


class RawTable:
    """The header and the non-blank records of a file, by spreadsheet row number. A CSV's
    records are parsed as they are read (`blocks`), so a large file is never held as rows."""

    def __init__(self, header: list[str], rows: Rows | list[tuple[int, Sequence[object]]]
                 | None = None, *, header_row: int = 1, notes: list[str] | None = None,
                 arrow: Any = None, numbers: list[int] | None = None) -> None:
        self.header = header
        self.header_row = header_row
        self.notes = notes or []
        self._rows = rows
        self._arrow = arrow  # Parquet: a pyarrow Table of the non-blank rows
        self._numbers = numbers or []

    @cached_property
    def rows(self) -> list[tuple[int, Sequence[object]]]:
        """Every record as (row number, cells); reads the whole file into memory."""
        if self._arrow is not None:
            columns = [c.to_pylist() for c in self._arrow.columns]
            return list(zip(self._numbers, zip(*columns, strict=True), strict=True))
        try:
            rows = list(self._rows or [])
        except csv.Error as exc:
            raise ImportFileError(f"CSV 格式错误：{exc}") from exc
        self._rows = rows
        return rows

    def blocks(self, size: int = 100_000) -> Iterator[Block]:
        """The records in blocks of `size`, in file order (a lazily read CSV: once)."""
        if self._arrow is not None:
            for start in range(0, self._arrow.num_rows, size):
                yield Block(self._numbers[start:start + size], None,
                            self._arrow.slice(start, size))
            return
        source = iter(self._rows or [])
        while True:
            try:
                chunk = list(islice(source, size))
            except csv.Error as exc:
                raise ImportFileError(f"CSV 格式错误：{exc}") from exc
            if not chunk:
                return
            yield Block([n for n, _ in chunk], chunk)


def read_table(path: Path | str, *, header_row: int | None = None,
               is_known: Known | None = None) -> RawTable:
    """Read the file; `header_row` (1-based) names the header, else it is found with `is_known`
    (else row 1). Raises ImportFileError with a message for the person who made the file."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"找不到文件：{path}")
    suffix = path.suffix.lower()
    if header_row is not None and header_row < 1:
        raise ImportFileError(f"表头行号应为正整数，而不是 {header_row}")
    try:
        if suffix == ".csv":
            table = _from_grid(path, _read_csv(path), header_row, is_known)
        elif suffix == ".xlsx":
            table = _from_grid(path, _read_xlsx(path), header_row, is_known)
        elif suffix == ".parquet":
            table = _read_parquet(path)
        else:
            raise ImportFileError(f"不支持的文件类型“{suffix}”：请使用 .csv、.xlsx 或 .parquet")
    except ImportFileError:
        raise
    except Exception as exc:  # a corrupt file: openpyxl, pyarrow and csv raise many types
        raise ImportFileError(f"无法读取文件 {path.name}：{exc}") from exc
    if not any(h.strip() for h in table.header):
        raise ImportFileError(f"文件 {path.name} 没有表头（第{table.header_row}行应为列名）")
    return table


def _blank(cells: Sequence[object]) -> bool:
    try:
        return not "".join(cells).strip()  # type: ignore[arg-type]  # a CSV row: all text
    except TypeError:
        return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip().lstrip("\ufeff")


# --- finding the header ----------------------------------------------------------------------


def _from_grid(path: Path, lines: Iterator[Sequence[object]], header_row: int | None,
               is_known: Known | None) -> RawTable:
    """The header found in the first lines; the records after it are read as they are used."""
    grid = list(islice(lines, max(SEARCH_ROWS, header_row or 0)))
    if not grid:
        raise ImportFileError(f"文件 {path.name} 是空的")
    if header_row is not None:
        if header_row > len(grid):
            raise ImportFileError(f"文件 {path.name} 只有 {len(grid)} 行，没有第 {header_row} 行"
                                  f"可作表头（--header-row）")
        number = header_row
    else:
        number = _find_header(path, grid, is_known)
    header = [_text(c) for c in grid[number - 1]]
    records = enumerate(chain(grid[number:], lines), start=number + 1)
    rows = ((i, cells) for i, cells in records if cells and not _blank(cells))
    notes = [_skipped_note(path, grid, number)] if number > 1 else []
    return RawTable(header, rows, header_row=number, notes=notes)


def _find_header(path: Path, grid: list[Sequence[object]], is_known: Known | None) -> int:
    if is_known is None:
        return 1
    for number, cells in enumerate(grid[:SEARCH_ROWS], start=1):
        if any(is_known(_text(c)) for c in cells if _text(c)):
            return number
    titles = _title_rows(path, grid)
    if titles:
        raise ImportFileError(
            f"在前 {min(SEARCH_ROWS, len(grid))} 行中找不到表头（没有一行含已知的列名）。"
            f"{_describe_titles(titles)}请确认列名与字段目录一致，或用 --header-row 指定"
            f"表头所在的行号")
    return 1  # no known column anywhere: the caller reports the missing columns


def _title_rows(path: Path, grid: list[Sequence[object]]) -> list[tuple[int, str, bool]]:
    """(row, text, merged?) of the leading rows with a single filled cell: titles, not headers."""
    merged = _merged_rows(path)
    found: list[tuple[int, str, bool]] = []
    for number, cells in enumerate(grid[:SEARCH_ROWS], start=1):
        filled = [_text(c) for c in cells if _text(c)]
        if len(filled) == 1:
            found.append((number, filled[0], number in merged))
        elif filled:
            break
    return found


def _describe_titles(titles: list[tuple[int, str, bool]]) -> str:
    parts = [f"第{n}行“{text[:40]}”是{'合并单元格的' if merged else '只有一格的'}标题行"
             for n, text, merged in titles]
    return "，".join(parts) + "，不是表头。"


def _skipped_note(path: Path, grid: list[Sequence[object]], number: int) -> str:
    titles = [t for t in _title_rows(path, grid) if t[0] < number]
    why = _describe_titles(titles) if titles else ""
    return (f"表头在第{number}行：已跳过上方 {number - 1} 行。{why}"
            f"问题行的行号按表格中的实际行号给出")


def _merged_rows(path: Path) -> set[int]:
    """Rows holding the top-left cell of a merged range (first sheet of an .xlsx), read from the
    sheet's XML: openpyxl's read-only mode does not expose merged cells."""
    if path.suffix.lower() != ".xlsx":
        return set()
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted(n for n in archive.namelist()
                           if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
            if not names:
                return set()
            data = archive.read(names[0])
    except (OSError, zipfile.BadZipFile, KeyError):
        return set()
    return {int(m[1]) for m in re.finditer(rb'<mergeCell ref="[A-Z]+(\d+):', data)}


# --- formats ---------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    """UTF-8 (BOM optional) or GB18030 for the whole file; a file mixing them is refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        utf8_first = True
    else:
        utf8_first = None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    first: str | None = "utf-8" if utf8_first else None
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        kind = _line_encoding(line)
        if kind is None:
            raise ImportFileError(f"第{number}行的文字既不是 UTF-8 也不是 GBK 编码：请另存为 "
                                  f"UTF-8 编码的 CSV")
        if first is None:
            first = kind
        elif kind != first:
            names = {"utf-8": "UTF-8", "gb18030": "GBK/GB18030"}
            raise ImportFileError(
                f"文件混用了两种文字编码：前面是 {names[first]}，第{number}行是 {names[kind]}。"
                f"请把整个文件另存为同一种编码（建议 UTF-8）后再导入")
    return data.decode("gb18030")


def _line_encoding(line: bytes) -> str | None:
    try:
        line.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        line.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        return None


def _read_csv(path: Path) -> Iterator[Sequence[object]]:
    text = _decode(path.read_bytes())
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _read_xlsx(path: Path) -> Iterator[Sequence[object]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:  # read whole: a read-only workbook holds the file open while it is iterated
        return iter(list(workbook.worksheets[0].iter_rows(min_row=1, values_only=True)))
    finally:
        workbook.close()


def _read_parquet(path: Path) -> RawTable:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    header = [str(h).strip() for h in table.column_names]
    numbers: Any = pa.array(range(2, table.num_rows + 2), pa.int64())
    if table.num_rows and table.num_columns:
        blank: Any = None
        for column in table.columns:
            empty: Any = pc.is_null(column, nan_is_null=True)
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                trimmed = pc.utf8_trim_whitespace(column)
                empty = pc.or_kleene(empty, pc.equal(trimmed, pa.scalar("")))
            blank = empty if blank is None else pc.and_kleene(blank, empty)
        keep = pc.invert(pc.fill_null(blank, True))
        table, numbers = table.filter(keep), pc.filter(numbers, keep)
    return RawTable(header, arrow=table, numbers=[int(n) for n in numbers.to_pylist()])


__all__ = ["SUFFIXES", "Block", "ImportFileError", "RawTable", "read_table"]


def read_upload(filename: str, data: bytes, columns: Collection[str], required: Sequence[str],
                max_rows: int) -> RawTable:
    """An uploaded .xlsx/.csv read like a registry file (title rows above the header skipped,
    CSV in UTF-8 or GBK), its header checked for `required` and its size for `max_rows`; every
    refusal is a ValidationFailed naming the file as the person uploaded it."""
    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValidationFailed(
            f"不支持的文件类型“{suffix or filename}”：请上传 .xlsx 或 .csv 文件。")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            table = read_table(path, is_known=columns.__contains__)
        except ImportFileError as exc:
            raise ValidationFailed(str(exc).replace(path.name, filename)) from None
    missing = [c for c in required if c not in table.header]
    if missing:
        raise ValidationFailed(f"缺少必需的列：{'、'.join(missing)}。第 {table.header_row} 行应为"
                               f"列名，可用列：{'、'.join(columns)}")
    if len(table.rows) > max_rows:
        raise ValidationFailed(f"一次最多导入 {max_rows} 行，请拆分文件。")
    return table
