"""`huiqi match` and `huiqi explain`: the matching engine from the command line."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

console = Console(stderr=True)


def _parse_date(value: str | None) -> date:
    if not value:
        from huiqi.kit.settings import policy_date

        return policy_date()  # HUIQI_AS_OF when the platform pins it (the demo does), else today
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"日期应为 ISO 格式，如 2025-06-01：{value!r}") from exc


def _load_items(policies: Path | None, as_of: date):  # type: ignore[no-untyped-def]
    from huiqi.kit.settings import get_settings
    from huiqi.registry.catalog import load_catalog
    from huiqi.rules import PolicyError, load_policy_files

    catalog = load_catalog()
    try:
        policy_set = load_policy_files([policies or get_settings().policies_dir], catalog)
    except PolicyError as exc:
        console.print(str(exc), markup=False)
        raise typer.Exit(1) from exc
    return catalog, policy_set.in_force(as_of)


def match(
    # Text, not Path: a cluster path such as hdfs://nn/x must keep its double slash.
    input_text: str | None = typer.Option(
        None, "--input", help="CSV / XLSX / Parquet，表头为字段名或中文名称（可带单位，"
                              "如 营业收入（万元））；Spark 可用 hdfs:// 等路径；"
                              "不给则匹配数据库中的全部企业"),
    out_text: str | None = typer.Option(None, "--out", help="输出 .csv 或 .parquet"),
    rejects: Path | None = typer.Option(
        None, "--rejects", help="把未参与匹配的问题行（行号、列、值、原因）写入 .csv 或 .xlsx"),
    header_row: int | None = typer.Option(
        None, "--header-row", help="表头所在行号（默认自动查找，跳过上方的标题行）"),
    policies: Path | None = typer.Option(None, "--policies", help="政策目录，默认 policies/"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb | sqlite | postgres | spark"),
    as_of: str | None = typer.Option(
        None, "--as-of", help="按该日期有效的政策匹配，默认 HUIQI_AS_OF 或今天"),
    spark_master: str | None = typer.Option(
        None, "--spark-master", help="Spark 集群地址（如 spark://host:7077、yarn），默认本机"),
    wide: bool = typer.Option(
        False, "--wide", help="宽表输出：每家企业一行，每个事项一列（true/false/unknown）及"
                              "“事项编号.amount”金额列（元），便于分析；默认长表，每对一行"),
) -> None:
    """逐一匹配企业与政策事项：可享受 / 不符合 / 待补充信息，以及测算金额。"""
    if spark_master:
        os.environ["HUIQI_SPARK_MASTER"] = spark_master  # read by engines.spark.session
    if engine == "spark" and input_text and out_text:
        from huiqi.matching.engines import spark

        if spark.is_uri(input_text):
            _match_on_cluster(input_text, out_text, policies, as_of, spark_master)
            return
    input_file = Path(input_text) if input_text else None
    out = Path(out_text) if out_text else None
    from huiqi.kit.settings import get_settings
    from huiqi.matching.engines.inputs import InputError

    when = _parse_date(as_of)
    if input_file is not None and out is None:
        raise typer.BadParameter("使用 --input 时需要 --out 指定输出文件", param_hint="--out")
    catalog, items = _load_items(policies, when)
    if not items:
        console.print(f"[yellow]{when} 没有有效的政策事项[/yellow]")
    url = os.environ.get("HUIQI_DATABASE_URL") or get_settings().database_url
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("准备", total=None)

        def step(message: str) -> None:
            progress.update(task, description=message)

        try:
            if input_file is None:
                summary = _match_database(items, when, engine, out, step)
            else:
                from huiqi.matching.engines.bulk import match_file
                from huiqi.registry import canonical_sql  # not the service: no ORM to start

                assert out is not None  # checked above
                pg = url if url.startswith("postgresql") else None
                summary = match_file(input_file, out, items, catalog, engine=engine, as_of=when,
                                     postgres_url=pg, progress=step, header_row=header_row,
                                     wide=wide, checks=canonical_sql)
        except InputError as exc:
            console.print(f"[red]无法匹配：{exc}[/red]", highlight=False)
            raise typer.Exit(2) from exc
    _print_summary(summary, out, rejects)


def _match_on_cluster(source: str, target: str, policies: Path | None, as_of: str | None,
                      master: str | None) -> None:
    """Catalog-named Parquet (natural units) on any Hadoop path in, a Parquet directory out."""
    from huiqi.matching.engines import spark

    when = _parse_date(as_of)
    catalog, items = _load_items(policies, when)
    if not items:
        console.print(f"[yellow]{when} 没有有效的政策事项[/yellow]")
        raise typer.Exit(0)
    try:
        rows = spark.match_uri(source, target, items, catalog, when, master=master)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"已在 Spark 上匹配 {len(items)} 个事项，写出 {rows} 行到 {target}")


def _match_database(items, when, engine, out, step):  # type: ignore[no-untyped-def]
    """Match the registry in the database itself (`engine` is for files only)."""
    from huiqi.kit.db import default_engine, unit_of_work
    from huiqi.kit.db_schema import ensure_schema
    from huiqi.matching import service
    from huiqi.matching.engines.bulk import MatchSummary
    from huiqi.matching.engines.inputs import LoadedInput
    from huiqi.registry.catalog import load_catalog

    db = default_engine()
    ensure_schema(db)
    step(f"在数据库（{db.dialect.name}）中匹配")
    with unit_of_work(db) as session:
        stats = service.match_all(session, load_catalog(), items, when)
        rows = service.export_rows(session, load_catalog(), items, when) if out is not None else []
    if out is not None:
        step("写出结果")
        from huiqi.matching.engines.bulk import write_result_rows

        write_result_rows(rows, out)
    return MatchSummary(LoadedInput(stats.enterprises, [], []), stats.items, stats.pairs,
                        stats.eligible, stats.unknown)


def _explain_text(uscc: str, item_id: str, items, catalog, as_of: date) -> str | None:  # type: ignore[no-untyped-def]
    from huiqi.kit.db import default_engine, unit_of_work
    from huiqi.kit.db_schema import ensure_schema
    from huiqi.matching import service
    from huiqi.registry import service as registry
    from huiqi.rules import explain as explain_item

    item = next((i for i in items if i.id == item_id), None)
    if item is None:
        return None
    db = default_engine()
    ensure_schema(db)
    with unit_of_work(db) as session:
        ent = registry.get_by_uscc(session, uscc.strip().upper())
        if ent is None:
            return None
        name, facts = ent.name, service.enterprise_facts(session, catalog, ent.id)
    header = f"{name}（{uscc}） × {item.title}（{item.id}），按 {as_of} 有效的政策"
    return header + "\n" + explain_item(item, facts, as_of, catalog).to_text()


def _print_summary(summary, out: Path | None, rejects: Path | None) -> None:  # type: ignore[no-untyped-def]
    loaded = summary.loaded
    console.print(
        f"企业 {loaded.rows} 家 × 事项 {summary.items} 个 = {summary.pairs} 对；"
        f"可享受 {summary.eligible}，待补充信息 {summary.unknown}"
        + (f"；结果已写入 {out}" if out else ""), highlight=False)
    for warning in loaded.warnings:
        console.print(f"[yellow]提示：{warning}[/yellow]", highlight=False)
    if rejects is not None:
        from huiqi.registry.report import export_errors

        export_errors(loaded.errors, rejects)
    if not loaded.errors:
        return
    console.print(f"[red]{loaded.bad_rows} 行有问题，未参与匹配[/red]"
                  + (f"，问题清单已写入 {rejects}" if rejects else "，用 --rejects 文件 导出全部"),
                  highlight=False)
    if rejects is not None:
        return
    for cell in loaded.errors[:50]:
        console.print(f"  第 {cell.row} 行 {cell.column}={cell.value!r}：{cell.reason}",
                      markup=False, highlight=False)
    if len(loaded.errors) > 50:
        console.print(f"  …… 另有 {len(loaded.errors) - 50} 处", highlight=False)


def explain(
    uscc: str = typer.Argument(..., help="统一社会信用代码"),
    item: str = typer.Argument(..., help="事项编号，如 dongbao.tech-upgrade"),
    as_of: str | None = typer.Option(None, "--as-of"),
    policies: Path | None = typer.Option(None, "--policies"),
) -> None:
    """用白话解释某企业对某事项的匹配结果：每个条件、要求、企业情况和金额计算。"""
    when = _parse_date(as_of)
    catalog, items = _load_items(policies, when)
    text = _explain_text(uscc, item, items, catalog, when)
    if text is None:
        console.print(f"[red]找不到企业 {uscc} 或事项 {item}"
                      f"（或该事项在 {when} 不在有效期内）[/red]")
        raise typer.Exit(1)
    Console().print(text, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("match")(match)
    app.command("explain")(explain)
