"""Demo 好差评 for `make run` (`huiqi demo-up`): two windows in each of the five seed districts
(江北、巴南、九龙坡、东宝、青原) with QR codes and staff, ~400 ratings over the past twelve weeks
(mostly 好评, some 差评 at every stage of 核实 → 整改 → 回访, a few 误评 disputes, one upheld),
and the appeals' return visits fed in as ratings. Runs once; deterministic for a given day."""

from __future__ import annotations

import random
from datetime import timedelta

from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock, FixedClock
from huiqi.kit.db import unit_of_work
from huiqi.models.department import Department
from huiqi.models.rating import Rating, RatingWindow
from huiqi.models.user import Role
from huiqi.ratings import loop, windows
from huiqi.ratings import repository as repo
from huiqi.ratings.intake import RatingIn, Subject, record
from huiqi.ratings.sources import feed_appeal_visits
from huiqi.ratings.vocab import BAD_TAGS, GOOD_TAGS, CaseKind, Channel, Source

RATINGS = 400
WEEKS = 12
DISTRICTS = [("500105", "江北区"), ("500113", "巴南区"), ("500107", "九龙坡区"),
             ("420802", "东宝区"), ("360803", "青原区")]
WINDOWS = [("QY", "企业开办综合窗口", ["企业开办", "经营范围变更", "企业注销"]),
           ("GC", "工程建设项目审批窗口", ["施工许可", "竣工验收备案", "用地规划许可"])]
STAFF = ["李娜", "王芳", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周婷", "吴斌"]
LEVELS = [5] * 55 + [4] * 25 + [3] * 10 + [2] * 6 + [1] * 4
BAD_COMMENTS = ["排队等候超过一小时", "材料被要求补交了三次", "窗口人员解释不清楚",
                "系统故障无法提交，白跑一趟", "告知的办理时限与实际不符"]


def seed_ratings(engine: Engine, console: Console) -> dict[str, str] | None:
    with unit_of_work(engine) as db:
        if repo.rating_count(db) >= 50:
            console.print("演示好差评已存在")
            return None
        depts = repo.departments_by_id(db)
        if not depts:
            console.print("没有部门，跳过演示好差评")
            return None
        with console.status(f"生成 {RATINGS} 条演示评价…"):
            made = _windows(db, depts, Clock())
            n = _ratings(db, made, Clock())
            fed = feed_appeal_visits(db, Clock())
    console.print(f"演示好差评：{len(made)} 个窗口（五个区），{n} 条评价，"
                  f"诉求回访转评价 {fed} 条")
    return None


def _actor(role: Role, department_id: int | None = None) -> Actor:
    return Actor(None, "demo-up", "演示数据", role, department_id=department_id, via="cli")


def _windows(db: Session, depts: list[Department], real: Clock) -> list[RatingWindow]:
    office = _actor(Role.OFFICE)
    setup = FixedClock(real.now() - timedelta(weeks=WEEKS + 1))
    made = []
    for i, (region, district) in enumerate(DISTRICTS):
        local = [d for d in depts if district[:2] in d.name] or depts
        for j, (code, name, items) in enumerate(WINDOWS):
            dept = local[j % len(local)]
            staff = [{"no": f"{code}{i}{k}", "name": STAFF[(i * 2 + j + k) % len(STAFF)]}
                     for k in range(2)]
            existing = repo.window(db, f"{region}-{code}")
            made.append(existing or windows.create(
                db, office, setup, code=f"{region}-{code}", name=f"{district}政务服务中心{name}",
                department=dept.code, place=f"{district}政务服务中心 {j + 1} 楼", region=region,
                items=items, staff=staff))
    return made


def _ratings(db: Session, made: list[RatingWindow], real: Clock) -> int:
    rng = random.Random(real.today_local().toordinal())  # noqa: S311 (demo data)
    now = real.now()
    start = now - timedelta(weeks=WEEKS)
    span = (now - start).total_seconds()
    system = Actor.system("demo-up", via="cli")
    depts = {d.id: d for d in repo.departments_by_id(db)}
    times = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(RATINGS))
    bad: list[Rating] = []
    for n, at in enumerate(times):
        window = rng.choice(made)
        staff = rng.choice(window.staff)
        level = rng.choice(LEVELS)
        negative = level <= 2
        tags = [rng.choice(BAD_TAGS if negative else GOOD_TAGS)]
        sms = rng.random() < 0.2
        subject = Subject(CaseKind.CONTACT, f"{window.code}:DEMO{n:05d}",
                          depts[window.department_id], Channel.WINDOW,
                          Source.SMS if sms else Source.QR, rng.choice(window.items), window,
                          staff["no"], staff["name"])
        rating = record(db, system, FixedClock(at), subject, RatingIn(
            level, rng.choice(BAD_COMMENTS) if negative else None, tags))
        if negative:
            bad.append(rating)
    # The newest 差评 wait at each step (four each), the older ones went round the loop;
    # every seventh older one was disputed as a 误评 (alternately upheld and rejected).
    for i, rating in enumerate(reversed(bad)):
        target = STAGES[min(i // 4, len(STAGES) - 1)]
        _progress(db, rng, rating, target, dispute=i >= 12 and i % 7 == 0, upheld=i % 2 == 0)
    return RATINGS


STAGES = ["verify", "rectify", "revisit", "done"]


def _progress(db: Session, rng: random.Random, rating: Rating, target: str, *, dispute: bool,
              upheld: bool) -> None:
    dept = _actor(Role.DEPARTMENT, rating.department_id)
    at = FixedClock(rating.rated_at + timedelta(hours=20))
    if dispute:
        d = loop.dispute(db, dept, at, rating.id, "评价人所述事项不属于本窗口办理范围")
        loop.decide(db, _actor(Role.OFFICE), FixedClock(at.now() + timedelta(days=1)), d.id,
                    upheld, "经核查叫号与受理记录，" + ("确系误评" if upheld else "评价属实"))
        if upheld:
            return
    if target == "verify":
        return
    found = "partly" if target == "rectify" else rng.choice(["founded", "founded", "unfounded"])
    loop.verify(db, dept, at, rating.id, found, "调取叫号记录与受理台账核实")
    if target == "rectify":
        return
    if found != "unfounded":
        at.advance(days=rng.randint(1, 5))
        loop.rectify(db, dept, at, rating.id, "增开高峰时段窗口，推行一次性告知清单")
    if target == "revisit":
        return
    at.advance(days=rng.randint(1, 3))
    loop.revisit(db, dept, at, rating.id, rng.choice(["satisfied", "satisfied", "basic"]),
                 "电话回访评价人，告知整改情况")
