"""`huiqi tick` (every scheduled tick: appeals deadlines and reminders, grants 容缺) and
`huiqi appeals tick` (the appeals one alone). Both are idempotent: run them as often as you like.

`huiqi appeals import-12345 FILE` imports 12345 hotline transfers like the office's page (good rows
kept, every bad row reported; exit 1 if any); `huiqi appeals categories` lists the categories and
`huiqi appeals category-set CODE …` creates or changes one. They act as the office
("营商办（命令行）"), so the audit log names the command line and the operating-system user."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import typer
from rich.console import Console

from huiqi.cli.actors import office_actor
from huiqi.kit.clock import SHANGHAI, Clock, FixedClock
from huiqi.kit.db import default_engine, unit_of_work
from huiqi.kit.errors import HuiqiError

appeals_app = typer.Typer(no_args_is_help=True,
                          help="诉求：时限提醒与超期标记、12345 工单导入、诉求类别")
console = Console()
DATE_HELP = "按此日期（北京时间 09:00）运行，默认现在"


def _clock(on: str | None) -> Clock:
    if not on:
        return Clock()
    try:
        day = date.fromisoformat(on)
    except ValueError:
        raise typer.BadParameter(f"“{on}”不是有效日期，应为 YYYY-MM-DD") from None
    return FixedClock(datetime.combine(day, time(9), SHANGHAI).astimezone(UTC))


def _describe(target: str, result: object) -> str:
    name = {"huiqi.appeals.tasks:tick": "诉求", "huiqi.grants.tasks:tick": "政策兑现",
            "huiqi.projects.tasks:tick": "招商项目"}.get(
        target, target)
    if isinstance(result, Exception):
        return f"[red]{name}：运行失败：{result}[/red]"
    if target == "huiqi.ratings.tasks:tick":
        return (f"好差评：诉求回访转为评价 {getattr(result, 'fed', 0)} 条，"
                f"新标记超期差评 {getattr(result, 'overdue', 0)} 件。")
    if hasattr(result, "describe"):  # a tick that words its own figures
        return f"{name}：{result.describe()}"
    reminded, other = getattr(result, "reminded", 0), getattr(result, "overdue", None)
    if other is None:
        other_text = f"逾期失效 {getattr(result, 'lapsed', 0)} 件"
    else:
        other_text = f"新标记超期 {other} 件"
    return f"{name}：已提醒 {reminded} 件，{other_text}。"


def tick_cmd(on: str | None = typer.Option(None, "--date", help=DATE_HELP)) -> None:
    """运行全部定时任务：诉求到期提醒与超期标记、容缺补齐提醒与失效（可重复运行，不会重复提醒）。"""
    from huiqi.kit.scheduler import domain_ticks, run_ticks

    results = run_ticks(default_engine(), _clock(on), domain_ticks("huiqi"))
    for target, result in results.items():
        console.print(_describe(target, result))
    if any(isinstance(r, Exception) for r in results.values()):
        raise typer.Exit(1)


@appeals_app.command("tick")
def appeals_tick(on: str | None = typer.Option(None, "--date", help=DATE_HELP)) -> None:
    """诉求签收/办结时限：剩余 1 个工作日提醒承办部门，超期标记并提醒承办部门和营商办。"""
    from huiqi.appeals.tasks import tick

    with unit_of_work(default_engine()) as db:
        result = tick(db, _clock(on))
    console.print(_describe("huiqi.appeals.tasks:tick", result))



def _fail(exc: HuiqiError) -> typer.Exit:
    console.print(f"[red]{exc.message}[/red]")
    return typer.Exit(1)


@appeals_app.command("import-12345")
def import_12345(file: Path = typer.Argument(..., metavar="FILE", exists=True, dir_okay=False,
                                             help="12345 转办工单 .xlsx 或 .csv（首行为列名）")
                 ) -> None:
    """导入 12345 热线转办工单：正确的行导入，重复工单跳过，错误行逐行报告（有则退出码 1）。"""
    from huiqi.appeals import service

    try:
        with unit_of_work(default_engine()) as db:
            result = service.import_hotline(db, office_actor(), Clock(), file.name,
                                            file.read_bytes())
            batch_id, rows = result.batch.id, result.batch.total_rows
    except HuiqiError as exc:
        raise _fail(exc) from None
    console.print(f"{file.name}：共 {rows} 行，已导入 {len(result.imported)} 条，"
                  f"重复跳过 {len(result.duplicates)} 条，错误 {len(result.errors)} 行"
                  f"（导入批次 #{batch_id}）。")
    if result.duplicates:
        console.print("重复工单：" + "、".join(result.duplicates), highlight=False)
    for error in result.errors:
        console.print(f"[red]第 {error.row} 行：{error.reason}[/red]", highlight=False)
    if result.errors:
        console.print("请改正以上各行后重新导入该文件：已导入的工单会作为重复跳过。")
        raise typer.Exit(1)


@appeals_app.command("categories")
def list_categories() -> None:
    """列出诉求类别及其时限规则（工作日）和常用承办部门。"""
    from huiqi.appeals import categories, repository

    with unit_of_work(default_engine()) as db:
        names = dict(repository.department_codes(db))
        lines = [f"{c.code}\t{c.name}\t签收 {c.sign_within_workdays} 个工作日\t"
                 f"办结 {c.resolve_within_workdays} 个工作日\t常用部门："
                 f"{'、'.join(names.get(d, d) for d in c.usual_departments) or '—'}\t"
                 f"{'启用' if c.active else '停用'}"
                 for c in categories.list_categories(db, active_only=False)]
    if not lines:
        console.print("尚未设置诉求类别：用 huiqi appeals category-set CODE --name 名称 "
                      "--sign 1 --resolve 5 新建。")
        return
    for line in lines:  # one line per category, never truncated, easy to grep
        typer.echo(line)


def _split(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    parts = (p.strip() for v in values for p in v.replace("、", ",").replace("，", ",").split(","))
    return [p for p in parts if p]


@appeals_app.command("category-set")
def category_set(
    code: str = typer.Argument(..., metavar="CODE", help="类别代码，如 labour"),
    sign: int | None = typer.Option(None, "--sign", help="签收时限（工作日）"),
    resolve: int | None = typer.Option(None, "--resolve", help="办结时限（工作日）"),
    departments: list[str] | None = typer.Option(
        None, "--departments", help="常用承办部门（代码或名称，逗号分隔或重复给出）"),
    name: str | None = typer.Option(None, "--name", help="类别名称（新建时必填）"),
    active: bool | None = typer.Option(None, "--active/--inactive", help="启用或停用"),
) -> None:
    """新建或修改诉求类别的时限规则和常用部门；已交办诉求的时限不变。"""
    from huiqi.appeals import categories

    depts = _split(departments)
    try:
        with unit_of_work(default_engine()) as db:
            row = next((c for c in categories.list_categories(db, active_only=False)
                        if c.code == code), None)
            if row is None:
                if not name or sign is None or resolve is None:
                    raise typer.BadParameter(
                        f"类别「{code}」不存在；新建时请给出 --name、--sign 和 --resolve。")
                row = categories.create_category(
                    db, office_actor(), Clock(), code=code, name=name, sign_within_workdays=sign,
                    resolve_within_workdays=resolve, usual_departments=depts or [])
                verb = "已新建"
            else:
                row = categories.update_category(
                    db, office_actor(), Clock(), row.id, name=name, sign_within_workdays=sign,
                    resolve_within_workdays=resolve, usual_departments=depts, active=active)
                verb = "已修改"
            said = (f"{verb}类别 {row.code}「{row.name}」：签收 {row.sign_within_workdays} 个"
                    f"工作日，办结 {row.resolve_within_workdays} 个工作日，常用部门 "
                    f"{'、'.join(row.usual_departments) or '—'}"
                    f"{'' if row.active else '（已停用）'}。")
    except HuiqiError as exc:
        raise _fail(exc) from None
    console.print(said, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("tick")(tick_cmd)
    app.add_typer(appeals_app, name="appeals")
