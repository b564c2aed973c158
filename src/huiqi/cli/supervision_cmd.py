"""`huiqi supervision …`: replay a draw byte for byte, export its published data, list plans,
coverage figures, and the scheduled 公示 tick."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from huiqi.cli.actors import office_actor
from huiqi.kit.clock import Clock
from huiqi.kit.db import default_engine, unit_of_work
from huiqi.kit.errors import HuiqiError

supervision_app = typer.Typer(no_args_is_help=True, help="双随机一公开：抽查计划、复现抽取、公示")
console = Console()


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(1)


@supervision_app.command("replay")
def replay(plan_id: int = typer.Argument(..., help="抽查计划编号"),
           out: Path | None = typer.Option(None, "--out", help="把复现的结果写入此文件"),
           ) -> None:
    """由公布的承诺、快照和公开随机数重新抽取，逐字节比对已公布的结果。"""
    from huiqi.supervision import service

    try:
        with unit_of_work(default_engine()) as db:
            plan = service.get_plan(db, plan_id)
            again = service.replay_plan(db, plan_id)
            commitment, beacon = plan.commitment_sha256, plan.beacon_value
    except HuiqiError as exc:
        raise _fail(exc.message) from None
    if out is not None:
        out.write_bytes(again.result.text.encode("utf-8"))
    console.print(f"承诺 SHA-256：{commitment}\n公开随机数：{beacon}\n"
                  f"抽取 {len(again.result.picks)} 家，读取随机数 {again.result.draws} 个\n"
                  f"复现结果 SHA-256：{again.result.sha256}\n已公布结果 SHA-256："
                  f"{again.published_sha256}")
    if not again.identical:
        raise _fail("不一致：复现结果与已公布结果不同。")
    console.print("[green]一致：逐字节相同。[/green]")


@supervision_app.command("replay-files")
def replay_files(
    commitment: Path = typer.Argument(..., help="commitment.json（公示页下载）"),
    population: Path = typer.Argument(..., help="population.tsv"),
    officers: Path = typer.Argument(..., help="officers.tsv"),
    beacon: str = typer.Option(..., "--beacon", help="公开随机数（drand randomness 或摇号结果）"),
    expect: str | None = typer.Option(None, "--expect", help="已公布的结果 SHA-256"),
) -> None:
    """不连数据库，只用公布的文件复现抽取（任何人都可以运行）。"""
    from huiqi.supervision import draw

    try:
        result = draw.run(json.loads(commitment.read_text("utf-8")),
                          population.read_text("utf-8"), officers.read_text("utf-8"), beacon)
    except (draw.DrawError, KeyError, ValueError) as exc:
        raise _fail(f"无法复现：{exc}") from None
    console.print(result.text, end="", markup=False, highlight=False)
    console.print(f"结果 SHA-256：{result.sha256}")
    if expect is not None and expect != result.sha256:
        raise _fail("不一致：与已公布的结果 SHA-256 不同。")


@supervision_app.command("export")
def export(plan_id: int = typer.Argument(...), directory: Path = typer.Argument(...)) -> None:
    """写出一个计划的公布数据：commitment.json、population.tsv、officers.tsv、result.tsv。"""
    from huiqi.supervision import service

    try:
        with unit_of_work(default_engine()) as db:
            plan = service.get_plan(db, plan_id)
            if not plan.commitment:
                raise _fail("该计划尚未公布承诺。")
            directory.mkdir(parents=True, exist_ok=True)
            (directory / "commitment.json").write_bytes(plan.commitment.encode("utf-8"))
            (directory / "population.tsv").write_bytes((plan.population or "").encode("utf-8"))
            (directory / "officers.tsv").write_bytes((plan.officers or "").encode("utf-8"))
            if plan.beacon_value:
                text = service.replay_plan(db, plan_id).result.text
                (directory / "result.tsv").write_bytes(text.encode("utf-8"))
    except HuiqiError as exc:
        raise _fail(exc.message) from None
    console.print(f"已写出到 {directory}")


def _import(kind: str, path: Path) -> None:
    from huiqi.supervision import service

    if not path.is_file():
        raise _fail(f"文件不存在：{path}")
    name = service.IMPORTS[kind][0]
    try:
        with unit_of_work(default_engine()) as db:
            report = service.import_catalog(db, office_actor(), Clock(), kind, path.read_bytes(),
                                            path.name)
    except HuiqiError as exc:
        raise _fail(exc.message) from None
    console.print(f"{name}：已导入 {report.imported} 行；{len(report.errors)} 行有错误未导入。")
    for error in report.errors:  # one line per row, tab-separated, not wrapped
        typer.echo(f"第 {error.row} 行\t{error.code}\t{error.message}")
    if report.errors:
        raise typer.Exit(1)



FILE_HELP = ".xlsx 或 UTF-8 .csv，首行为表头"


@supervision_app.command("import-items")
def import_items(path: Path = typer.Argument(..., help=FILE_HELP)) -> None:
    """导入抽查事项清单（部门、抽查事项、检查依据、检查内容、适用企业条件、抽查频次、监管领域）。
    逐行报告错误（行号、代码、说明），其余照常导入；有错误行时退出码为 1。"""
    _import("items", path)


@supervision_app.command("import-officers")
def import_officers(path: Path = typer.Argument(..., help=FILE_HELP)) -> None:
    """导入执法人员名录库（姓名、部门、执法证号、有效期至、执法领域、关联企业、账号）。"""
    _import("officers", path)


@supervision_app.command("import-exemptions")
def import_exemptions(path: Path = typer.Argument(..., help=FILE_HELP)) -> None:
    """导入包容免罚清单（部门、事项、法律依据、适用条件、关键词）。"""
    _import("exemptions", path)


@supervision_app.command("import-grades")
def import_grades(path: Path = typer.Argument(..., help=FILE_HELP)) -> None:
    """导入企业信用等级（统一社会信用代码、监管领域、来源、结果、生效日期、风险等级、说明）。"""
    _import("grades", path)


@supervision_app.command("plans")
def plans() -> None:
    """全部抽查计划及其承诺、随机数和结果的 SHA-256。"""
    from huiqi.supervision import service

    table = Table("编号", "计划", "状态", "承诺 SHA-256", "随机数来源", "结果 SHA-256")
    with unit_of_work(default_engine()) as db:
        for p in service.public_plans(db):
            table.add_row(str(p.id), p.title, p.status, p.commitment_sha256 or "",
                          p.beacon_ref or "", p.result_sha256 or "")
    console.print(table)


@supervision_app.command("coverage")
def coverage() -> None:
    """各部门检查实施清单覆盖率与包容免罚告知数。"""
    from huiqi.supervision import service

    table = Table("部门", "抽查事项", "已纳入计划", "覆盖率", "检查", "已公示", "包容免罚清单",
                  "免罚告知")
    with unit_of_work(default_engine()) as db:
        for f in service.coverage(db):
            table.add_row(f.department, str(f.items), str(f.items_planned), f.coverage,
                          str(f.inspections), str(f.published), str(f.exemptions),
                          str(f.exemption_notices))
    console.print(table)


@supervision_app.command("tick")
def tick() -> None:
    """公示到期（记录后第 20 个工作日）仍未公示的检查结果。"""
    from huiqi.supervision import service

    with unit_of_work(default_engine()) as db:
        count = service.publish_due(db, Clock())
    console.print(f"已公示 {count} 条检查结果。")


def register(app: typer.Typer) -> None:
    app.add_typer(supervision_app, name="supervision")
