"""`huiqi security rotate-key`: re-seal personal data under the current field key;
`huiqi backup` / `huiqi restore`: the database and the uploads, checksummed, optionally
encrypted (huiqi.security.backup)."""

from __future__ import annotations

import getpass

import typer
from rich.console import Console

from huiqi.auth.actor import Actor
from huiqi.kit import fieldcrypt
from huiqi.kit.db import default_engine, unit_of_work
from huiqi.security import service

security_app = typer.Typer(no_args_is_help=True, help="安全管理：个人信息加密密钥轮换")
console = Console()


def _actor() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor.system(f"cli:{who}"[:64], via="cli")


@security_app.command("rotate-key")
def rotate_key(execute: bool = typer.Option(
        False, "--execute", help="实际执行（默认只统计需要重新加密的数量）")) -> None:
    """用 HUIQI_FIELD_KEYS 的第一个密钥重新加密全部个人信息字段（旧密钥须仍在列表中）。"""
    current = fieldcrypt.keyring().current
    with unit_of_work(default_engine()) as db:
        if not execute:
            todo = service.pending_rotation(db)
            for column, count in todo.items():
                console.print(f"  {column}：{count} 个值需要用密钥 {current} 重新加密")
            console.print(f"合计 {sum(todo.values())} 个。加 --execute 执行。")
            return
        done = service.rotate_keys(db, _actor())
    for column, count in done.changed.items():
        console.print(f"  {column}：重新加密 {count} 个")
    console.print(f"已检查 {done.checked} 个值，重新加密 {done.total} 个，当前密钥 {done.key_id}。"
                  "确认无误后可从 HUIQI_FIELD_KEYS 中去掉旧密钥。")


def register(app: typer.Typer) -> None:
    app.add_typer(security_app, name="security")
