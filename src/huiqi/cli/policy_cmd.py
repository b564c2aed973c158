"""`huiqi policy check [PATHS...]`: validate policy files and run their test cases."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()
policy_app = typer.Typer(no_args_is_help=True, help="政策文件：校验与测试")


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
    try:
        policy_set = load_policy_files(targets, load_catalog())
    except PolicyError as exc:
        console.print(f"[red]政策文件有 {len(exc.problems)} 处错误：[/red]")
        for problem in exc.problems:
            console.print(f"  {problem}", markup=False, highlight=False)
        raise typer.Exit(1) from exc
    results = run_policy_tests(policy_set)
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


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
