"""`huiqi tick` (every scheduled tick: appeals deadlines and reminders, grants 容缺) and
`huiqi appeals tick` (the appeals one alone). Both are idempotent: run them as often as you like."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import typer
from rich.console import Console

from huiqi.kit.clock import SHANGHAI, Clock, FixedClock
from huiqi.kit.db import default_engine, unit_of_work

appeals_app = typer.Typer(no_args_is_help=True, help="诉求：时限提醒与超期标记")
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
    name = {"huiqi.appeals.tasks:tick": "诉求", "huiqi.grants.tasks:tick": "政策兑现"}.get(
        target, target)
    if isinstance(result, Exception):
        return f"[red]{name}：运行失败：{result}[/red]"
    reminded, other = getattr(result, "reminded", 0), getattr(result, "overdue", None)
    if other is None:
        other_text = f"逾期失效 {getattr(result, 'lapsed', 0)} 件"
    else:
        other_text = f"新标记超期 {other} 件"
    return f"{name}：已提醒 {reminded} 件，{other_text}。"


def tick_cmd(on: str | None = typer.Option(None, "--date", help=DATE_HELP)) -> None:
    """运行全部定时任务：诉求到期提醒与超期标记、容缺补齐提醒与失效（可重复运行，不会重复提醒）。"""
    from huiqi.kit.scheduler import TICKS, run_ticks

    results = run_ticks(default_engine(), _clock(on), TICKS)
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


def register(app: typer.Typer) -> None:
    app.command("tick")(tick_cmd)
    app.add_typer(appeals_app, name="appeals")
