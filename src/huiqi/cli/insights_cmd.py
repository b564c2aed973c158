"""`huiqi insights simulate DRAFT.yaml`: what a policy file would reach and cost over the whole
registry before it is published; `huiqi insights targeting ITEM`: an item's targeting list."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

insights_app = typer.Typer(no_args_is_help=True, help="政策模拟与精准推送")
console = Console()


def _day(value: str | None) -> date:
    from huiqi.kit.settings import policy_date

    if not value:
        return policy_date()
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"日期应为 ISO 格式，如 2025-06-01：{value!r}") from exc


@insights_app.command("simulate")
def simulate_cmd(
    draft: Path = typer.Argument(..., help="政策文件（YAML），可以是尚未导入的草稿"),
    as_of: str | None = typer.Option(None, "--as-of", help="测算日期，默认 HUIQI_AS_OF 或今天"),
    take_up: float = typer.Option(80.0, "--take-up", help="预计申报率（%）"),
    what_if: list[str] = typer.Option(
        [], "--what-if", help="门槛测算：事项编号:条件名:字段=新值，如 "
        "dongbao.tech-upgrade:设备投资达标:equipment_investment=4000000"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出"),
) -> None:
    """用企业库全部企业测算草稿政策：覆盖企业、测算金额区间、预算、差一项条件的企业。"""
    from huiqi.insights import service
    from huiqi.kit.db import default_engine, unit_of_work
    from huiqi.rules import PolicyError

    when = _day(as_of)
    try:
        loaded = service.draft_file(draft)
    except PolicyError as exc:
        console.print(str(exc), markup=False)
        raise typer.Exit(1) from exc
    rate = Decimal(str(take_up)) / 100
    with unit_of_work(default_engine()) as session:
        registry = service.registry_for(session, loaded.items)
        sims = service.simulate(session, loaded.items, when, take_up=rate, registry=registry)
        extra = [_what_if(session, loaded.items, spec, when) for spec in what_if]
        session.rollback()  # nothing is written
    if as_json:
        from huiqi.insights.simulation_endpoints import sim_out

        print(json.dumps({"simulations": [sim_out(s).model_dump(mode="json") for s in sims],
                          "what_if": extra}, ensure_ascii=False, indent=2))
        return
    _print(sims)
    for line in extra:
        console.print(line["sentence"])


def _what_if(session, items, spec: str, when: date) -> dict[str, object]:
    from huiqi.insights import service

    try:
        item_id, criterion, rest = spec.split(":", 2)
        field, value = rest.split("=", 1)
        item = next(i for i in items if i.id == item_id)
        threshold = next(t for t in service.thresholds(item)
                         if t.criterion == criterion and t.field == field)
        moved = Decimal(value)
    except (ValueError, StopIteration, ArithmeticError) as exc:
        raise typer.BadParameter(
            f"无法识别的门槛测算：{spec}（事项编号:条件名:字段=新值）") from exc
    w = service.what_if(session, item, threshold.key, moved, when)
    return {"item_id": item_id, "sentence": w.sentence(), "added": w.added,
            "removed": w.removed, "delta": str(w.delta), "eligible": w.after.eligible,
            "certain": str(w.after.certain)}


def _print(sims) -> None:
    table = Table(title="政策模拟（测算，未发布）")
    for col in ("事项", "符合条件", "待补充信息", "测算金额（元）", "测算上限（元）", "年度预算",
                "预算用完"):
        table.add_column(col)
    for s in sims:
        table.add_row(s.item.id, f"{s.eligible:,}", f"{s.unknown:,}", f"{s.certain:,}",
                      f"{s.upper:,}", f"{s.budget:,}" if s.budget is not None else "—",
                      s.runs_out or "—")
    console.print(table)
    for s in sims:
        for w in s.warnings:
            console.print(f"[yellow]{s.item.id}：{w}[/yellow]")
        if s.drivers:
            top = "、".join(f"{d.label}（{d.enterprises} 家）" for d in s.drivers[:3])
            console.print(f"{s.item.id}：决定上限的未知信息 {top}")


@insights_app.command("targeting")
def targeting_cmd(
    item_id: str = typer.Argument(..., help="已发布的政策事项编号"),
    segment: str = typer.Option("unknown", "--segment",
                                help="eligible | unknown | near | applied"),
    street: str = typer.Option("", "--street", help="街道（镇）"),
    out: Path | None = typer.Option(None, "--out", help="写出 .csv"),
    as_of: str | None = typer.Option(None, "--as-of"),
) -> None:
    """政策事项的精准推送名单（全部企业，不限条数）。"""
    from huiqi.insights import service
    from huiqi.kit.db import default_engine, unit_of_work
    from huiqi.kit.excel import write_csv
    from huiqi.policies import service as policies

    with unit_of_work(default_engine()) as session:
        found = policies.find_item(session, item_id)
        if found is None:
            console.print(f"[red]政策事项“{item_id}”不存在或尚未发布。[/red]")
            raise typer.Exit(1)
        t = service.targeting(session, found.item, _day(as_of), segment=segment,
                              filters={"street": street})
    console.print(" ".join(f"{service.SEGMENTS[k]} {n} 家" for k, n in t.counts.items()))
    for g in t.missing_groups[:5]:
        console.print(f"补充{'、'.join(g.labels)}即可判断：{g.count:,} 家")
    if out is not None:
        write_csv(out, [["uscc", "name", "street", "eligible", "amount", "failed", "missing"],
                        *[[r.uscc, r.name, r.street or "", r.eligible, r.amount,
                           ";".join(r.failed), ";".join(r.missing)] for r in t.rows]])
        console.print(f"已写出 {len(t.rows)} 家到 {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(insights_app, name="insights")
