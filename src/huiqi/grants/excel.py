"""One way to write a ledger to Excel: a title, the filters applied, a header row, the rows.

Text cells are always written as text, so a value such as "=HYPERLINK(…)" in an enterprise name
can never become a formula in the bank's or the office's spreadsheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from huiqi.kit.clock import to_local

MONEY_FORMAT = "#,##0.00"


def workbook(title: str, filters: Sequence[tuple[str, str]], headers: Sequence[str],
             rows: Iterable[Sequence[object]], *, sheet: str = "台账") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    shown = "；".join(f"{k}：{v}" for k, v in filters) or "全部"
    ws.append([f"筛选条件：{shown}"])
    ws.append([])
    ws.append(list(headers))
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    widths = [len(h) * 2 + 2 for h in headers]
    for values in rows:
        ws.append([_value(v) for v in values])
        for i, cell in enumerate(ws[ws.max_row]):
            if isinstance(values[i], str):
                cell.data_type = "s"
            elif isinstance(values[i], Decimal):
                cell.number_format = MONEY_FORMAT
            widths[i] = min(60, max(widths[i], len(str(values[i] or "")) + 2))
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _value(value: object) -> object:
    if isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value
