"""`huiqi knowledge ingest PATH...`, `search QUERY`, `ask QUESTION [--uscc]`, `eval`.

Ingest acts as the office ("营商办（命令行）"): the audit log names the command line and the
operating-system user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from sqlalchemy import Engine

from huiqi.cli.actors import office_actor
from huiqi.kit.clock import Clock
from huiqi.kit.db import default_engine, unit_of_work
from huiqi.kit.errors import HuiqiError

knowledge_app = typer.Typer(no_args_is_help=True, help="政策知识库：导入、检索、问答、评测")
console = Console()



def _engine() -> Engine:
    from huiqi.kit.db_schema import ensure_schema

    engine = default_engine()
    ensure_schema(engine)
    return engine


@knowledge_app.command("ingest")
def ingest_cmd(
    paths: list[Path] = typer.Argument(None, metavar="PATH...",
                                       help="HTML、TXT、DOCX、PDF 文件或文件夹"),
    policies: bool = typer.Option(False, "--policies",
                                  help="同时导入已编码的政策文件（policies/**.yaml）作为语料"),
) -> None:
    """导入政策文本：清理导航、脚本、分享按钮、拼音注音和尾部垃圾链接，按条款切分；重复导入不产生重复。"""
    from huiqi.kit.settings import get_settings
    from huiqi.knowledge import service

    if not paths and not policies:
        raise typer.BadParameter("请给出要导入的文件或文件夹，或使用 --policies")
    settings, clock, failed = get_settings(), Clock(), 0
    with unit_of_work(_engine()) as db:
        results: list[service.Ingested | service.Failed] = []
        if policies:
            results += service.ingest_policies(db, office_actor(), settings.policies_dir,
                                               now=clock.now())
        results += service.ingest_paths(db, office_actor(), paths or [], now=clock.now(),
                                        policies_dir=settings.policies_dir)
        for result in results:
            if isinstance(result, service.Failed):
                failed += 1
                console.print(f"[red]✗ {result.source}：{result.message}[/red]")
                continue
            word = {"new": "新导入", "unchanged": "未变化，跳过",
                    "new_version": "新版本（旧版已标记失效）"}
            doc = result.document
            console.print(f"✓ [{doc.id}] {doc.title}：{word[result.outcome]}，"
                          f"{result.clause_count} 条款")
    if failed:
        raise typer.Exit(1)


def _filters(region: str | None, issuer: str | None, in_force: str | None) -> Any:
    from datetime import date

    from huiqi.knowledge.repository import Filters

    day = None
    if in_force:
        try:
            day = date.fromisoformat(in_force)
        except ValueError:
            raise typer.BadParameter(f"“{in_force}”不是有效日期，应为 YYYY-MM-DD") from None
    return Filters(region=region, issuer=issuer, in_force_on=day)


@knowledge_app.command("search")
def search_cmd(
    query: str = typer.Argument(..., metavar="QUERY"),
    region: str | None = typer.Option(None, help="行政区划代码，如 420802"),
    issuer: str | None = typer.Option(None, help="发布机关（包含即可）"),
    in_force: str | None = typer.Option(None, "--in-force", help="只看该日有效的文件 YYYY-MM-DD"),
    limit: int = typer.Option(10, min=1, max=100),
) -> None:
    """检索条款：按相关度排序，显示文件与条款号，命中词用【】标出。"""
    from huiqi.knowledge import service

    try:
        with unit_of_work(_engine()) as db:
            hits = service.search(db, query, filters=_filters(region, issuer, in_force),
                                  limit=limit)
    except HuiqiError as exc:
        raise _fail(exc) from None
    if not hits:
        console.print("没有找到相关条款。")
    for n, hit in enumerate(hits, start=1):
        console.print(f"{n}. {hit.citation}  （相关度 {hit.score:.2f}）", markup=False)
        console.print(f"   {_excerpt(hit.highlighted)}", markup=False)


@knowledge_app.command("ask")
def ask_cmd(
    question: str = typer.Argument(..., metavar="QUESTION"),
    uscc: str | None = typer.Option(None, "--uscc", help="以该企业的政策礼包回答资格问题"),
) -> None:
    """问答：答案的每句话标注出处，随后逐行列出“文件 § 条款”；找不到依据时回答“不知道”。"""
    from huiqi.knowledge import service

    try:
        with unit_of_work(_engine()) as db:
            answer = service.ask(db, question, uscc=uscc, actor=office_actor())
    except HuiqiError as exc:
        raise _fail(exc) from None
    console.print(answer.text, markup=False)
    for line in answer.eligibility:
        console.print(line, markup=False)
    for n, hit in enumerate(answer.citations, start=1):
        console.print(f"[{n}] {hit.citation}", markup=False)
    if not answer.answered and not answer.eligibility:
        console.print("可以把这个问题作为诉求提交，由相关部门答复（网页“提交诉求”）。")


@knowledge_app.command("eval")
def eval_cmd(
    questions: Path = typer.Option(None, "--questions", exists=True, dir_okay=False,
                                   help="评测问题集（默认 tests/knowledge/eval_questions.yaml）"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="列出未通过的问题"),
) -> None:
    """评测问答：前5召回率、引用准确率、仅引用检索结果的比例、拒答准确率。"""
    from huiqi.kit.settings import PROJECT_ROOT
    from huiqi.knowledge import evaluation

    path = questions or PROJECT_ROOT / "tests" / "knowledge" / "eval_questions.yaml"
    with unit_of_work(_engine()) as db:
        report = evaluation.run(db, evaluation.load(path))
    console.print(f"问题 {report.questions} 个（可回答 {report.answerable} 个）")
    console.print(f"recall@5 {report.recall_at_5:.3f}")
    console.print(f"citation precision {report.citation_precision:.3f}")
    console.print(f"answers citing only retrieved clauses {report.grounded_share:.3f}")
    console.print(f"refusal accuracy {report.refusal_accuracy:.3f}")
    if verbose:
        for miss in report.misses:
            console.print(f"  {miss}", markup=False)


def _excerpt(text: str, width: int = 160) -> str:
    first = text.find("【")
    start = max(0, first - 40) if first >= 0 else 0
    cut = text[start:start + width]
    return ("…" if start else "") + cut + ("…" if start + width < len(text) else "")


def _fail(exc: HuiqiError) -> typer.Exit:
    console.print(f"[red]{exc.message}[/red]")
    return typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(knowledge_app, name="knowledge")


@knowledge_app.command("draft")
def draft_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, metavar="FILE",
                                help="政策原文（TXT、HTML、DOCX、PDF），或其中的一段"),
    policy_id: str = typer.Option("draft.policy", "--id", help="草稿的政策编号"),
    region: str | None = typer.Option(None, "--region", help="适用地区（6位行政区划代码）"),
    out: Path | None = typer.Option(None, "--out", "-o", help="写入文件；默认打印"),
) -> None:
    """据政策原文起草政策文件（YAML）：能确定的条件、比例、上限写成规则并注明原文，
    其余列为 TODO。"""
    from huiqi.knowledge import cleaning, readers
    from huiqi.knowledge.draft_yaml import Meta, pending, render
    from huiqi.knowledge.drafting import draft
    from huiqi.knowledge.ingest import prepare
    from huiqi.registry.service import load_catalog

    try:
        prepared = prepare(readers.read_path(file))
    except HuiqiError as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(1) from None
    meta = prepared.meta
    found = draft(cleaning.simplify("\n".join(prepared.lines)), load_catalog())
    source = render(found, Meta(policy_id, meta.title or file.stem, file.name, meta.doc_no,
                                meta.issuer, region or meta.region,
                                meta.effective_from or meta.issued_on, meta.effective_to),
                    today=Clock().today_local())
    if out is None:
        typer.echo(source)
    else:
        out.write_text(source, encoding="utf-8")
        left = len(pending(found))
        console.print(f"已写入 {out}：{len(found.elements) - left} 项写成规则，"
                      f"{left} 项待决定（TODO）。"
                      "用 huiqi policy check 检查。")
