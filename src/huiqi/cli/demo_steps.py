"""Demo data for `make run` (`huiqi demo-up`): enterprises, the seed policies imported and
published into the policy library (the single source of items at run time), the departments of
those policies, and a matching run, so every role has something real to look at."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from huiqi.kit.db import unit_of_work
from huiqi.kit.settings import get_settings, policy_date
from huiqi.rules import Item

DEMO_ENTERPRISES = 2400


def load_enterprises(engine: Engine, console: Console) -> dict[str, str] | None:
    from huiqi.registry import demo, service

    with unit_of_work(engine) as session:
        have = service.enterprise_count(session)
        if have >= 2000:
            console.print(f"演示企业已存在：{have} 家")
            return None
        handle, name = tempfile.mkstemp(suffix=".parquet", prefix="huiqi-demo-")
        os.close(handle)
        path = demo.write_demo_file(Path(name), DEMO_ENTERPRISES, seed=2025, with_facts=True)
        try:
            with console.status(f"载入 {DEMO_ENTERPRISES} 家演示企业…"):
                report = service.import_enterprises(session, path)
        finally:
            path.unlink(missing_ok=True)
    console.print(f"演示企业：新增 {report.inserted} 家（江北、巴南、九龙坡、东宝、青原）")
    return None


def publish_policies(engine: Engine, console: Console) -> dict[str, str] | None:
    """Import the files of policies/ into the library and publish them (only those changed)."""
    from huiqi.auth.actor import Actor
    from huiqi.kit.clock import Clock
    from huiqi.policies import service

    actor = Actor.system("demo-up", via="cli")
    with unit_of_work(engine) as session, console.status("导入并发布 policies/ 中的政策文件…"):
        changed, report = service.import_files(session, actor, Clock(),
                                               [get_settings().policies_dir], as_of=policy_date())
    if report is None:
        console.print("政策库：policies/ 中的政策文件均已发布")
    else:
        console.print(f"政策库：导入并发布 {changed} 个政策文件。{service.rematch_summary(report)}")
    return None


def _library_items(session: Session) -> list[Item]:
    from huiqi.policies import service

    return service.library_items(session)


def policy_departments(engine: Engine, console: Console) -> dict[str, str] | None:
    """One department per department named in the published policies, and the 财政局 that
    co-reviews their finance-reviewed items; the main demo handler (demo-department) gets 经信局."""
    from huiqi.auth import repository as auth_repo
    from huiqi.auth import service as auth_service
    from huiqi.auth.actor import Actor
    from huiqi.grants.access import finance_department_for

    actor = Actor.system("demo-up", via="cli")
    with unit_of_work(engine) as session:
        items = _library_items(session)
        names = sorted({i.department for i in items} | {
            finance_department_for(i.department) for i in items if i.finance_review})
        existing = {d.name for d in auth_repo.departments(session)}
        for n, name in enumerate(names, start=1):
            if name not in existing:
                auth_service.create_department(session, actor, f"dept-{n:02d}", name)
        code = next((d.code for d in auth_repo.departments(session)
                     if "经济和信息化局" in d.name), None)
    return {"department_code": code} if code else None


def match_registry(engine: Engine, console: Console) -> dict[str, str] | None:
    from huiqi.matching.service import match_all, most_eligible_uscc
    from huiqi.registry.catalog import load_catalog

    as_of = policy_date()
    catalog = load_catalog()
    with unit_of_work(engine) as session, console.status("匹配全部企业与政策事项…"):
        items = [i for i in _library_items(session) if i.in_force(as_of)]
        stats = match_all(session, catalog, items, as_of)
        best = most_eligible_uscc(session, "420802")
    console.print(
        f"匹配（按 {as_of} 有效的 {stats.items} 个事项）：{stats.enterprises} 家企业，"
        f"可享受 {stats.eligible} 项，待补充信息 {stats.unknown} 项，测算金额合计 "
        f"{stats.amount_total:,} 元")
    return {"enterprise_uscc": best} if best else None


def register(app: typer.Typer) -> None:
    from huiqi.appeals.demo import seed_appeals
    from huiqi.cli.serve_cmd import DEMO_STEPS
    from huiqi.grants.demo import seed_grants
    from huiqi.knowledge.demo import seed_corpus
    from huiqi.liaison.demo import seed_liaison
    from huiqi.projects.demo import seed_projects
    from huiqi.supervision.demo import seed_supervision

    for step in (load_enterprises, publish_policies, policy_departments, match_registry,
                 seed_grants, seed_appeals, seed_liaison, seed_corpus, seed_projects,
                 seed_supervision):
        if step not in DEMO_STEPS:
            DEMO_STEPS.append(step)
    from huiqi.insights.indicators_demo import seed_insights

    if seed_insights not in DEMO_STEPS:  # after the appeals and grants it computes from
        DEMO_STEPS.append(seed_insights)
