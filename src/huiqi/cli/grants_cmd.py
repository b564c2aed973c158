"""`huiqi grants …`: the scheduled tick (容缺 reminders and lapse) and the budget ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import typer
from rich.console import Console
from rich.table import Table

from huiqi.kit.clock import SHANGHAI, Clock, FixedClock
from huiqi.kit.db import default_engine, unit_of_work
from huiqi.kit.errors import HuiqiError

grants_app = typer.Typer(no_args_is_help=True, help="政策兑现：容缺提醒与失效、预算台账")
console = Console()


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"“{text}”不是有效日期，应为 YYYY-MM-DD") from None


@grants_app.command("tick")
def tick(
    on: str | None = typer.Option(None, "--date", help="按此日期（北京时间 09:00）运行，默认现在"),
) -> None:
    """发送容缺补齐提醒、将逾期未补齐的申报置为失效（可重复运行，不会重复提醒）。"""
    from huiqi.grants.tasks import tick as run

    day = _day(on)
    clock: Clock = FixedClock(datetime.combine(day, time(9), SHANGHAI).astimezone(UTC)) \
        if day else Clock()
    with unit_of_work(default_engine()) as db:
        result = run(db, clock)
    console.print(f"已提醒 {result.reminded} 件，逾期失效 {result.lapsed} 件。")


@grants_app.command("budget")
def budget(year: int | None = typer.Option(None, "--year", help="年度，默认今年")) -> None:
    """各政策事项的年度预算、已预留、已批准与剩余。"""
    from huiqi.grants import budget as ledger
    from huiqi.policies import service as policies

    year = year or Clock().today_local().year
    table = Table("政策事项", "年度预算", "已预留", "已批准", "剩余", title=f"预算台账 {year}")
    try:
        with unit_of_work(default_engine()) as db:
            for iv in sorted(policies.published_items(db), key=lambda v: v.item.id):
                v = ledger.view(db, iv.item.id, year, iv.item.budget_per_year)
                table.add_row(f"{iv.item.title}\n[dim]{iv.item.id}[/dim]",
                              "不限额" if v.unlimited else f"{v.total:,.2f}",
                              f"{v.reserved:,.2f}", f"{v.committed:,.2f}",
                              "不限额" if v.remaining is None else f"{v.remaining:,.2f}")
    except HuiqiError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(grants_app, name="grants")


@grants_app.command("verify-payouts")
def verify_payouts(resign: bool = typer.Option(
        False, "--resign", help="密钥轮换：旧密钥签名且校验通过的明细改用当前密钥重签")) -> None:
    """校验每笔兑付明细的完整性校验码（MAC）：金额、收款人、账号被改动的明细会被列出，退出码 1。"""
    from huiqi.grants.payout_integrity import verify_all

    with unit_of_work(default_engine()) as db:
        result = verify_all(db, resign=resign)
    for batch_id, key in result.failed:
        console.print(f"[red]校验失败：批次 {batch_id} 明细 {key}[/red]")
    console.print(f"已校验 {result.checked} 笔，失败 {len(result.failed)} 笔，"
                  f"重签 {result.resigned} 笔。")
    if result.failed:
        raise typer.Exit(1)
