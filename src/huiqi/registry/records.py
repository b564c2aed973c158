"""The one tabular input pipeline: a file of enterprises (CSV, XLSX, Parquet) → validated records.

`huiqi import enterprises`, `huiqi match --input` and every later bulk import read files here, so
a row is accepted or refused, and for the same reasons, whichever command reads it:

- headers by catalog name or Chinese label, units converted (headers.py);
- every cell coerced by the catalog (catalog.py): USCC check digit, no negative numbers, GB/T 4754
  class codes, regions by code or name, `2,704,055.70`, `8.59%`, `1999年1月12日`…;
- a row without a USCC, or repeating an earlier row's USCC, is refused;
- size_class is derived from the 划型标准 when the file leaves it empty.

A refused row is left out and reported (row, column, value, reason in Chinese). Validation runs a
column at a time: typed Parquet columns whose every value is already canonical pass in bulk (the
same test `catalog.coercer` applies per cell), low-cardinality columns are coerced once per
distinct value, the rest per cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from huiqi.registry import size_class
from huiqi.registry.catalog import (
    NUMERIC_PRECISION,
    RATIO_UNIT,
    CoercionError,
    coercer,
    field_for_header,
    load_catalog,
)
from huiqi.registry.headers import HeaderError, parse_header
from huiqi.registry.reader import Block, ImportFileError, RawTable, read_table
from huiqi.registry.report import RowError
from huiqi.rules import FieldSpec, FieldType

SIZE_INPUTS = ("industry_code", "employees", "revenue", "total_assets")
_FEW_VALUES = (FieldType.BOOL, FieldType.ENUM, FieldType.REGION, FieldType.INDUSTRY_CODE,
               FieldType.DATE)


@dataclass(frozen=True)
class Column:
    index: int  # position in the file
    spec: FieldSpec
    header: str  # as written in the file
    factor: Decimal | None  # from the header's unit


@dataclass
class Records:
    """The accepted rows of a file, column by column, and every problem found."""

    source: str
    columns: list[Column]
    total_rows: int = 0
    numbers: list[int] = field(default_factory=list)  # row numbers of the accepted rows
    # field → the accepted rows' canonical values (pyarrow ChunkedArray, one chunk per block;
    # size_class and size_class_derived too when derived)
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    derive_size: bool = False  # size_class was derived where the file left it empty

    @property
    def fields(self) -> list[str]:
        """Catalog fields read from the file (plus size_class / size_class_derived if derived)."""
        return list(self.values)

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})

    def column(self, name: str) -> list[Any]:
        values: list[Any] = self.values[name].to_pylist()
        return values

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number, {field: canonical value}) for each accepted row, in file order (a block
        of rows at a time in Python values)."""
        names = self.fields
        done = 0
        chunked = [self.values[n] for n in names]
        for k in range(chunked[0].num_chunks if chunked else 0):
            columns = [c.chunk(k).to_pylist() for c in chunked]
            numbers = self.numbers[done:done + len(columns[0])]
            done += len(numbers)
            for number, cells in zip(numbers, zip(*columns, strict=True), strict=True):
                yield number, dict(zip(names, cells, strict=True))


def arrow_type(spec: FieldSpec) -> pa.DataType:
    """The canonical type of a field's values (money and decimals exact, at the field's scale)."""
    t = spec.type
    if t is FieldType.BOOL:
        return pa.bool_()
    if t is FieldType.INTEGER:
        return pa.int64()
    if t in (FieldType.MONEY, FieldType.DECIMAL):
        return pa.decimal128(NUMERIC_PRECISION, spec.scale)
    if t is FieldType.DATE:
        return pa.date32()
    return pa.string()


def read_records(path: Path | str, *, header_row: int | None = None) -> Records:
    """Read and validate a file of enterprises. Raises ImportFileError when the file itself
    cannot be used (unreadable, no uscc column, a header unit that contradicts its field)."""
    path = Path(path)
    table = read_table(path, header_row=header_row, is_known=_known)
    records = Records(path.name, _plan(table, path))
    records.warnings += table.notes
    _unknown(table, records)
    _validate(table, records)
    return records


def _known(text: str) -> bool:
    return field_for_header(text) is not None


def _plan(table: RawTable, path: Path) -> list[Column]:
    catalog = load_catalog()
    seen: dict[str, str] = {}
    columns: list[Column] = []
    problems: list[str] = []
    warnings: list[str] = []
    for index, text in enumerate(table.header):
        if not text:
            continue
        try:
            found = parse_header(text)
        except HeaderError as exc:
            problems.append(str(exc))
            continue
        if found is None:
            continue
        if found.name in seen:
            warnings.append(f"列“{text}”与列“{seen[found.name]}”是同一字段 {found.name}，"
                            f"已忽略后者")
            continue
        seen[found.name] = text
        columns.append(Column(index, catalog[found.name], text, found.factor))
    if problems:
        raise ImportFileError("；".join(problems))
    if "uscc" not in seen:
        where = f"第{table.header_row}行" if table.header_row > 1 else "第1行"
        raise ImportFileError(f"文件 {path.name} 缺少“统一社会信用代码”列：表头（{where}）"
                              f"应含字段名或中文名称，如 uscc 或 统一社会信用代码")
    table.notes.extend(warnings)
    return columns


def _unknown(table: RawTable, records: Records) -> None:
    used = {c.index for c in records.columns}
    records.unknown_columns = [h for i, h in enumerate(table.header)
                               if h and i not in used and field_for_header(h) is None]
    if records.unknown_columns:
        records.warnings.append("以下列不在字段目录中，已忽略："
                                + "、".join(records.unknown_columns))


# --- validation, a column at a time ----------------------------------------------------------

Problems = list[tuple[int, object, str]]  # (position among the records, raw value, reason)


def _validate(table: RawTable, records: Records) -> None:
    """Validate the table a block of rows at a time: memory stays bounded by a block plus the
    accepted values, kept as Arrow arrays."""
    parts: dict[str, list[Any]] = {}
    first: dict[str, int] = {}  # USCC → the row that has it
    uscc_header = next(c.header for c in records.columns if c.spec.name == "uscc")
    for block in table.blocks():
        records.total_rows += len(block.numbers)
        values, keep = _validate_block(block, records, first, uscc_header)
        records.numbers += [block.numbers[p] for p in keep]
        for name, array in values.items():
            parts.setdefault(name, []).append(array)
    for column in records.columns:
        name = column.spec.name
        kind: Any = arrow_type(column.spec)
        records.values[name] = pa.chunked_array(parts.get(name, []), kind)
    if "industry_code" in records.values or "size_class" in records.values:
        records.derive_size = "industry_code" in records.values
        for name, kind in (("size_class", pa.string()), ("size_class_derived", pa.bool_())):
            records.values[name] = pa.chunked_array(parts.get(name, []), kind)


def _validate_block(block: Block, records: Records, first: dict[str, int], uscc_header: str
                    ) -> tuple[dict[str, Any], list[int]]:
    """The accepted rows' canonical values (Arrow arrays) and positions; problems recorded."""
    numbers = block.numbers
    coerced: dict[str, Any] = {}
    bad: dict[int, list[RowError]] = {}
    for column in records.columns:  # file order: a row's problems read left to right
        coerced[column.spec.name], found = _coerce_column(block, column)
        for pos, raw, reason in found:
            bad.setdefault(pos, []).append(
                RowError(numbers[pos], column.header, "" if raw is None else str(raw), reason,
                         f"invalid_{column.spec.name}"))
    keep = _keys(coerced["uscc"], bad, numbers, first, uscc_header)
    for pos in sorted(bad):
        records.errors.extend(bad[pos])
    mask = None
    if len(keep) != len(numbers):
        flags = [False] * len(numbers)
        for p in keep:
            flags[p] = True
        mask = pa.array(flags)
    out: dict[str, Any] = {}
    for column in records.columns:
        values = coerced[column.spec.name]
        kind = arrow_type(column.spec)
        if isinstance(values, list):
            array = pa.array(values, kind)
        else:  # a typed Parquet column
            array = values.cast(kind).combine_chunks()
        out[column.spec.name] = array if mask is None else array.filter(mask)
    _derive_sizes(out)
    return out, keep


def _keys(usccs: Any, bad: dict[int, list[RowError]], numbers: list[int],
          first: dict[str, int], header: str) -> list[int]:
    """Positions of the rows to keep: no bad cell, a USCC, the first row with that USCC."""
    usccs = usccs if isinstance(usccs, list) else usccs.to_pylist()
    keep: list[int] = []
    for pos, uscc in enumerate(usccs):
        if pos in bad:
            continue
        if uscc is None:
            bad[pos] = [RowError(numbers[pos], header, "",
                                 "缺少统一社会信用代码", "missing_uscc")]
        elif uscc in first:
            bad[pos] = [RowError(numbers[pos], header, uscc,
                                 f"统一社会信用代码与第{first[uscc]}行重复，本行未导入",
                                 "duplicate_uscc")]
        else:
            first[uscc] = numbers[pos]
            keep.append(pos)
    return keep


def _coerce_column(block: Block, column: Column) -> tuple[Any, Problems]:
    spec = column.spec
    if column.factor is None:
        typed = _typed_column(spec, block.arrow_column(column.index))
        if typed is not None:
            return typed, []
    read = coercer(spec, column.factor)
    raws = block.column_values(column.index)
    if spec.type in _FEW_VALUES:
        return _coerce_distinct(read, raws)
    return _coerce_each(read, raws)


def _coerce_each(read: Callable[[object], Any], raws: list[object]) -> tuple[list[Any], Problems]:
    out: list[Any] = []
    problems: Problems = []
    for pos, raw in enumerate(raws):
        try:
            out.append(read(raw))
        except CoercionError as exc:
            out.append(None)
            problems.append((pos, raw, str(exc)))
    return out, problems


def _coerce_distinct(read: Callable[[object], Any], raws: list[object]
                     ) -> tuple[list[Any], Problems]:
    """Coerce each distinct cell once (a column of 是/否 or region codes has a few)."""
    cache: dict[tuple[type, object], tuple[bool, Any]] = {}
    out: list[Any] = []
    problems: Problems = []
    try:
        for pos, raw in enumerate(raws):
            key = (type(raw), raw)  # 1 and True and 1.0 are equal keys otherwise
            hit = cache.get(key)
            if hit is None:
                try:
                    hit = cache[key] = (True, read(raw))
                except CoercionError as exc:
                    hit = cache[key] = (False, str(exc))
            if hit[0]:
                out.append(hit[1])
            else:
                out.append(None)
                problems.append((pos, raw, hit[1]))
    except TypeError:  # an unhashable cell (a Parquet list column): coerce one by one
        return _coerce_each(read, raws)
    return out, problems


def _typed_column(spec: FieldSpec, column: Any) -> Any:
    """A Parquet column whose every value passes `coercer`'s fast path unchanged, as a pyarrow
    array of the canonical type; None when any value needs the per-cell path."""
    if column is None or column.null_count == len(column):
        return None
    t, kind = spec.type, column.type
    if t is FieldType.BOOL and pa.types.is_boolean(kind):
        return column
    if t is FieldType.DATE and pa.types.is_date32(kind):
        return column
    if t is FieldType.INTEGER and pa.types.is_integer(kind):
        low, high = _bounds(column)
        return column.cast(pa.int64()) if low >= 0 and high < 2**31 else None
    if t in (FieldType.MONEY, FieldType.DECIMAL) and (
            pa.types.is_integer(kind) or (pa.types.is_decimal(kind) and kind.scale <= spec.scale)):
        low, high = _bounds(column)
        limit = Decimal(10) ** (NUMERIC_PRECISION - spec.scale)
        if low >= 0 and (high <= 1 if spec.unit == RATIO_UNIT else high < limit):
            return column.cast(pa.decimal128(NUMERIC_PRECISION, spec.scale))
    return None


def _bounds(column: Any) -> tuple[Any, Any]:
    result = pc.min_max(column)
    return result["min"].as_py(), result["max"].as_py()


# --- size class ------------------------------------------------------------------------------


def _derive_sizes(values: dict[str, Any]) -> None:
    """Fill size_class from the 划型标准 where the file leaves it empty (when it can: the file has
    industry_code); size_class_derived says which values were derived."""
    given = "size_class" in values
    if "industry_code" not in values:
        if given:
            values["size_class_derived"] = pa.array([False] * len(values["size_class"]))
        return
    n = len(values["industry_code"])
    sizes = values["size_class"].to_pylist() if given else [None] * n
    inputs = [values[k].to_pylist() if k in values else [None] * n for k in SIZE_INPUTS]
    derived: list[bool] = []
    out: list[str | None] = []
    for size, *args in zip(sizes, *inputs, strict=True):
        value = size if size is not None else size_class.classify(*args)
        out.append(value)
        derived.append(size is None and value is not None)
    values["size_class"] = pa.array(out, pa.string())
    values["size_class_derived"] = pa.array(derived, pa.bool_())


__all__ = ["Column", "Records", "arrow_type", "read_records"]
