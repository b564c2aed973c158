"""Demo data for `huiqi demo-up`: a joint 双随机 plan of the main demo department and a market
regulator, drawn through the real commitment and two-official beacon path, with one 包容免罚
result on the 公示 page. demo-inspector and demo-supervisor are created here; demo-up then gives
them printed passwords."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from huiqi.auth import service as auth
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock, FixedClock
from huiqi.kit.db import unit_of_work
from huiqi.models.supervision import CreditGrade
from huiqi.models.user import Role
from huiqi.supervision import catalogs, credit, plans, results
from huiqi.supervision import repository as repo

MARKET = ("sv-market", "区市场监督管理局（演示）")
ITEMS = [
    ("main", "工业产品质量安全监督检查", "《产品质量法》第十五条", "生产许可、出厂检验记录",
     "industry_code LIKE 'C%'"),
    ("market", "食品生产经营监督检查", "《食品安全法》第一百一十条", "证照、进货查验、贮存条件",
     "industry_code LIKE 'C13%' OR industry_code LIKE 'C14%' OR industry_code LIKE 'F52%'"),
    ("market", "营业执照公示情况检查", "《市场主体登记管理条例》第三十二条", "执照悬挂、年报公示",
     "legal_form = 'enterprise'"),
]
EXEMPTIONS = [
    ("market", "未在经营场所醒目位置悬挂营业执照", "《行政处罚法》第三十三条第一款",
     "首次发现、及时改正、没有造成危害后果", ["营业执照", "悬挂"]),
    ("market", "未按规定公示年度报告但已补报", "《市场主体登记管理条例》第四十七条",
     "首次发现、在责令期限内补报", ["年度报告", "年报"]),
    ("main", "出厂检验记录填写不完整", "《行政处罚法》第三十三条第一款",
     "首次发现、产品经检验合格", ["检验记录"]),
]


def seed_supervision(engine: Engine, console: Console) -> dict[str, str] | None:
    with unit_of_work(engine) as db:
        if repo.plan_count(db):
            console.print("演示双随机抽查已存在")
            return None
        depts = repo.departments(db)
        if not depts or not repo.tax_grades(db):
            console.print("没有部门或企业，跳过演示双随机抽查")
            return None
        main = next((d for d in depts if "经济和信息化局" in d.name), depts[0])
        n = _seed(db, Clock(), main.code)
    console.print(f"演示双随机抽查：联合抽查计划 1 个，抽中 {n} 家，公示包容免罚结果 1 条")
    return None


def _account(db: Session, clock: Clock, username: str, name: str, role: Role,
             code: str | None) -> Actor:
    user = repo.user_by_username(db, username) or auth.create_user(
        db, Actor.system("demo-up", via="cli"), clock, username=username, display_name=name,
        role=role, password=secrets.token_urlsafe(16) + "-9a", department_code=code)
    return Actor.of(user)


def _seed(db: Session, real: Clock, main_code: str) -> int:
    setup = FixedClock(real.now() - timedelta(hours=2))
    market = repo.department_by_key(db, MARKET[0])
    if market is None:
        auth.create_department(db, Actor.system("demo-up", via="cli"), *MARKET)
    office = _account(db, setup, "demo-office", "演示营商办管理员", Role.OFFICE, None)
    supervisor = _account(db, setup, "demo-supervisor", "演示部门监管负责人", Role.SUPERVISOR,
                          main_code)
    inspector = _account(db, setup, "demo-inspector", "演示执法检查人员", Role.INSPECTOR,
                         main_code)
    codes = {"main": main_code, "market": MARKET[0]}
    for dept, name, basis, content, applies in ITEMS:
        catalogs.add_item(db, office, setup, catalogs.ItemIn(
            codes[dept], name, basis, content, applies, "每年一次", "general"))
    for dept, item, basis, conditions, words in EXEMPTIONS:
        catalogs.add_exemption(db, office, catalogs.ExemptionIn(codes[dept], item, basis,
                                                                conditions, words))
    for dept in ("main", "market"):
        for k in range(1, 9):
            catalogs.add_officer(db, office, setup, catalogs.OfficerIn(
                f"{'经信' if dept == 'main' else '市监'}执法员{k}", codes[dept],
                f"DEMO-{dept.upper()}-{k:03d}", real.today_local() + timedelta(days=365 * 2),
                ["general"], [], "demo-inspector" if dept == "main" and k == 1 else ""))
    for uscc, tax in repo.tax_grades(db):
        db.add(CreditGrade(uscc=uscc, field="general", grade=credit.grade_from("纳税信用等级", tax),
                           risk="-", source="纳税信用等级", effective_from=date(2025, 1, 1),
                           created_at=setup.now()))
    db.flush()
    return _plan(db, real, setup, office, supervisor, inspector)


def _plan(db: Session, real: Clock, setup: FixedClock, office: Actor, supervisor: Actor,
          inspector: Actor) -> int:
    today = real.today_local()
    depts = [d.id for d in repo.departments(db) if d.id in {
        i.department_id for i in repo.items(db)}]
    plan = plans.create(db, office, setup, plans.PlanIn(
        title=f"{today.year}年{today.month}月工业产品与食品联合抽查（进一次门、查多项事）",
        department_ids=depts, item_ids=[i.id for i in repo.items(db)], field="general",
        period_start=today, period_end=today + timedelta(days=45),
        ratios={"A": "1", "B": "2", "C": "10", "D": "100", "N": "2"}, risk_ratios={},
        team_size=2))
    db.flush()
    due = real.now() - timedelta(hours=1)
    plans.commit(db, office, setup, plan.id, "public",
                 "区政务服务大厅 公开摇号（6 位数字，两名工作人员见证）", due)
    value = str(int(hashlib.sha256(f"demo-{today}".encode()).hexdigest(), 16) % 1_000_000)
    plans.enter_beacon(db, office, real, plan.id, value)
    plans.enter_beacon(db, supervisor, real, plan.id, value)
    rows = [r for r in repo.inspections(db, plan_id=plan.id)]
    officer = repo.officer_of_user(db, inspector.user_id)
    mine = next((r for r in rows if officer is not None and officer.id in r.officer_ids), None)
    if mine is not None:
        found = "未在经营场所醒目位置悬挂营业执照"
        offered = results.matching_exemptions(db, mine, found)
        results.record(db, inspector, real, mine.id, results.RecordIn(
            "issues", found, offered[0].id if offered else None, None))
        results.publish(db, supervisor, real, mine.id)
    return len(rows)
