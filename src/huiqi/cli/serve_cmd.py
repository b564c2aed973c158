"""`huiqi serve`, `huiqi migrate` and `huiqi demo-up`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import typer
import uvicorn
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from huiqi.kit.db import make_engine
from huiqi.kit.migrate import current_revision, migrate
from huiqi.kit.settings import get_settings
from huiqi.kit.workers import serve

if TYPE_CHECKING:
    from huiqi.auth.demo import DemoLogin

# Steps `demo-up` runs after migrating and before creating the demo accounts, in order: loading
# policies, demo enterprises, matching… Each takes the engine and a console for progress.
# A step may return keyword arguments for the demo accounts (enterprise_uscc=…, department_code=…).
DemoStep = Callable[[Engine, Console], dict[str, str] | None]
DEMO_STEPS: list[DemoStep] = []


def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="端口"),
    workers: int = typer.Option(1, "--workers", min=1, help="工作进程数"),
) -> None:
    """启动惠企 Web 服务（数据库见 HUIQI_DATABASE_URL，先运行 huiqi migrate）。
    在反向代理之后：用 HUIQI_TRUSTED_PROXIES 列出代理的地址，只信任它们转发的来源 IP 和 https。"""
    # uvicorn's own proxy handling stays off: huiqi.kit.proxies honours forwarded headers from
    # the configured proxies only (uvicorn's "*" would let anyone forge the source address).
    serve("huiqi.app:create_app", host=host, port=port, workers=workers,
          proxy_headers=False, forwarded_allow_ips=None)


def migrate_cmd() -> None:
    """把数据库升级到最新结构（Alembic upgrade head）。"""
    engine = make_engine(get_settings().database_url)
    try:
        migrate(engine)
        Console().print(f"数据库已是最新结构（版本 {current_revision(engine)}）。")
    finally:
        engine.dispose()


def demo_up_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="端口"),
) -> None:
    """演示环境：升级数据库、准备演示数据和每个角色的演示账号（打印密码），然后启动服务。"""
    from huiqi.app import create_app
    from huiqi.auth.demo import ensure_demo_accounts

    console, settings = Console(), get_settings()
    engine = make_engine(settings.database_url)
    with console.status("升级数据库结构…"):
        migrate(engine)
    account_options: dict[str, str] = {}
    for step in DEMO_STEPS:
        account_options.update(step(engine, console) or {})
    logins = ensure_demo_accounts(engine, **account_options)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"  # noqa: S104
    console.print(demo_logins_table(logins))
    console.print("营商办、财政局经办人和管理员账号须第二步验证：把“动态口令密钥”加入手机的身份验证器，"
                  "或运行 [bold]huiqi user otp 用户名[/bold] 查看当前口令。")
    console.print(f"惠企已启动：[bold]{url}[/bold]  （数据库：{_safe_url(settings.database_url)}）")
    uvicorn.run(create_app(settings, engine), host=host, port=port, log_level="warning")


def demo_logins_table(logins: list[DemoLogin]) -> Table:
    """The demo logins grouped by role (a section per role, the role named once)."""
    table = Table(title="演示账号（仅限演示环境，每次启动重新生成密码）")
    for column in ("角色", "用户名", "密码", "说明", "动态口令密钥（TOTP）"):
        table.add_column(column)
    for n, login in enumerate(logins):
        first = n == 0 or logins[n - 1].role is not login.role
        last = n == len(logins) - 1 or logins[n + 1].role is not login.role
        table.add_row(login.role_label if first else "", login.username, login.password,
                      login.note or login.display_name, login.totp_secret or "—",
                      end_section=last)
    return table


def _safe_url(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)
    app.command("migrate")(migrate_cmd)
    app.command("demo-up")(demo_up_cmd)
