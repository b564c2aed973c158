"""`huiqi notify deliver`: send what the outbox still holds (after a crash, or from cron)."""

from __future__ import annotations

import typer
from rich.console import Console

from huiqi.kit.db import default_engine
from huiqi.notify.service import deliver

notify_app = typer.Typer(no_args_is_help=True, help="消息通知")


@notify_app.command("deliver")
def deliver_cmd() -> None:
    """投递发件箱中待发送的通知（站内信；以后的短信、邮件）。"""
    sent = deliver(default_engine())
    Console().print(f"已投递 {sent} 条通知。")


def register(app: typer.Typer) -> None:
    app.add_typer(notify_app, name="notify")
