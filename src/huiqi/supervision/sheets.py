"""Reading an uploaded catalog (.xlsx or UTF-8 .csv) into rows keyed by their Chinese headers,
with the spreadsheet's row numbers, and the per-row report every import returns."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from huiqi.kit.errors import ValidationFailed


class Refused(ValidationFailed):
    """A refused value with a stable code (what an import reports per row, what a form shows
    beside `field`)."""

    def __init__(self, message: str, code: str, field: str | None = None) -> None:
        super().__init__(message, details={"field": field, "code": code})
        self.code = code


class RowError(NamedTuple):
    row: int  # the spreadsheet's row number (the header is row 1)
    message: str
    code: str


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)

    def refuse(self, row: int, exc: Exception) -> None:
        self.errors.append(RowError(row, str(getattr(exc, "message", exc)),
                                    getattr(exc, "code", "invalid")))

    def as_dict(self) -> dict[str, object]:
        return {"imported": self.imported,
                "errors": [{"row": r, "message": m, "code": c} for r, m, c in self.errors]}


def read_rows(data: bytes, filename: str, required: Sequence[str]
              ) -> list[tuple[int, dict[str, str]]]:
    if filename.lower().endswith(".csv"):
        grid = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    else:
        from openpyxl import load_workbook
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:
            raise ValidationFailed("无法读取该文件：请上传 .xlsx 或 UTF-8 编码的 .csv。") from exc
        grid = [[_text(c) for c in r] for r in sheet.iter_rows(values_only=True)]
    if not grid:
        raise ValidationFailed("文件是空的。")
    header = [_text(h) for h in grid[0]]
    missing = [h for h in required if h not in header]
    if missing:
        raise ValidationFailed(f"缺少列：{'、'.join(missing)}（首行应为表头）。")
    rows = []
    for number, line in enumerate(grid[1:], start=2):
        values = {h: _text(v) for h, v in zip(header, line, strict=False) if h}
        if any(values.values()):
            rows.append((number, values))
    return rows


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def parse_date(text: str, label: str) -> date:
    parts = re.split(r"[-/.年月日]", text.strip()[:11])
    try:
        year, month, day = (int(p) for p in parts if p)
        return date(year, month, day)
    except ValueError as exc:
        raise Refused(f"{label}“{text}”不是日期（应为 2026-12-31）", "bad_date") from exc


def split_list(text: str) -> list[str]:
    for sep in ("，", "、", ";", "；", " "):
        text = text.replace(sep, ",")
    return [p for p in (s.strip() for s in text.split(",")) if p]


def pick(values: Mapping[str, str], *names: str) -> str:
    for name in names:
        if values.get(name):
            return values[name]
    return ""
