"""`huiqi liaison import-assignments FILE` imports a 包联 list (columns 统一社会信用代码,
包联干部账号, 层级代码) like the office's page: good rows imported, every bad row reported by its
row number (exit 1 if any). It acts as the office ("营商办（命令行）")."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from huiqi.cli.actors import office_actor
from huiqi.kit.clock import Clock
from huiqi.kit.db import default_engine, unit_of_work
from huiqi.kit.errors import HuiqiError

liaison_app = typer.Typer(no_args_is_help=True, help="包联：名单导入")
console = Console()



@liaison_app.command("import-assignments")
def import_assignments(file: Path = typer.Argument(..., metavar="FILE", exists=True,
                                                   dir_okay=False,
                                                   help="包联名单 .xlsx 或 .csv（首行为列名）")
                       ) -> None:
    """导入包联名单：正确的行导入，已存在的跳过，错误行逐行报告（有则退出码 1）。"""
    from huiqi.liaison import service

    try:
        with unit_of_work(default_engine()) as db:
            report = service.import_file(db, office_actor(), Clock(), file.name, file.read_bytes())
    except HuiqiError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"导入 {report.imported} 行，已存在 {report.unchanged} 行，"
                  f"有误 {len(report.errors)} 行。")
    for e in report.errors:
        console.print(f"[red]第 {e.row} 行：{e.reason}（{e.code}）[/red]")
    if report.errors:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(liaison_app, name="liaison")
