"""Ledgers to Excel: one sheet, a header row, the rows; as a download response.

Strings are always written as text, never as formulas: a value like "=HYPERLINK(…)" typed into a
form must not run when an official opens the export (CSV/Excel injection).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from starlette.responses import Response

from huiqi.kit.clock import to_local

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 1_000_000  # Excel's own limit is 1,048,576


def workbook_bytes(
    title: str, headers: Sequence[str], rows: Iterable[Sequence[object]],
    widths: Sequence[int] | None = None,
) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    for i, width in enumerate(widths or [18] * len(headers)):
        ws.column_dimensions[_col(i)].width = width
    bold = Font(bold=True)
    ws.append([_cell(ws, h, font=bold) for h in headers])
    for n, row in enumerate(rows):
        if n >= MAX_ROWS:
            break
        ws.append([_cell(ws, v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(filename: str, content: bytes) -> Response:
    """`filename` may be Chinese (RFC 5987); an ASCII fallback is given too."""
    fallback = "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "_" for c in filename)
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})


def _cell(ws: Worksheet, value: object, font: Font | None = None) -> WriteOnlyCell:
    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=to_local(value).replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    elif isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, Decimal):  # money: always shown to the fen (33,187.30, not 33187.3)
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "#,##0.00"
    elif isinstance(value, bool | int | float) or value is None:
        cell = WriteOnlyCell(ws, value=value)
    else:
        cell = WriteOnlyCell(ws, value=str(value))
        cell.data_type = "s"  # never a formula
    if font:
        cell.font = font
    return cell


def _col(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
