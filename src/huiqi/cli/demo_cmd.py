"""`huiqi demo-data`: synthetic enterprises of the five seed districts, to a file or the DB."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import typer
from rich.console import Console

from huiqi.kit.db import default_engine, unit_of_work
from huiqi.kit.db_schema import ensure_schema
from huiqi.registry import demo, service


def demo_data_cmd(
    n: int = typer.Option(1000, "--n", min=1, help="企业数量"),
    seed: int = typer.Option(0, "--seed", help="随机种子：同一种子生成相同数据"),
    out: Path | None = typer.Option(
        None, "--out", help="写入文件（.parquet、.csv 或 .xlsx）；不给则写入数据库"),
    with_facts: bool = typer.Option(False, "--with-facts",
                                    help="同时生成申报事实列（设备投资、贷款金额等），用于批量匹配"),
) -> None:
    """生成演示企业数据（江北、巴南、九龙坡、东宝、青原五个区）。"""
    console = Console()
    if out is not None:
        if out.suffix.lower() not in (".parquet", ".csv", ".xlsx"):
            raise typer.BadParameter("文件类型应为 .parquet、.csv 或 .xlsx", param_hint="--out")
        demo.write_demo_file(out, n, seed, with_facts=with_facts)
        console.print(f"已生成 {n} 家演示企业：{out}")
        return
    engine = default_engine()
    ensure_schema(engine)
    with unit_of_work(engine) as session:
        path = _temporary_file(n, seed, with_facts)
        try:
            report = service.import_enterprises(session, path)
        finally:
            path.unlink(missing_ok=True)
    console.print(f"已写入数据库：新增 {report.inserted}，更新 {report.updated}，"
                  f"未变化 {report.unchanged}，问题行 {len(report.bad_rows)}")


def _temporary_file(n: int, seed: int, with_facts: bool) -> Path:
    handle, name = tempfile.mkstemp(suffix=".parquet", prefix="huiqi-demo-")
    os.close(handle)
    return demo.write_demo_file(Path(name), n, seed, with_facts=with_facts)


def register(app: typer.Typer) -> None:
    app.command("demo-data")(demo_data_cmd)
