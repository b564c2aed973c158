"""`huiqi audit verify|archive|purge`: the hash chain and retention of the audit log."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from huiqi.audit import chain, retention
from huiqi.kit.clock import Clock
from huiqi.kit.db import default_engine
from huiqi.kit.settings import get_settings

audit_app = typer.Typer(no_args_is_help=True, help="审计日志：校验哈希链、归档、按保留期清理")
console = Console()


@audit_app.command("verify")
def verify() -> None:
    """逐条校验审计日志的哈希链：发现被改动、删除或调换顺序的记录时退出码为 1。"""
    report = chain.verify(default_engine(), limit=0)
    if report.before_chain:
        console.print(f"启用哈希链之前的记录 {report.before_chain} 条（不参与校验）。")
    if report.ok:
        console.print(f"审计日志完整：已校验 {report.checked} 条，链头 {report.head}。")
        return
    console.print(f"[red]审计日志被篡改：发现 {len(report.findings)} 处问题。[/red]")
    for finding in report.findings:
        console.print(f"  {finding.message()}")
    raise typer.Exit(1)


def _out(out: Path | None) -> Path:
    return out or get_settings().data_dir / "audit-archive"


@audit_app.command("archive")
def archive(
    months: int = typer.Option(retention.DEFAULT_MONTHS, "--months",
                               help="归档早于 N 个自然月的记录"),
    out: Path | None = typer.Option(None, "--out", help="归档目录"),
) -> None:
    """把早于保留期的记录导出为 JSON Lines（附 SHA-256 校验文件），不删除。"""
    before = retention.cutoff(Clock().now(), months)
    done = retention.archive(default_engine(), before, _out(out))
    console.print(f"已归档 {done.rows} 条到 {done.path}（SHA-256 {done.sha256}）。")


@audit_app.command("purge")
def purge(
    months: int = typer.Option(retention.DEFAULT_MONTHS, "--months", min=retention.MIN_MONTHS,
                               help="保留最近 N 个自然月（至少 6）"),
    out: Path | None = typer.Option(None, "--out", help="归档目录"),
) -> None:
    """先归档、再删除早于保留期的记录；哈希链从被删除的最后一条接续。"""
    done = retention.purge(default_engine(), Clock().now(), _out(out), months)
    console.print(f"已归档并清理 {done.rows} 条（归档 {done.path}）。")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
