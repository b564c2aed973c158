"""The result of a bulk import: counts, every bad row and its reasons, warnings; CSV/XLSX."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

WIDTHS = (8, 24, 28, 80, 24)  # the error sheet's columns


@dataclass(frozen=True)
class RowError:
    row: int  # as the user sees it: the header is row 1
    column: str  # the header as written in the file
    value: str
    reason: str  # in Chinese, for a person
    code: str = "invalid"  # stable, in English, for the API and tests (invalid_<field>, …)


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
        from huiqi.kit import excel

        path = Path(path)
        path.write_bytes(excel.sheet_bytes([
            ("导入结果", [list(item) for item in self.summary()], (18, 60), False),
            ("问题行", self.error_table(), WIDTHS, True),
        ]))
        return path

    def export(self, path: Path | str) -> Path:
        """to_xlsx for .xlsx, to_csv otherwise."""
        return self.to_xlsx(path) if str(path).lower().endswith(".xlsx") else self.to_csv(path)


def error_table(errors: list[RowError]) -> list[list[object]]:
    head: list[object] = ["行号", "列", "值", "原因", "错误代码"]
    return [head] + [[e.row, e.column, e.value, e.reason, e.code] for e in errors]


def errors_to_csv(errors: list[RowError], path: Path | str) -> Path:
    from huiqi.kit import excel

    return excel.write_csv(path, error_table(errors))


def export_errors(errors: list[RowError], path: Path | str) -> Path:
    """The problems alone (行号, 列, 值, 原因, 错误代码): .xlsx for .xlsx, CSV (UTF-8 with BOM)
    otherwise."""
    from huiqi.kit import excel

    path = Path(path)
    if not str(path).lower().endswith(".xlsx"):
        return errors_to_csv(errors, path)
    path.write_bytes(excel.sheet_bytes([("问题行", error_table(errors), WIDTHS, True)]))
    return path


__all__ = ["ImportReport", "RowError", "error_table", "errors_to_csv", "export_errors"]
