"""The result of a bulk import: counts, every bad row and its reasons, warnings; CSV/XLSX."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RowError:
    row: int  # as the user sees it: the header is row 1
    column: str  # the header as written in the file
    value: str
    reason: str


@dataclass
class ImportReport:
    source: str
    total_rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # catalog fields read from the file
    unknown_columns: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def imported(self) -> int:
        return self.inserted + self.updated + self.unchanged

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})

    def errors_for(self, row: int) -> list[RowError]:
        return [e for e in self.errors if e.row == row]

    def summary(self) -> list[tuple[str, str]]:
        lines = [("文件", self.source), ("数据行", str(self.total_rows)),
                 ("新增", str(self.inserted)), ("更新", str(self.updated)),
                 ("未变化", str(self.unchanged)), ("问题行（未导入）", str(len(self.bad_rows)))]
        if self.dry_run:
            lines.append(("模式", "试运行，未写入数据库"))
        lines += [("提示", w) for w in self.warnings]
        return lines

    def error_table(self) -> list[list[object]]:
        return error_table(self.errors)

    def to_csv(self, path: Path | str) -> Path:
        """The bad rows, one line per problem (UTF-8 with BOM so Excel shows Chinese)."""
        return errors_to_csv(self.errors, path)

    def to_xlsx(self, path: Path | str) -> Path:
        """A workbook with a summary sheet and a sheet listing every problem."""
        from openpyxl import Workbook

        path = Path(path)
        workbook = Workbook()
        summary = workbook.active
        summary.title = "导入结果"
        for item in self.summary():
            summary.append(list(item))
        summary.column_dimensions["A"].width = 18
        summary.column_dimensions["B"].width = 60
        _problem_sheet(workbook.create_sheet("问题行"), self.errors)
        workbook.save(path)
        return path

    def export(self, path: Path | str) -> Path:
        """to_xlsx for .xlsx, to_csv otherwise."""
        return self.to_xlsx(path) if str(path).lower().endswith(".xlsx") else self.to_csv(path)


def error_table(errors: list[RowError]) -> list[list[object]]:
    head: list[object] = ["行号", "列", "值", "原因"]
    return [head] + [[e.row, e.column, e.value, e.reason] for e in errors]


def errors_to_csv(errors: list[RowError], path: Path | str) -> Path:
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(error_table(errors))
    return path


def _problem_sheet(sheet: Any, errors: list[RowError]) -> None:
    from openpyxl.styles import Font

    for line in error_table(errors):
        sheet.append(line)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCD", (8, 24, 28, 80), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"


def export_errors(errors: list[RowError], path: Path | str) -> Path:
    """The problems alone (行号, 列, 值, 原因): .xlsx for .xlsx, CSV (UTF-8 with BOM) otherwise."""
    path = Path(path)
    if not str(path).lower().endswith(".xlsx"):
        return errors_to_csv(errors, path)
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "问题行"
    _problem_sheet(sheet, errors)
    workbook.save(path)
    return path


__all__ = ["ImportReport", "RowError", "error_table", "errors_to_csv", "export_errors"]
