"""Read a bulk file (CSV, XLSX, Parquet) into DuckDB as a canonical, typed table.

Every catalog field becomes a column: absent columns are NULL (unknown), empty cells are NULL,
booleans accept true/false, 是/否, 1/0. Money and decimals are stored as scaled integers (fen for
money) so the compiled rules compute exact amounts. Cells that cannot be read are reported with
their row and column, and the row is left out of the match rather than guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from huiqi.rules import Catalog, FieldSpec, FieldType

TRUE_WORDS = ("true", "t", "1", "是", "y", "yes")
FALSE_WORDS = ("false", "f", "0", "否", "n", "no")
INPUT_TABLE = "raw_input"
CANONICAL_TABLE = "src"


class InputError(Exception):
    """The file itself cannot be read (missing, wrong format, no header)."""


@dataclass
class BadCell:
    row: int  # as the user sees it: the header is row 1
    column: str
    value: str
    reason: str


@dataclass
class LoadedInput:
    rows: int
    columns_used: list[str]
    unknown_columns: list[str]
    bad_cells: list[BadCell] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len({c.row for c in self.bad_cells})


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def register_raw(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Expose the file as table `raw_input`, every column as text, plus its row number."""
    if not path.exists():
        raise InputError(f"找不到输入文件：{path}")
    suffix = path.suffix.lower()
    p = _sql_str(str(path))
    if suffix == ".csv":
        source = f"read_csv({p}, all_varchar=true, header=true)"
    elif suffix == ".parquet":
        source = f"read_parquet({p})"
    elif suffix == ".xlsx":
        con.register("xlsx_arrow", _xlsx_to_arrow(path))
        source = "xlsx_arrow"
    else:
        raise InputError(f"不支持的文件类型 {suffix}：请使用 .csv、.xlsx 或 .parquet")
    try:
        con.execute(
            # A view, not a copy: scans keep the file's order, so row numbers are stable.
            f"CREATE OR REPLACE TEMP VIEW {INPUT_TABLE} AS "
            f"SELECT row_number() OVER () + 1 AS __row, * FROM {source}"
        ).fetchall()
    except duckdb.Error as exc:
        raise InputError(f"无法读取 {path.name}：{exc}") from exc


def _xlsx_to_arrow(path: Path):  # type: ignore[no-untyped-def]
    import openpyxl
    import pyarrow as pa

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = wb.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None)
    if not header:
        raise InputError(f"{path.name} 的第一个工作表没有表头")
    names = [str(h).strip() if h is not None else f"column{i}" for i, h in enumerate(header)]
    columns: list[list[str | None]] = [[] for _ in names]
    for row in rows:
        for i in range(len(names)):
            value = row[i] if i < len(row) else None
            columns[i].append(_excel_text(value))
    return pa.table({n: pa.array(c, type=pa.string()) for n, c in zip(names, columns, strict=True)})


def _excel_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "date") and hasattr(value, "hour"):
        return value.date().isoformat()  # type: ignore[no-any-return, attr-defined]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text(col: str) -> str:
    return f"NULLIF(TRIM(CAST({_quote(col)} AS VARCHAR)), '')"


def _bool_expr(raw: str) -> str:
    t = ", ".join(_sql_str(w) for w in TRUE_WORDS)
    f = ", ".join(_sql_str(w) for w in FALSE_WORDS)
    return f"CASE WHEN lower({raw}) IN ({t}) THEN TRUE WHEN lower({raw}) IN ({f}) THEN FALSE END"


def _scaled_expr(raw: str, scale: int) -> str:
    # Exact: parse as a wide DECIMAL, then scale; values with more decimals are rejected below.
    return f"CAST(TRY_CAST({raw} AS DECIMAL(38,10)) * {10 ** scale} AS BIGINT)"


def _scaled_ok(raw: str, scale: int) -> str:
    d = f"TRY_CAST({raw} AS DECIMAL(38,10))"
    return f"({d} IS NOT NULL AND {d} * {10 ** scale} = ROUND({d} * {10 ** scale}))"


_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                  "USMALLINT", "UINTEGER", "UBIGINT")


def _typed_exprs(spec: FieldSpec, col: str, source_type: str) -> tuple[str, str, str] | None:
    """Fast paths for typed sources (Parquet): no text parsing when the column is already typed."""
    t, q = spec.type, _quote(col)
    if t is FieldType.BOOL and source_type == "BOOLEAN":
        return q, "TRUE", ""
    if t is FieldType.DATE and source_type == "DATE":
        return q, "TRUE", ""
    if not t.is_numeric:
        return None
    factor = 10**spec.scale
    if source_type in _INTEGER_TYPES:
        return f"CAST({q} AS BIGINT) * {factor}", "TRUE", ""
    if source_type.startswith("DECIMAL"):
        places = int(source_type.rstrip(")").split(",")[-1])
        value = f"CAST({q} * {factor} AS BIGINT)" if places <= spec.scale else \
            f"CAST(ROUND({q} * {factor}) AS BIGINT)"
        ok = "TRUE" if places <= spec.scale else f"{q} * {factor} = ROUND({q} * {factor})"
        return value, ok, f"最多 {spec.scale} 位小数"
    if source_type in ("DOUBLE", "FLOAT"):
        scaled = f"{q} * {factor}"
        return (f"CAST(ROUND({scaled}) AS BIGINT)", f"abs({scaled} - ROUND({scaled})) < 1e-6",
                f"最多 {spec.scale} 位小数")
    return None


def _column_exprs(spec: FieldSpec, raw: str) -> tuple[str, str, str]:
    """(typed value, validity check, reason shown when invalid) for one catalog field."""
    t = spec.type
    if t is FieldType.BOOL:
        return _bool_expr(raw), f"({_bool_expr(raw)}) IS NOT NULL", "应为 是/否、true/false 或 1/0"
    if t is FieldType.INTEGER:
        d = f"TRY_CAST({raw} AS DECIMAL(38,10))"
        return (f"CAST({d} AS BIGINT)", f"({d} IS NOT NULL AND {d} = ROUND({d}))", "应为整数")
    if t in (FieldType.MONEY, FieldType.DECIMAL):
        unit = "元" if t is FieldType.MONEY else ""
        return (_scaled_expr(raw, spec.scale), _scaled_ok(raw, spec.scale),
                f"应为数字{unit}，最多 {spec.scale} 位小数")
    if t is FieldType.DATE:
        return (f"TRY_CAST({raw} AS DATE)", f"TRY_CAST({raw} AS DATE) IS NOT NULL",
                "应为日期，格式 2025-06-01")
    if t is FieldType.ENUM and spec.values:
        allowed = ", ".join(_sql_str(v) for v in spec.values)
        labels = " ".join(f"WHEN {raw} = {_sql_str(lbl)} THEN {_sql_str(v)}"
                          for v, lbl in spec.values.items())
        value = f"CASE WHEN {raw} IN ({allowed}) THEN {raw} {labels} END"
        return value, f"({value}) IS NOT NULL", "取值应为 " + "、".join(spec.values)
    if t is FieldType.REGION and spec.values:
        allowed = ", ".join(_sql_str(v) for v in spec.values)
        return raw, f"{raw} IN ({allowed})", "不是已收录的行政区划代码"
    if t is FieldType.INDUSTRY_CODE:
        upper = f"UPPER({raw})"
        return upper, f"regexp_full_match({upper}, '[A-T]([0-9]{{2}}([0-9]{{1,2}})?)?')", \
            "不是有效的国民经济行业代码（如 C3841）"
    return raw, "TRUE", ""


def canonicalise(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, *, max_bad: int = 10_000
) -> LoadedInput:
    """Build table `src` (row key `__row`, every catalog field typed) from `raw_input`."""
    described = con.execute(f"DESCRIBE {INPUT_TABLE}").fetchall()
    types = {r[0]: str(r[1]) for r in described}
    by_name = {c.strip(): c for c in types if c != "__row"}
    labels = {spec.label: spec.name for spec in catalog}
    mapped: dict[str, str] = {}
    unknown: list[str] = []
    for header, original in by_name.items():
        name = header if header in catalog else labels.get(header)
        if name is None:
            unknown.append(header)
        else:
            mapped[name] = original
    selects = ["__row"]
    checks: list[tuple[str, str, str]] = []
    for spec in catalog:
        if spec.name not in mapped:
            selects.append(f"{_null_of(spec)} AS {_quote(spec.name)}")
            continue
        col = mapped[spec.name]
        typed = _typed_exprs(spec, col, types[col])
        if typed is not None:
            value, ok, reason = typed
            raw = _quote(col)
        else:
            raw = _text(col)
            value, ok, reason = _column_exprs(spec, raw)
        selects.append(f"{value} AS {_quote(spec.name)}")
        if ok != "TRUE":
            checks.append((spec.name, f"({raw} IS NULL OR {ok})", reason))
    bad = _find_bad_cells(con, mapped, checks, max_bad)
    bad_rows = sorted({b.row for b in bad})
    where = ""
    if bad_rows:
        con.execute("CREATE OR REPLACE TEMP TABLE bad_rows(__row BIGINT)").fetchall()
        con.executemany("INSERT INTO bad_rows VALUES (?)", [(r,) for r in bad_rows])
        where = " WHERE __row NOT IN (SELECT __row FROM bad_rows)"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {CANONICAL_TABLE} AS SELECT {', '.join(selects)} "
        f"FROM {INPUT_TABLE}{where}"
    ).fetchall()
    rows = con.execute(f"SELECT count(*) FROM {CANONICAL_TABLE}").fetchall()[0]
    return LoadedInput(rows=int(rows[0]) if rows else 0, columns_used=sorted(mapped),
                       unknown_columns=unknown, bad_cells=bad)


def _null_of(spec: FieldSpec) -> str:
    t = spec.type
    if t is FieldType.BOOL:
        return "CAST(NULL AS BOOLEAN)"
    if t is FieldType.INTEGER:
        return "CAST(NULL AS BIGINT)"
    if t in (FieldType.MONEY, FieldType.DECIMAL):
        return "CAST(NULL AS BIGINT)"
    if t is FieldType.DATE:
        return "CAST(NULL AS DATE)"
    return "CAST(NULL AS VARCHAR)"


def _find_bad_cells(
    con: duckdb.DuckDBPyConnection,
    mapped: dict[str, str],
    checks: list[tuple[str, str, str]],
    max_bad: int,
) -> list[BadCell]:
    """One scan: the rows where any check fails, then each failing cell of those rows."""
    if not checks:
        return []
    flags = ", ".join(f"{ok} AS ok{i}" for i, (_n, ok, _r) in enumerate(checks))
    values = ", ".join(f"CAST({_quote(mapped[n])} AS VARCHAR)" for n, _ok, _r in checks)
    any_bad = " OR ".join(f"NOT {ok}" for _n, ok, _r in checks)
    rows = con.execute(
        f"SELECT __row, {flags}, {values} FROM {INPUT_TABLE} WHERE {any_bad} "
        f"ORDER BY __row LIMIT {max_bad}"
    ).fetchall()
    bad: list[BadCell] = []
    k = len(checks)
    for row in rows:
        for i, (name, _ok, reason) in enumerate(checks):
            if not row[1 + i]:
                bad.append(BadCell(int(row[0]), name, row[1 + k + i], reason))
    return bad
