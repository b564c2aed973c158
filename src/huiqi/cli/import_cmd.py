"""`huiqi import enterprises FILE`: bulk import of enterprises (CSV, XLSX, Parquet).

Exit codes: 0 when the file was read (bad rows are reported, the good ones imported), 2 when the
file itself cannot be read.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from huiqi.kit.db import default_engine, unit_of_work
from huiqi.kit.db_schema import ensure_schema
from huiqi.registry import service
from huiqi.registry.reader import ImportFileError
from huiqi.registry.report import ImportReport

SHOWN_ERRORS = 200
import_app = typer.Typer(no_args_is_help=True, help="批量导入数据")


def _print_report(console: Console, report: ImportReport, report_path: Path | None) -> None:
    summary = Table(title="导入结果", show_header=False)
    summary.add_column("项目", style="bold")
    summary.add_column("数量")
    for key, value in report.summary():
        summary.add_row(key, value)
    console.print(summary)
    if not report.errors:
        return
    problems = Table(title=f"问题行（共 {len(report.bad_rows)} 行，未导入）")
    for column in ("行号", "列", "值", "原因", "错误代码"):
        problems.add_column(column, overflow="fold")
    for error in report.errors[:SHOWN_ERRORS]:
        problems.add_row(str(error.row), error.column, error.value, error.reason, error.code)
    console.print(problems)
    if len(report.errors) > SHOWN_ERRORS:
        hint = f"完整列表见 {report_path}" if report_path else "用 --report 导出完整列表"
        console.print(f"仅显示前 {SHOWN_ERRORS} 条问题，共 {len(report.errors)} 条；{hint}。")


@import_app.command("enterprises")
def import_enterprises_cmd(
    file: Path = typer.Argument(
        ..., help="CSV（UTF-8 或 GBK）、XLSX（第一个工作表）或 Parquet 文件；表头用字段名或"
                  "中文名称，可带单位：（元）（万元）（亿元）（人）（%）"),
    report: Path | None = typer.Option(None, "--report", help="把问题行导出为 .xlsx 或 .csv"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只校验，不写入数据库"),
    header_row: int | None = typer.Option(
        None, "--header-row", help="表头所在行号（默认自动查找，跳过上方的标题行）"),
) -> None:
    """导入企业名录：按统一社会信用代码新增或更新；表头可用字段名或中文名称。"""
    console = Console()
    engine = default_engine()
    ensure_schema(engine)
    try:
        with unit_of_work(engine) as session, Progress(
            TextColumn("[bold]导入"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True,
        ) as bar:
            task = bar.add_task("import", total=None)
            result = service.import_enterprises(
                session, file, progress=lambda done, total: bar.update(task, completed=done,
                                                                       total=total),
                dry_run=dry_run, header_row=header_row)
    except ImportFileError as exc:
        console.print(f"[red]无法导入：{exc}[/red]")
        raise typer.Exit(2) from None
    if report is not None:
        result.export(report)
    _print_report(console, result, report)
    if report is not None:
        console.print(f"问题清单已导出：{report}")


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
