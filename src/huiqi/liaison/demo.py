"""Demo data for 包联 (`huiqi demo-up`): streets, three tiers (区领导 → 重点企业, 部门 → 规上企业,
网格专员 → 全部市场主体), officials with departments and streets, assignments that leave some
enterprises uncovered, a month of visits and calls (policies explained from the enterprises'
礼包, guides and service cards handed out), a campaign, plans for demo-liaison, 无事不扰 set."""

from __future__ import annotations

import random
from datetime import timedelta

from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.db import unit_of_work
from huiqi.liaison import assignments, campaigns, contacts, tiers
from huiqi.liaison import repository as repo
from huiqi.models.liaison import LiaisonContact, LiaisonPlan
from huiqi.models.user import Role

STREETS = ["观音桥街道", "五里店街道", "寸滩街道", "石马河街道", "大石坝街道", "龙山街道"]
TIERS = [
    ("key", "重点企业", "区领导", "high_tech OR srdi_level IN ('province', 'national', "
     "'little_giant')", 30),
    ("above", "规上企业", "行业部门", "above_size", 60),
    ("grid", "全部市场主体", "网格专员", "TRUE", 90),
]
# (username, name, department or street, tier, share of the tier's members)
OFFICIALS = [
    ("demo-leader-1", "区领导（演示）甲", None, "key", 0.45),
    ("demo-leader-2", "区领导（演示）乙", None, "key", 0.45),
    ("demo-dept-1", "经信委干部（演示）", None, "above", 0.5),
    ("demo-dept-2", "商务委干部（演示）", None, "above", 0.4),
    ("demo-grid-1", "网格专员（演示）观音桥", "观音桥街道", "grid", 0.3),
    ("demo-grid-2", "网格专员（演示）五里店", "五里店街道", "grid", 0.3),
]


def seed_liaison(engine: Engine, console: Console) -> dict[str, str] | None:
    with unit_of_work(engine) as db:
        if repo.has_tiers(db):
            console.print("演示包联数据已存在")
            return None
        with console.status("生成包联层级、名单与走访记录…"):
            n = _seed(db, Clock())
    console.print(f"演示包联：3 个层级、{len(OFFICIALS) + 1} 名包联干部、{n} 条走访联系记录")
    return None


def _official(db: Session, username: str, name: str, street: str | None) -> int:
    from huiqi.kit.security import generate_password

    found = repo.user_by_username(db, username)
    if found is not None:
        return found.id
    system = Actor.system("demo-up", via="cli")
    code = None
    if street:
        code = f"street-{STREETS.index(street)}"
        if not repo.department_exists(db, code):
            auth_service.create_department(db, system, code, street)
    user = auth_service.create_user(db, system, Clock(), username=username, display_name=name,
                                    role=Role.LIAISON, password=generate_password(16),
                                    department_code=code)
    return user.id


def _seed(db: Session, clock: Clock) -> int:
    rng = random.Random(2026)  # noqa: S311 - demo data
    office = Actor(None, "demo-up", "演示数据", Role.OFFICE, via="cli")
    repo.demo_set_streets(db, STREETS)
    made = {code: tiers.save(db, office, clock, code=code, name=name, official_label=label,
                             rule=rule, stale_days=days, position=i)
            for i, (code, name, label, rule, days) in enumerate(TIERS)}
    contacts.save_settings(db, office, clock, 4, 30)
    liaison = repo.user_by_username(db, "demo-liaison")
    if liaison is not None:
        for row in repo.demo_untiered(db, liaison.id):
            row.tier_id = made["grid"].id  # the appeals demo's list becomes its grid list
    served: list[tuple[int, str]] = []
    for username, name, street, code, share in OFFICIALS:
        user_id = _official(db, username, name, street)
        members = repo.tier_members(db, tiers.rule_sql(db, made[code]), limit=400)
        for uscc in members:
            if rng.random() < share and not repo.assignments_at(db, uscc, made[code].id):
                try:
                    with db.begin_nested():
                        assignments.assign(db, office, clock, uscc=uscc, official=username,
                                           tier=code, reason="演示名单")
                    served.append((user_id, uscc))
                except Exception:  # noqa: S112 - the same official at another tier
                    continue
    if liaison is not None:
        served += [(liaison.id, r.uscc) for r in repo.portfolio(db, liaison.id)]
    return _contacts(db, clock, rng, served, made["key"].id, liaison.id if liaison else None)


def _contacts(db: Session, clock: Clock, rng: random.Random, served: list[tuple[int, str]],
              key_tier: int, liaison_id: int | None) -> int:
    today, now = clock.today_local(), clock.now()
    count = 0
    for user_id, uscc in served:
        if rng.random() > 0.6:
            continue
        for _ in range(rng.randint(1, 3)):
            items = repo.demo_eligible_items(db, uscc)
            told = items[: rng.randint(0, len(items))] if items else []
            visit = rng.random() < 0.6
            db.add(LiaisonContact(
                enterprise_uscc=uscc, user_id=user_id,
                channel="visit" if visit else rng.choice(["phone", "online"]),
                contacted_on=today - timedelta(days=rng.randint(0, 40)), recorded_at=now,
                people_met="企业负责人" if visit else "", topics="政策宣讲、经营情况",
                policies_explained=told, policy_count=len(told),
                problems="用工需求" if rng.random() < 0.1 else "", facts_collected={},
                materials=rng.randint(1, 3) if visit else 0, cards=1 if visit else 0))
            count += 1
    if liaison_id is not None:
        for i, row in enumerate(repo.portfolio(db, liaison_id)[:3]):
            db.add(LiaisonPlan(user_id=liaison_id, enterprise_uscc=row.uscc,
                               planned_on=today + timedelta(days=i + 1), note="例行走访",
                               created_at=now))
    db.flush()
    campaigns.create(db, Actor(None, "demo-up", "演示数据", Role.OFFICE, via="cli"), clock,
                     name="百千万联系服务集中走访周", starts_on=(today - timedelta(days=6))
                     .isoformat(), ends_on=today.isoformat(),
                     description="区领导、部门、网格专员一周集中走访", tier_id=key_tier)
    return count
