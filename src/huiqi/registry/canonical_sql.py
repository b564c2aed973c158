"""The input pipeline's acceptance test as DuckDB SQL, for files read by DuckDB itself.

`huiqi match` on a large Parquet file lets DuckDB read, match and write in one streamed query.
That is only the same answer as the checking pipeline (records.py) when every row is one the
pipeline would accept unchanged, so this module renders, per row, a conservative `ok`: a value
passes only where `records.py` would keep it as is (typed columns in range, codes from the
catalog, a well-formed USCC with its check character, text without surrounding blanks).
A file with any row not `ok`, or a repeated USCC, goes through the pipeline, which reports it.

size_class is derived in SQL from the same tables as `size_class.classify` (tests pin the two).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from huiqi.registry import industry, size_class
from huiqi.registry.catalog import MAX_TEXT, NUMERIC_PRECISION, RATIO_UNIT
from huiqi.registry.uscc import _WEIGHTS, ALPHABET
from huiqi.rules import Catalog, FieldSpec, FieldType

_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER",
             "UBIGINT", "HUGEINT"}
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
# What Python's str.strip() removes (the pipeline strips text cells).
_BLANK = r"[\s\x{0b}\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}" \
         r"\x{202f}\x{205f}\x{3000}]"


USCC_FUNCTION = "huiqi_uscc_ok"  # register `uscc_ok` under this name (an Arrow UDF)


@dataclass(frozen=True)
class CanonicalSql:
    ok: str  # TRUE when the row passes unchanged (codes aside: see `codes`)
    select: str  # `__row, <every catalog field>` in the canonical types of `src` (money scaled)
    columns_used: list[str]
    # code columns (enum, region, industry) → the values allowed: checked on the file's
    # distinct values, far cheaper than per row
    codes: dict[str, frozenset[str]]


def canonical_sql(columns: Mapping[str, str], catalog: Catalog) -> CanonicalSql | None:
    """SQL over a relation with `columns` (name → DuckDB type) and `file_row_number`, or None
    when some column needs the pipeline (a label or unit in its header, a type to convert)."""
    specs = {spec.name: spec for spec in catalog}
    if "uscc" not in columns or any(name not in specs for name in columns):
        return None
    oks: list[str] = []
    values: dict[str, str] = {}
    codes: dict[str, frozenset[str]] = {}
    for name, kind in columns.items():
        spec = specs[name]
        if spec.type in (FieldType.ENUM, FieldType.REGION, FieldType.INDUSTRY_CODE):
            if kind.upper() != "VARCHAR":
                return None
            codes[name], values[name] = _allowed(spec), _q(name)
            continue
        found = _column(spec, _q(name), kind.upper())
        if found is None:
            return None
        if found[0] != "TRUE":
            oks.append(found[0])
        values[name] = found[1]
    if "industry_code" in columns:
        derived = classify_sql(*(_q(n) if n in columns else "NULL" for n in
                                 ("industry_code", "employees", "revenue", "total_assets")))
        given = _q("size_class") if "size_class" in columns else "NULL"
        values["size_class"] = f"coalesce({given}, {derived})"
    select = ["file_row_number + 2 AS __row"] + [
        f"{values.get(spec.name, f'CAST(NULL AS {_canonical_type(spec)})')} AS {_q(spec.name)}"
        for spec in catalog]
    return CanonicalSql(" AND ".join(f"({o})" for o in oks), ", ".join(select), sorted(columns),
                        codes)


def _column(spec: FieldSpec, v: str, kind: str) -> tuple[str, str] | None:
    """(ok, canonical value) for one column, or None when its type is not canonical."""
    t = spec.type
    if t is FieldType.BOOL:
        return ("TRUE", v) if kind == "BOOLEAN" else None
    if t is FieldType.DATE:
        return ("TRUE", v) if kind == "DATE" else None
    if t is FieldType.INTEGER:
        if kind not in _INTEGERS:
            return None
        return f"{v} IS NULL OR ({v} >= 0 AND {v} < 2147483648)", f"CAST({v} AS BIGINT)"
    if t in (FieldType.MONEY, FieldType.DECIMAL):
        decimal = _DECIMAL.fullmatch(kind)
        if not (kind in _INTEGERS or (decimal and int(decimal.group(2)) <= spec.scale)):
            return None
        limit = "<= 1" if spec.unit == RATIO_UNIT else f"< {10 ** (NUMERIC_PRECISION - spec.scale)}"
        exact = f"CAST({v} AS DECIMAL({NUMERIC_PRECISION}, {spec.scale}))"
        return (f"{v} IS NULL OR ({v} >= 0 AND {v} {limit})",
                f"CAST({exact} * {10 ** spec.scale} AS BIGINT)")
    if kind != "VARCHAR":
        return None
    if t is FieldType.TEXT and spec.key:
        return f"{USCC_FUNCTION}({v})", v
    if t is FieldType.TEXT:  # only the two end characters go through the regex (faster)
        return (f"{v} IS NULL OR (length({v}) BETWEEN 1 AND {MAX_TEXT} AND "
                f"NOT regexp_matches({v}[1] || {v}[-1], '{_BLANK}'))", v)
    return None


def _allowed(spec: FieldSpec) -> frozenset[str]:
    if spec.type is FieldType.INDUSTRY_CODE:
        return frozenset(e.code for e in industry.table().values() if e.level == "class")
    return frozenset(spec.values)  # ENUM, REGION: the catalog's own codes


_CODE = np.full(256, 99, np.int64)  # a character's value in the USCC alphabet (99: not in it)
_CODE[[ord(c) for c in ALPHABET]] = np.arange(len(ALPHABET))
_W = np.array(_WEIGHTS, np.int64)


def uscc_ok(column: Any) -> Any:
    """uscc._fast_valid over an Arrow column, vectorised: 18 characters, digits first, the
    last the check character (NULL → false)."""
    array: Any = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    sized = pc.fill_null(pc.equal(pc.binary_length(array), pa.scalar(18, pa.int32())), False)
    fixed = pc.if_else(sized, array, "0" * 18)  # every value 18 bytes: a (n, 18) matrix
    n = len(fixed)
    start = int(np.frombuffer(fixed.buffers()[1], np.int32)[fixed.offset]) if n else 0
    raw = np.frombuffer(fixed.buffers()[2] or b"", np.uint8)[start:start + 18 * n]
    codes = _CODE[raw.reshape(n, 18)]
    ok = (codes[:, :8] < 10).all(axis=1) & (codes < 31).all(axis=1)
    ok &= (31 - (codes[:, :17] @ _W) % 31) % 31 == codes[:, 17]
    return pa.array(ok & sized.to_numpy(zero_copy_only=False))


def classify_sql(code: str, employees: str, revenue: str, total_assets: str) -> str:
    """size_class.classify as a CASE over canonical values (NULL where it returns None)."""
    given = {size_class.E: employees, size_class.R: revenue, size_class.A: total_assets}
    prefixes = sorted(size_class._PREFIXES.items(), key=lambda kv: -len(kv[0]))
    arms = []
    for prefix, key in prefixes:  # the longest matching prefix wins, as in group_for
        test = f"{code}[1:{len(prefix)}] = {_s(prefix)}"
        then = _group_sql(size_class.GROUPS[key], given) if key else "NULL"
        arms.append(f"WHEN {test} THEN {then}")
    return f"(CASE WHEN {code} IS NULL THEN NULL {' '.join(arms)} END)"


def _group_sql(group: size_class.Group, given: Mapping[str, str]) -> str:
    values = [given[i] for i in group.indicators]

    def every(bounds: tuple[object, ...]) -> str:
        return " AND ".join(f"{v} >= {b}" for v, b in zip(values, bounds, strict=True))

    unknown = " OR ".join(f"{v} IS NULL" for v in values)
    under = " OR ".join(f"{v} <= {b}" for v, b in zip(values, group.upper, strict=True))
    return (f"(CASE WHEN {unknown} THEN NULL WHEN NOT ({under}) THEN 'large' "
            f"WHEN {every(group.medium)} THEN 'medium' WHEN {every(group.small)} THEN 'small' "
            f"ELSE 'micro' END)")


def _canonical_type(spec: FieldSpec) -> str:
    if spec.type is FieldType.BOOL:
        return "BOOLEAN"
    if spec.type in (FieldType.INTEGER, FieldType.MONEY, FieldType.DECIMAL):
        return "BIGINT"  # money and decimals scaled, as in `src`
    if spec.type is FieldType.DATE:
        return "DATE"
    return "VARCHAR"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _s(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


__all__ = ["USCC_FUNCTION", "CanonicalSql", "canonical_sql", "classify_sql", "uscc_ok"]
