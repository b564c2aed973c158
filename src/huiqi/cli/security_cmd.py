"""`huiqi security rotate-key`: re-seal personal data under the current field key;
`huiqi backup` / `huiqi restore`: the database and the uploads, checksummed, optionally
encrypted (huiqi.security.backup)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from huiqi.audit import chain
from huiqi.cli.actors import system_actor
from huiqi.kit import fieldcrypt
from huiqi.kit.clock import Clock
from huiqi.kit.db import default_engine, make_engine, unit_of_work
from huiqi.kit.settings import get_settings
from huiqi.security import backup as backups
from huiqi.security import dumps, sealing, service
from huiqi.security import restore as restores

security_app = typer.Typer(no_args_is_help=True, help="安全管理：个人信息加密密钥轮换")
console = Console()



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
        done = service.rotate_keys(db, system_actor())
    for column, count in done.changed.items():
        console.print(f"  {column}：重新加密 {count} 个")
    console.print(f"已检查 {done.checked} 个值，重新加密 {done.total} 个，当前密钥 {done.key_id}。"
                  "确认无误后可从 HUIQI_FIELD_KEYS 中去掉旧密钥。")


@security_app.command("app-role-sql")
def app_role_sql(role: str = typer.Argument(..., help="应用连接数据库所用的角色名")) -> None:
    """PostgreSQL：打印授权语句——应用角色对审计日志只有 INSERT/SELECT（由表所有者执行）。"""
    from huiqi.security.repository import app_role_grants

    with default_engine().connect() as conn:
        for statement in app_role_grants(conn, role):
            typer.echo(f"{statement};")


@security_app.command("anonymise")
def anonymise() -> None:
    """将超过保存期限的个人信息匿名化（依据个人信息数据字典；定时任务也会执行）。"""
    from huiqi.security import anonymise as job

    with unit_of_work(default_engine()) as db:
        counts = job.run(db, Clock().now(), system_actor())
    for column, count in counts.items():
        console.print(f"  {column}：匿名化 {count} 条")
    console.print(f"合计匿名化 {sum(counts.values())} 条。")


def backup(
    out: Path | None = typer.Option(None, "--out", help="备份目录（默认 数据目录/backups）"),
    encrypt: bool = typer.Option(False, "--encrypt", help="用 HUIQI_BACKUP_KEY 或 "
                                 "HUIQI_BACKUP_PASSPHRASE 加密（AES-256-GCM）"),
) -> None:
    """备份数据库（在线一致快照）和上传文件，附 SHA-256 清单；可加密。个人信息加密密钥不在其中。"""
    settings = get_settings()
    try:
        done = backups.backup(settings.database_url, settings.uploads_dir,
                              out or settings.data_dir / "backups", Clock().now(), encrypt=encrypt)
    except (dumps.DumpError, sealing.SealError) as exc:
        console.print(f"[red]备份失败：{exc}[/red]")
        raise typer.Exit(1) from None
    m = done.manifest
    rows = sum(int(t["rows"]) for t in m["tables"].values())
    sealed = "（已加密）" if done.encrypted else ""
    console.print(f"已备份到 {done.path}{sealed}：{len(m['tables'])} 张表 {rows} 行，"
                  f"上传文件 {len(m['uploads'])} 个，数据库版本 {m['schema_revision']}。")


def restore(archive: Path = typer.Argument(..., help="huiqi backup 生成的备份文件")) -> None:
    """把备份恢复到空实例（HUIQI_DATABASE_URL 指向的空数据库、空的上传目录），逐表逐文件校验。"""
    settings = get_settings()
    try:
        done = restores.restore(archive, settings.database_url, settings.uploads_dir)
    except (restores.RestoreRefused, sealing.SealError) as exc:
        console.print(f"[red]未恢复：{exc}[/red]")
        raise typer.Exit(1) from None
    except (restores.RestoreFailed, dumps.DumpError) as exc:
        console.print(f"[red]恢复失败：{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"已恢复 {done.tables} 张表 {done.rows} 行、上传文件 {done.files} 个，"
                  "与备份清单逐一核对一致。")
    engine = make_engine(settings.database_url)
    try:
        report = chain.verify(engine, limit=5)
    finally:
        engine.dispose()
    if not report.ok:
        console.print(f"[red]审计日志哈希链校验失败：{len(report.findings)} 处问题。[/red]")
        raise typer.Exit(2)
    console.print(f"审计日志哈希链完整（{report.checked} 条）。"
                  "如代码版本更新，请再运行 huiqi migrate。")


def register(app: typer.Typer) -> None:
    app.add_typer(security_app, name="security")
    app.command("backup")(backup)
    app.command("restore")(restore)
