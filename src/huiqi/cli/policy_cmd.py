"""`huiqi policy check [PATHS...]`: validate policy files and run their test cases;
`huiqi policy import [PATHS...] --execute`: import and publish them into the policy library;
`huiqi policy library`: list the library."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()
policy_app = typer.Typer(no_args_is_help=True, help="政策文件：校验与测试；政策库导入与列表")


@policy_app.command("check")
def check(
    paths: list[Path] = typer.Argument(None, help="政策文件或目录，默认 policies/"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="列出每个测试用例"),
) -> None:
    """校验政策文件（字段、表达式、日期、互斥）并运行其中的测试用例；任何失败都以非零退出。"""
    from huiqi.kit.settings import get_settings
    from huiqi.registry.catalog import load_catalog
    from huiqi.rules import PolicyError, load_policy_files, run_policy_tests

    targets = paths or [get_settings().policies_dir]
    catalog = load_catalog()
    try:
        policy_set = load_policy_files(targets, catalog)
    except PolicyError as exc:
        console.print(f"[red]政策文件有 {len(exc.problems)} 处错误：[/red]")
        for problem in exc.problems:
            console.print(f"  {problem}", markup=False, highlight=False)
        raise typer.Exit(1) from exc
    results = run_policy_tests(policy_set, {f.name: f.label for f in catalog})
    failed = [r for r in results if not r.passed]
    if verbose or failed:
        table = Table("事项", "测试用例", "结果", "说明")
        for r in results:
            if verbose or not r.passed:
                mark = "[green]通过[/green]" if r.passed else "[red]失败[/red]"
                table.add_row(r.item_id, r.name, mark, r.message or "")
        console.print(table)
    items = sum(len(doc.items) for doc in policy_set.documents)
    console.print(
        f"{len(policy_set.documents)} 个政策文件，{items} 个事项，"
        f"{len(results)} 个测试用例：{len(results) - len(failed)} 通过，{len(failed)} 失败"
    )
    if failed:
        raise typer.Exit(1)


@policy_app.command("import")
def import_cmd(
    paths: list[Path] = typer.Argument(None, help="政策文件或目录，默认 policies/"),
    execute: bool = typer.Option(False, "--execute", help="确实导入并发布（默认只列出将要做的事）"),
) -> None:
    """把政策文件导入政策库并发布（内容未变的跳过），然后重新匹配全部企业、通知新符合条件的企业。"""
    from huiqi.auth.actor import Actor
    from huiqi.kit.clock import Clock
    from huiqi.kit.db import default_engine, unit_of_work
    from huiqi.kit.errors import HuiqiError
    from huiqi.kit.settings import get_settings, policy_date
    from huiqi.policies import service

    targets = paths or [get_settings().policies_dir]
    try:
        with unit_of_work(default_engine()) as session:
            changed, report = service.import_files(
                session, Actor.system("policy-import", via="cli"), Clock(), targets,
                as_of=policy_date())
            if not execute:
                session.rollback()
    except HuiqiError as exc:
        console.print(f"[red]{exc.message}[/red]")
        for line in (exc.details or {}).get("problems", []):  # type: ignore[union-attr]
            console.print(f"  {line}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    if not execute:
        console.print(f"将导入并发布 {changed} 个政策文件（未执行；加 --execute 执行）。")
    elif report is None:
        console.print("政策库已是最新：没有需要发布的政策文件。")
    else:
        console.print(f"已导入并发布 {changed} 个政策文件。{service.rematch_summary(report)}")


@policy_app.command("library")
def library_cmd() -> None:
    """列出政策库中的政策文件、状态和版本。"""
    from huiqi.kit.db import default_engine, unit_of_work
    from huiqi.policies import service

    table = Table("政策文件", "标题", "已发布", "最新版本", "事项")
    with unit_of_work(default_engine()) as session:
        for doc, versions in service.documents(session):
            current, latest = service.published(versions), versions[0]
            table.add_row(doc.policy_id, doc.title, f"第 {current.number} 版" if current else "—",
                          f"第 {latest.number} 版（{service.STATUS_LABELS[latest.status]}）",
                          str(len((current or latest).item_ids)))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
