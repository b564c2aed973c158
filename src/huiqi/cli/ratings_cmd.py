"""`huiqi ratings …`: the 好差评 figures in the terminal or as Excel, feeding appeal return visits
in as ratings, an SMS invitation link. They act as the office ("营商办（命令行）")."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from huiqi.cli.actors import office_actor
from huiqi.kit.clock import Clock
from huiqi.kit.db import default_engine, unit_of_work
from huiqi.kit.errors import HuiqiError
from huiqi.kit.excel import ledger_bytes
from huiqi.kit.security import secret_from_file
from huiqi.kit.settings import get_settings

ratings_app = typer.Typer(no_args_is_help=True,
                          help="好差评：统计、导出、诉求回访转评价、短信评价链接")
console = Console()



def _period(start: str | None, end: str | None) -> tuple[date, date]:
    try:
        last = date.fromisoformat(end) if end else Clock().today_local()
        first = date.fromisoformat(start) if start else last - timedelta(days=89)
    except ValueError as exc:
        raise typer.BadParameter(f"日期应为 YYYY-MM-DD：{exc}") from None
    return first, last


def _report(start: str | None, end: str | None, by: str) -> object:
    from huiqi.ratings import service

    first, last = _period(start, end)
    with unit_of_work(default_engine()) as db:
        try:
            return service.report(db, office_actor(), first, last, by)
        except HuiqiError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(1) from None


START = typer.Option(None, "--start", help="评价日期自（含），默认 90 天前")
END = typer.Option(None, "--end", help="评价日期至（含），默认今天")
BY = typer.Option("department", "--by", help="分组：department item window staff channel month")


@ratings_app.command("stats")
def stats(start: str | None = START, end: str | None = END, by: str = BY) -> None:
    """好评率与差评“三个100%”（核实率、整改率、回访率），合计与分组。"""
    from huiqi.ratings.views_stats import HEADERS, _row

    r = _report(start, end, by)
    table = Table(title=f"好差评统计 {r.start} 至 {r.end}")  # type: ignore[attr-defined]
    for h in HEADERS:
        table.add_column(h)
    label = {"department": "部门", "item": "事项", "window": "窗口", "staff": "工作人员",
             "channel": "渠道", "month": "月份"}[by]
    rows = [_row("合计", "", r.overall)]  # type: ignore[attr-defined]
    rows += [_row(label, k, f) for k, f in r.groups.items()]  # type: ignore[attr-defined]
    for row in rows:
        table.add_row(*[str(v) for v in row])
    console.print(table)


@ratings_app.command("export")
def export(target: Path, start: str | None = START, end: str | None = END, by: str = BY) -> None:
    """把统计写成 Excel（与统计页导出相同）。"""
    from huiqi.ratings.views_stats import HEADERS, _row

    r = _report(start, end, by)
    rows = [_row("合计", f"{r.start} 至 {r.end}", r.overall)]  # type: ignore[attr-defined]
    rows += [_row(by, k, f) for k, f in r.groups.items()]  # type: ignore[attr-defined]
    target.write_bytes(ledger_bytes("好差评统计", [("维度", by)], HEADERS, rows, sheet="统计"))
    console.print(f"已写入 {target}（{len(rows) - 1} 个分组）")


@ratings_app.command("import")
def import_cmd(path: Path) -> None:
    """导入评价（.xlsx 或 .csv）：逐行报告错误，其余照常导入；有错误行时退出码为 1。"""
    from huiqi.ratings import service

    if not path.exists():
        console.print(f"[red]文件不存在：{path}[/red]")
        raise typer.Exit(1)
    with unit_of_work(default_engine()) as db:
        try:
            report = service.import_file(db, office_actor(), path)
        except HuiqiError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(1) from None
    console.print(f"已导入 {report.imported} 条评价。")
    for e in report.errors:
        console.print(f"[red]第 {e.row} 行：{e.reason}（{e.code}）[/red]")
    if report.errors:
        raise typer.Exit(1)


@ratings_app.command("feed-visits")
def feed_visits() -> None:
    """把诉求回访的满意度转为该诉求办件的评价（每个诉求一次；已评价的跳过）。"""
    from huiqi.ratings import service

    with unit_of_work(default_engine()) as db:
        added = service.feed_appeal_visits(db, Clock())
    console.print(f"新增评价 {added} 条（来自诉求回访）。")


@ratings_app.command("invite")
def invite(case_ref: str, department: str,
           case_kind: str = typer.Option("contact", "--kind", help="application appeal contact"),
           item: str | None = typer.Option(None, "--item", help="事项名称"),
           phone: str | None = typer.Option(None, "--phone", help="办事人手机号：发送评价短信"),
           base_url: str = typer.Option("http://127.0.0.1:8000", "--base-url")) -> None:
    """为一个办件生成一次性短信评价链接；给出手机号时经通知发件箱发送短信。"""
    from huiqi.ratings import service

    settings = get_settings()
    secret = settings.secret_key or secret_from_file(settings.data_dir)
    with unit_of_work(default_engine()) as db:
        try:
            _, path = service.invite(db, office_actor(), Clock(), secret, service.InviteIn(
                case_kind, case_ref, department, item_name=item, phone=phone), base_url=base_url)
        except HuiqiError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(1) from None
    console.print(base_url.rstrip("/") + path)


def register(app: typer.Typer) -> None:
    from huiqi.cli.serve_cmd import DEMO_STEPS
    from huiqi.ratings.demo import seed_ratings

    app.add_typer(ratings_app, name="ratings")
    if seed_ratings not in DEMO_STEPS:
        DEMO_STEPS.append(seed_ratings)
