"""The result of a bulk import: counts, every bad row and its reasons, warnings; CSV/XLSX."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path


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
        head: list[object] = ["行号", "列", "值", "原因"]
        return [head] + [[e.row, e.column, e.value, e.reason] for e in self.errors]

    def to_csv(self, path: Path | str) -> Path:
        """The bad rows, one line per problem (UTF-8 with BOM so Excel shows Chinese)."""
        path = Path(path)
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows(self.error_table())
        return path

    def to_xlsx(self, path: Path | str) -> Path:
        """A workbook with a summary sheet and a sheet listing every problem."""
        from openpyxl import Workbook
        from openpyxl.styles import Font

        path = Path(path)
        workbook = Workbook()
        summary = workbook.active
        summary.title = "导入结果"
        for item in self.summary():
            summary.append(list(item))
        summary.column_dimensions["A"].width = 18
        summary.column_dimensions["B"].width = 60
        problems = workbook.create_sheet("问题行")
        for line in self.error_table():
            problems.append(line)
        for cell in problems[1]:
            cell.font = Font(bold=True)
        for column, width in zip("ABCD", (8, 24, 28, 80), strict=True):
            problems.column_dimensions[column].width = width
        problems.freeze_panes = "A2"
        workbook.save(path)
        return path

    def export(self, path: Path | str) -> Path:
        """to_xlsx for .xlsx, to_csv otherwise."""
        return self.to_xlsx(path) if str(path).lower().endswith(".xlsx") else self.to_csv(path)


__all__ = ["ImportReport", "RowError"]
