"""`huiqi projects import FILE` registers investment projects from Excel or CSV like the office's
page (good rows imported, every bad row reported; exit 1 if any); `huiqi projects tick` runs the
countdown reminders and escalations; `huiqi projects templates` checks and lists the step
templates. They act as the office ("营商办（命令行）")."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from huiqi.kit.clock import Clock
from huiqi.kit.db import default_engine, unit_of_work
from huiqi.kit.errors import HuiqiError

projects_app = typer.Typer(no_args_is_help=True,
                           help="招商项目代办：导入项目、倒计时提醒与升级、环节模板")
console = Console()


@projects_app.command("import")
def import_projects(file: Path = typer.Argument(..., metavar="FILE", exists=True, dir_okay=False,
                                                help="招商项目 .xlsx 或 .csv（首行为列名）"),
                    rejects: Path | None = typer.Option(
                        None, "--rejects", dir_okay=False,
                        help="把出错的行连同错误原因写入此 .xlsx 文件，改正后可重新导入")
                    ) -> None:
    """导入招商项目：正确的行导入并生成倒计时作战表，错误行逐行报告（有则退出码 1）。"""
    from huiqi.cli.actors import office_actor
    from huiqi.projects import service

    try:
        with unit_of_work(default_engine()) as db:
            result = service.import_file(db, office_actor(), Clock(), file.name, file.read_bytes())
    except HuiqiError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"{file.name}：共 {result.total} 行，已导入 {len(result.imported)} 个项目，"
                  f"错误 {len(result.errors)} 行。")
    for error in result.errors:
        console.print(f"[red]第 {error.row} 行：{error.reason}（{error.code}）[/red]",
                      highlight=False)
    if rejects is not None and result.errors:
        rejects.write_bytes(result.errors_xlsx())
        console.print(f"出错的行及错误原因已写入 {rejects}", highlight=False)
    if result.errors:
        console.print("请改正以上各行后重新导入该文件：已导入的项目会按名称识别为已登记。")
        raise typer.Exit(1)


@projects_app.command("tick")
def projects_tick(on: str | None = typer.Option(None, "--date", help="按此日期运行，默认现在")
                  ) -> None:
    """环节剩余 1 个工作日提醒代办员；超期升级牵头领导；周五起提醒未填周进度的代办员。"""
    from huiqi.cli.appeals_cmd import _clock
    from huiqi.projects.tasks import tick

    with unit_of_work(default_engine()) as db:
        result = tick(db, _clock(on))
    console.print(f"招商项目：{result.describe()}")


@projects_app.command("templates")
def show_templates() -> None:
    """检查并列出环节模板（数据目录中的 project_templates.yaml 优先）。"""
    from huiqi.kit.settings import get_settings
    from huiqi.projects import templates

    try:
        types = templates.load(get_settings().data_dir)
    except HuiqiError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"模板文件：{templates.path_for(get_settings().data_dir)}")
    for key, t in types.items():
        table = Table(title=f"{t.label}（{key}）")
        for column in ("环节", "责任部门", "时限（工作日）", "前序环节"):
            table.add_column(column)
        for st in t.steps:
            table.add_row(st.name, st.department, str(st.workdays), "、".join(st.after) or "—")
        console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(projects_app, name="projects")
