"""`huiqi user …` and `huiqi department …`: accounts from the command line."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from huiqi.auth import mfa, service
from huiqi.auth import repository as repo
from huiqi.cli.actors import system_actor
from huiqi.kit.clock import Clock, to_local
from huiqi.kit.db import default_engine, unit_of_work
from huiqi.kit.errors import HuiqiError
from huiqi.kit.security import generate_password
from huiqi.models.user import ROLE_LABELS, Role

user_app = typer.Typer(no_args_is_help=True, help="账号管理")
department_app = typer.Typer(no_args_is_help=True, help="部门管理")
console = Console()



def _fail(exc: HuiqiError) -> typer.Exit:
    console.print(f"[red]{exc.message}[/red]")
    return typer.Exit(1)


def _password(generate: bool) -> tuple[str, bool]:
    if generate:
        return generate_password(), True
    return typer.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码"), False


@user_app.command("create")
def create(
    username: str = typer.Option(..., "--username", help="登录名"),
    role: Role = typer.Option(..., "--role", help="角色"),
    display_name: str = typer.Option("", "--display-name", help="显示名称（默认同用户名）"),
    department: str | None = typer.Option(None, "--department", help="部门代码（部门经办人必填）"),
    uscc: str | None = typer.Option(None, "--uscc", help="统一社会信用代码（企业账号必填）"),
    generate: bool = typer.Option(False, "--generate-password", help="生成随机密码并显示一次"),
) -> None:
    """创建账号。密码至少 8 位、含三类字符；不给 --generate-password 时交互输入。"""
    password, generated = _password(generate)
    try:
        with unit_of_work(default_engine()) as db:
            service.create_user(db, system_actor(), Clock(), username=username,
                                display_name=display_name or username, role=role,
                                password=password, department_code=department,
                                enterprise_uscc=uscc)
    except HuiqiError as exc:
        raise _fail(exc) from None
    console.print(f"已创建账号 {username}（{ROLE_LABELS[role]}）。")
    if generated:
        console.print(f"初始密码（只显示这一次）：[bold]{password}[/bold]")


@user_app.command("reset-password")
def reset_password(
    username: str = typer.Argument(..., help="登录名"),
    generate: bool = typer.Option(False, "--generate-password", help="生成随机密码并显示一次"),
) -> None:
    """重设密码并解除锁定；该账号所有登录会话失效。"""
    password, generated = _password(generate)
    try:
        with unit_of_work(default_engine()) as db:
            user = repo.user_by_username(db, username)
            if user is None:
                console.print(f"[red]账号“{username}”不存在。[/red]")
                raise typer.Exit(1)
            service.set_password(db, system_actor(), Clock(), user, password)
    except HuiqiError as exc:
        raise _fail(exc) from None
    console.print(f"已重设 {username} 的密码。")
    if generated:
        console.print(f"新密码（只显示这一次）：[bold]{password}[/bold]")


@user_app.command("reset-mfa")
def reset_mfa(username: str = typer.Argument(..., help="登录名")) -> None:
    """清除账号的第二步验证（手机丢失时）；下次登录时重新绑定。"""
    with unit_of_work(default_engine()) as db:
        user = repo.user_by_username(db, username)
        if user is None:
            console.print(f"[red]账号“{username}”不存在。[/red]")
            raise typer.Exit(1)
        mfa.reset(db, system_actor(), user)
    console.print(f"已清除 {username} 的第二步验证，下次登录时重新绑定。")


@user_app.command("otp")
def otp(username: str = typer.Argument(..., help="登录名")) -> None:
    """显示账号当前的动态口令（仅供演示环境：读取服务器上保存的密钥）。"""
    with unit_of_work(default_engine()) as db:
        user = repo.user_by_username(db, username)
        secret = mfa.secret_of(user) if user else None
    if not secret:
        console.print(f"[red]账号“{username}”不存在或未启用第二步验证。[/red]")
        raise typer.Exit(1)
    console.print(mfa.code_at(secret, Clock().now()))


@user_app.command("list")
def list_users(role: Role | None = typer.Option(None, "--role", help="只列出该角色")) -> None:
    """列出账号。"""
    with unit_of_work(default_engine()) as db:
        users = repo.users(db, role.value if role else None)
        table = Table("用户名", "名称", "角色", "部门", "企业", "最近登录", "状态")
        for u in users:
            status = "已停用" if not u.is_active else "正常"
            table.add_row(u.username, u.display_name, ROLE_LABELS[Role(u.role)],
                          str(u.department_id or ""), u.enterprise_uscc or "",
                          to_local(u.last_login_at).strftime("%Y-%m-%d %H:%M")
                          if u.last_login_at else "", status)
    console.print(table)


@department_app.command("create")
def create_department(
    code: str = typer.Option(..., "--code", help="部门代码，如 jxw"),
    name: str = typer.Option(..., "--name", help="部门名称，如 区经济和信息化委员会"),
) -> None:
    """创建部门。"""
    try:
        with unit_of_work(default_engine()) as db:
            service.create_department(db, system_actor(), code, name)
    except HuiqiError as exc:
        raise _fail(exc) from None
    console.print(f"已创建部门 {code}：{name}")


@department_app.command("list")
def list_departments() -> None:
    """列出部门。"""
    with unit_of_work(default_engine()) as db:
        table = Table("代码", "名称")
        for d in repo.departments(db):
            table.add_row(d.code, d.name)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(department_app, name="department")
