"""Demo projects for `make run` (`huiqi demo-up`): the departments the step templates name, an agent
(demo-agent), a second agent, a lead official (demo-lead), and investment projects in the five
seed districts signed over the past year and taken through the real service to every stage —
some on time, some late, one blocked with its appeal, overdue steps escalated by the tick — so
the table, the rates and the Gantt chart have something real to show. Runs once (skipped when
projects exist). Deterministic for a given day."""

from __future__ import annotations

import random
from datetime import date, timedelta

from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from huiqi.appeals import service as appeals
from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock, FixedClock
from huiqi.kit.db import unit_of_work
from huiqi.kit.errors import HuiqiError
from huiqi.kit.security import generate_password
from huiqi.kit.workdays import add_workdays
from huiqi.models.project import Project
from huiqi.models.user import Role, User
from huiqi.projects import registry, steps, tasks
from huiqi.projects import repository as repo

DEPARTMENTS = [("proj-invest", "区招商投资促进局", "招商投资"),
               ("proj-market", "区市场监督管理局", "市场监督管理"),
               ("proj-land", "区规划和自然资源局", "规划和自然资源"),
               ("proj-ndrc", "区发展和改革委员会", "发展和改革"),
               ("proj-build", "区住房和城乡建设委员会", "住房和城乡建设"),
               ("proj-power", "国网供电公司（区供电分公司）", "供电"),
               ("proj-water", "区水务集团", "水务"), ("proj-gas", "区燃气公司", "燃气"),
               ("proj-tel", "区通信发展办公室", "通信"),
               ("proj-econ", "区经济和信息化委员会（项目）", "经济和信息化")]
# name, region, type, months since signing, how far it got (step key), speed (1.0 = on plan)
PROJECTS = [
    ("巴南智能装备产业园项目", "500113", "industrial", 11, "production", 0.8),
    ("巴南公路物流基地冷链中心", "500113", "industrial", 9, "acceptance", 1.1),
    ("巴南生物医药中试基地", "500113", "industrial", 6, "start", 0.9),
    ("巴南新能源汽车零部件项目", "500113", "industrial", 3, "land", 1.4),
    ("江北数字经济产业园项目", "500105", "lease", 5, "production", 0.9),
    ("江北港城工业园精密制造项目", "500105", "industrial", 4, "approval", 1.3),
    ("九龙坡西部物流园分拨中心", "500107", "industrial", 8, "start", 1.2),
    ("九龙坡新材料研发生产基地", "500107", "lease", 2, "register", 1.0),
    ("东宝楚华机电项目", "420802", "industrial", 7, "permit", 1.5),
    ("东宝化工新材料循环产业园", "420802", "industrial", 10, "start", 1.0),
    ("东宝农产品精深加工项目", "420802", "lease", 4, "approval", 0.8),
    ("青原电子信息产业园项目", "360803", "industrial", 6, "planning", 1.2),
    ("青原井冈蜜柚深加工项目", "360803", "lease", 3, "start", 1.0),
    ("青原绿色食品产业园项目", "360803", "industrial", 1, "sign", 1.0),
]


def seed_projects(engine: Engine, console: Console) -> dict[str, str] | None:
    with unit_of_work(engine) as db:
        if repo.project_count(db) > 0:
            console.print("演示招商项目已存在")
            return None
        with console.status("生成演示招商项目…"):
            n, blocked = _seed(db, Clock())
    console.print(f"演示招商项目：{n} 个（五个区，签约至投产各阶段），受阻环节 {blocked} 个已向"
                  "责任部门提出诉求；demo-agent 为代办员，demo-lead 为牵头领导")
    return None


def _user(db: Session, clock: Clock, username: str, name: str, role: Role) -> User:
    user = repo.user_by_username(db, username)
    if user is None:
        user = auth_service.create_user(db, Actor.system("demo-up", via="cli"), clock,
                                        username=username, display_name=name, role=role,
                                        password=generate_password(16))
    return user


def _departments(db: Session) -> None:
    for code, name, fragment in DEPARTMENTS:
        if repo.department_for(db, fragment) is None and repo.department_for(db, code) is None:
            auth_service.create_department(db, Actor.system("demo-up", via="cli"), code, name)


def _uscc(db: Session, region: str, used: set[str]) -> str | None:
    for uscc in repo.usccs_in_region(db, region, 40):
        if uscc not in used:
            used.add(uscc)
            return uscc
    return None


def _seed(db: Session, real: Clock) -> tuple[int, int]:
    today = real.today_local()
    rng = random.Random(today.toordinal())  # noqa: S311  (demo data)
    office = Actor(None, "demo-up", "演示数据", Role.OFFICE, via="cli")
    _departments(db)
    agent = _user(db, real, "demo-agent", "演示项目代办员", Role.AGENT)
    other = _user(db, real, "demo-agent-2", "项目代办员李娜", Role.AGENT)
    lead = _user(db, real, "demo-lead", "演示项目牵头领导", Role.PROJECT_LEAD)
    types, used, blocked, n = registry.load_types(), set[str](), 0, 0
    for i, (name, region, kind, months, reach, speed) in enumerate(PROJECTS):
        signed = today - timedelta(days=months * 30 + rng.randint(0, 12))
        setup = FixedClock(real.now() - (today - signed))
        uscc = _uscc(db, region, used)
        data = registry.ProjectIn(
            name=name, enterprise_name=name.replace("项目", "") + "有限公司", region=region,
            signed_on=signed, project_type=kind, enterprise_uscc=uscc,
            amount=str(rng.randint(5, 120) * 10_000_000), land_mu=str(rng.randint(20, 300)),
            industry_code="C3841", agent=(agent if i % 3 else other).username,
            secretary=(other if i % 3 else agent).username, lead=lead.username)
        project = registry.create_project(db, office, setup, data, types)
        _advance(db, office, real, project, reach, speed, rng)
        n += 1
        if reach in ("land", "permit", "planning") and uscc:
            blocked += _block(db, real, project, agent if i % 3 else other)
    tasks.tick(db, real)  # overdue steps escalate to the lead official; reminders go out
    return n, blocked


def _advance(db: Session, office: Actor, real: Clock, project: Project, reach: str,
             speed: float, rng: random.Random) -> None:
    """Record the steps up to `reach` (included, for every step before it in table order), each
    taking its limit × speed (± a little) working days."""
    rows = repo.steps(db, project.id)
    keys = [s.key for s in rows]
    last = keys.index(reach) if reach in keys else 0
    overrides = appeals.holiday_overrides(db)
    done: dict[str, date] = {"sign": project.signed_on}
    today = real.today_local()
    for s in rows[1:last + 1]:
        base = max(done[k] for k in s.after)
        took = max(1, round(s.limit_workdays * speed * rng.uniform(0.85, 1.15)))
        finish = add_workdays(base, took, overrides)
        if finish > today:
            break
        try:
            steps.record_dates(db, office, real, project.id, s.id, base, finish)
        except HuiqiError:
            break
        done[s.key] = finish


def _block(db: Session, real: Clock, project: Project, agent: User) -> int:
    step = next((s for s in repo.steps(db, project.id)
                 if s.done_on is None and s.key != "sign"), None)
    if step is None or step.department_id is None:
        return 0
    try:
        with db.begin_nested():
            steps.block(db, Actor.of(agent), real, project.id, step.id,
                        "土地挂牌出让公告推迟，需责任部门明确出让时间表。"
                        if step.key == "land" else "审批材料补正意见不明确，需部门当面指导。")
    except HuiqiError:
        return 0
    return 1

