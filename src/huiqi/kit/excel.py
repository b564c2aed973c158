"""Every spreadsheet and CSV Huiqi writes goes through here: ledgers, lists, logs, bank files,
import reports.

What reaches a cell came from people (a title typed into a form, a bank name, a cell of an
uploaded file), so each value is made safe here, once:
- characters XML cannot hold (C0 controls other than tab/newline/CR, lone surrogates, U+FFFE/
  U+FFFF) are dropped: one `\\x01` in an appeal title made openpyxl refuse the whole workbook
  (IllegalCharacterError), a 500 for every user of the export;
- text is never a formula: in .xlsx a string cell stays a string and one starting with = + - @
  (or tab/CR, as OWASP lists) is quote-prefixed, so Excel keeps it text even when edited; in
  CSV, which has no types, such a value gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from starlette.responses import Response

from huiqi.kit.clock import to_local

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 1_000_000  # Excel's own limit is 1,048,576
MAX_CELL = 32_767  # Excel's limit on the characters of one cell
MONEY_FORMAT = "#,##0.00"
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(text: str) -> str:
    """`text` without the characters a spreadsheet cannot hold, cut to Excel's cell limit."""
    return _ILLEGAL.sub("", text)[:MAX_CELL]


def looks_like_formula(text: str) -> bool:
    return text.startswith(_FORMULA_START)


def csv_value(value: object) -> object:
    """A value for a CSV cell: numbers as they are, text cleaned and never a formula."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return "" if value is None else value
    if isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    text = clean(str(value))
    return "'" + text if looks_like_formula(text) else text


def write_csv(target: Path | str, rows: Iterable[Sequence[object]]) -> Path:
    """Rows to a CSV file, UTF-8 with BOM so that Excel shows Chinese."""
    path = Path(target)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([csv_value(v) for v in row] for row in rows)
    return path


def set_value(cell: Cell | WriteOnlyCell, value: object) -> None:
    """Put `value` into an .xlsx cell: dates as dates (local time), numbers as numbers, text as
    cleaned text that is never a formula."""
    if isinstance(value, datetime):
        cell.value = to_local(value).replace(tzinfo=None)
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, Decimal):  # money: always shown to the fen (33,187.30, not 33187.3)
        cell.value = value
        cell.number_format = MONEY_FORMAT
    elif isinstance(value, bool | int | float) or value is None:
        cell.value = value
    else:
        text = clean(str(value))
        cell.value = text
        cell.data_type = "s"  # never a formula
        if looks_like_formula(text):
            cell.quotePrefix = True  # and stays text when someone edits it in Excel


def _cell(ws: Worksheet, value: object, font: Font | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws)
    set_value(cell, value)
    if font:
        cell.font = font
    return cell


def workbook_bytes(
    title: str, headers: Sequence[str], rows: Iterable[Sequence[object]],
    widths: Sequence[int] | None = None,
) -> bytes:
    """One sheet: a bold header row, then the rows (streamed: write-only)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=clean(title)[:31] or "Sheet1")
    for i, width in enumerate(widths or [18] * len(headers)):
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    bold = Font(bold=True)
    ws.append([_cell(ws, h, font=bold) for h in headers])
    for n, row in enumerate(rows):
        if n >= MAX_ROWS:
            break
        ws.append([_cell(ws, v) for v in row])
    return _save(wb)


def ledger_bytes(title: str, filters: Sequence[tuple[str, str]], headers: Sequence[str],
                 rows: Iterable[Sequence[object]], *, sheet: str = "台账") -> bytes:
    """A ledger: a title, the filters applied, a header row, the rows (money as #,##0.00, dates
    as text), column widths fitted, the header frozen."""
    wb = Workbook()
    ws = wb.active
    ws.title = clean(sheet)[:31] or "台账"
    shown = "；".join(f"{k}：{v}" for k, v in filters) or "全部"
    _append(ws, [title], font=Font(bold=True, size=14))
    _append(ws, [f"筛选条件：{shown}"])
    ws.append([])
    _append(ws, list(headers), font=Font(bold=True), align=Alignment(horizontal="center"))
    header_row = ws.max_row
    widths = [len(h) * 2 + 2 for h in headers]
    for values in rows:
        shown_values = [_ledger_value(v) for v in values]
        _append(ws, shown_values)
        for i, v in enumerate(shown_values):
            widths[i] = min(60, max(widths[i], len(str(v if v is not None else "")) + 2))
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    return _save(wb)


def _append(ws: Worksheet, values: Sequence[object], *, font: Font | None = None,
            align: Alignment | None = None) -> None:
    cells = []
    for value in values:
        cell = Cell(ws)
        set_value(cell, value)
        if font:
            cell.font = font
        if align:
            cell.alignment = align
        cells.append(cell)
    ws.append(cells)


def _ledger_value(value: object) -> Any:
    if isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


Sheet = tuple[str, Sequence[Sequence[object]], Sequence[int], bool]


def sheet_bytes(sheets: Sequence[Sheet]) -> bytes:
    """Several plain sheets (name, rows, column widths, header): with `header` the first row is
    bold and frozen."""
    wb = Workbook(write_only=True)
    for name, rows, widths, header in sheets:
        ws = wb.create_sheet(title=clean(name)[:31])
        if header:
            ws.freeze_panes = "A2"
        for i, width in enumerate(widths):
            ws.column_dimensions[get_column_letter(i + 1)].width = width
        for n, row in enumerate(rows):
            ws.append([_cell(ws, v, Font(bold=True) if header and n == 0 else None)
                       for v in row])
    return _save(wb)


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(filename: str, content: bytes) -> Response:
    """`filename` may be Chinese (RFC 5987); an ASCII fallback is given too."""
    fallback = "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "_" for c in filename)
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})
