"""`huiqi report weekly --from --to` (周报 for any period) and `huiqi indicators …` (the
indicator ledger: import the catalog, compute from Huiqi's data, remind departments)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.db import default_engine, unit_of_work
from huiqi.kit.errors import HuiqiError

report_app = typer.Typer(no_args_is_help=True, help="周报：按任意时段生成并保存（Excel 与 PDF）")
indicators_app = typer.Typer(no_args_is_help=True, help="营商环境评价指标台账")
console = Console()


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{option}“{text}”不是有效日期，应为 YYYY-MM-DD") from None


@report_app.command("weekly")
def weekly(
    start: str = typer.Option(..., "--from", help="起始日期（含），YYYY-MM-DD"),
    end: str = typer.Option(..., "--to", help="截止日期（含），YYYY-MM-DD"),
    out: Path | None = typer.Option(None, "--out", help="另存 Excel 和 PDF 到此目录"),
) -> None:
    """生成并保存一份报告（通知营商办），打印主要指标。"""
    from huiqi.insights import service

    first, last = _day(start, "--from"), _day(end, "--to")
    try:
        with unit_of_work(default_engine()) as db:
            row = service.generate_report(db, Actor.system("cli", via="cli"), Clock(), first,
                                          last)
            rid, title, figures, xlsx, pdf = row.id, row.title, row.figures, row.xlsx, row.pdf
    except HuiqiError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"已生成 {title}（编号 {rid}）")
    for f in figures["figures"]:
        console.print(f"  {f['label']}：{f['value']} {f['unit']}（上期 {f['previous']}，"
                      f"{f['change']}）")
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"weekly-report-{rid}.xlsx").write_bytes(xlsx)
        (out / f"weekly-report-{rid}.pdf").write_bytes(pdf)
        console.print(f"已保存到 {out}")


@indicators_app.command("import")
def import_catalog(path: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """从 Excel 导入指标目录（逐行报告问题，其余照常导入）。"""
    from huiqi.insights import service

    try:
        with unit_of_work(default_engine()) as db:
            report = service.import_catalog(db, Actor.system("cli", via="cli"), Clock(),
                                            path.read_bytes())
    except HuiqiError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"新增 {report.inserted} 项，更新 {report.updated} 项，"
                  f"有问题 {len(report.errors)} 行。")
    for e in report.errors:
        console.print(f"  第 {e.row} 行：{e.reason}（{e.code}）")


@indicators_app.command("compute")
def compute(period: str = typer.Option(..., "--period", help="月份 YYYY-MM")) -> None:
    """按平台业务数据计算该月的自动指标（可重复运行，结果覆盖）。"""
    from huiqi.insights import service

    try:
        chosen = service.parse_period(period)
        with unit_of_work(default_engine()) as db:
            values = service.compute_indicators(db, Clock(), chosen)
    except HuiqiError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    for code, value in values.items():
        console.print(f"  {code}：{'无数据' if value is None else value}")


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
    app.add_typer(indicators_app, name="indicators")
