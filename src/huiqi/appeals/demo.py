"""Demo appeals for `make run` (`huiqi demo-up`): categories with deadline rules for the demo
departments, a 包联 list for demo-liaison, 营商前哨 enterprises, and ~200 appeals raised over the
past twelve weeks and taken through the real service to every status — so the lists, the four
lists, the rates and the trends have something real to show. Runs once (skipped when appeals
exist). Deterministic for a given day."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from huiqi.appeals import categories, service, tasks
from huiqi.appeals import demo_repository as demo_repo
from huiqi.appeals import repository as repo
from huiqi.appeals.deadlines import SHANGHAI
from huiqi.appeals.vocab import AppealAction as A
from huiqi.appeals.vocab import AppealStatus, Source
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock, FixedClock
from huiqi.kit.db import unit_of_work
from huiqi.matching import service as matching
from huiqi.models.appeal import Appeal
from huiqi.models.department import Department
from huiqi.models.user import Role, User

APPEALS = 200
WEEKS = 12
# code, name, sign / resolve working days, departments (by name fragment), titles
CATEGORIES = [
    ("labour", "用工招聘", 1, 5, ["人力资源", "经济和信息化"],
     ["招工难，缺少熟练焊工", "技能人才引进补贴咨询", "稳岗返还未到账", "急需叉车司机20名"]),
    ("finance", "融资信贷", 1, 10, ["财政", "经济和信息化"],
     ["流动资金贷款审批慢", "首贷对接需求", "知识产权质押融资咨询", "贷款贴息申请进度"]),
    ("elements", "要素保障", 1, 5, ["经济和信息化"],
     ["厂区用电容量不足", "天然气接入排期", "工业用水压力不够", "物流通道施工影响出货"]),
    ("permit", "审批许可", 1, 10, ["市场监督", "商务"],
     ["食品经营许可证变更", "特种设备检验排队", "营业执照经营范围变更", "广告牌设置审批"]),
    ("market", "市场开拓", 1, 10, ["商务"],
     ["参加展会补贴咨询", "外贸订单结汇问题", "电商直播基地入驻", "产品进商超渠道"]),
    ("policy", "政策兑现", 1, 15, ["财政", "经济和信息化"],
     ["技改补贴何时兑现", "专精特新奖励申报", "房租减免未落实", "设备更新贴息材料"]),
    ("agri", "涉农服务", 1, 10, ["农业农村"],
     ["生猪养殖用地审批", "合作社农机补贴", "农产品冷链仓储需求", "高标准农田建设"]),
]
# age in days → how far the appeal got (older ones mostly closed)
STAGES = [AppealStatus.SUBMITTED, AppealStatus.DISPATCHED, AppealStatus.SIGNED,
          AppealStatus.IN_PROGRESS, AppealStatus.REPLIED, AppealStatus.CONFIRMED,
          AppealStatus.VISITED, AppealStatus.CLOSED]


def seed_appeals(engine: Engine, console: Console) -> dict[str, str] | None:
    with unit_of_work(engine) as db:
        if demo_repo.appeal_count(db) >= 50:
            console.print("演示诉求已存在")
            return None
        if not demo_repo.department_count(db):
            console.print("没有部门，跳过演示诉求")
            return None
        with console.status(f"生成 {APPEALS} 条演示诉求…"):
            n = _seed(db, Clock())
    console.print(f"演示诉求：{n} 条（{len(CATEGORIES)} 个类别，近 {WEEKS} 周），"
                  "含营商前哨企业与 demo-liaison 的包联名单")
    return None


def _actor(role: Role, **kw: object) -> Actor:
    return Actor(None, "demo-up", "演示数据", role, via="cli", **kw)  # type: ignore[arg-type]


def _departments(db: Session) -> dict[str, Department]:
    return demo_repo.departments_by_name(db)


def _pick(depts: dict[str, Department], fragments: list[str]) -> list[Department]:
    found = [d for f in fragments for name, d in depts.items() if f in name]
    return list(dict.fromkeys(found)) or list(depts.values())[:1]


def _demo_user(db: Session, username: str) -> User | None:
    return demo_repo.user_named(db, username)


def _demo_uscc(db: Session, pool: list[str]) -> str:
    """demo-enterprise's USCC, or the one `huiqi demo-up` will give it (see cli.demo_steps)."""
    user = _demo_user(db, "demo-enterprise")
    if user is not None and user.enterprise_uscc:
        return user.enterprise_uscc
    best = matching.most_eligible_uscc(db, "420802")
    return best or pool[0]


def _seed(db: Session, real: Clock) -> int:
    rng = random.Random(real.today_local().toordinal())  # noqa: S311  (demo data)
    office = _actor(Role.OFFICE)
    depts = _departments(db)
    start = real.now() - timedelta(weeks=WEEKS)
    setup = FixedClock(start)
    existing = {c.code for c in categories.list_categories(db, active_only=False)}
    plan = []
    for code, name, sign, resolve, fragments, titles in CATEGORIES:
        chosen = _pick(depts, fragments)
        if code not in existing:
            categories.create_category(db, office, setup, code=code, name=name,
                                       sign_within_workdays=sign, resolve_within_workdays=resolve,
                                       usual_departments=[d.code for d in chosen])
        plan.append((name, chosen, titles))
    pool = demo_repo.first_usccs(db, 80, region="420802") or demo_repo.first_usccs(db, 80)
    demo = _demo_uscc(db, pool)
    pool = [demo, *[u for u in pool if u != demo]]
    sentinels = pool[1:6]
    for uscc in sentinels:
        service.set_sentinel(db, office, setup, uscc, note="营商前哨联系点")
    liaison = _demo_user(db, "demo-liaison")
    if liaison is None:
        from huiqi.auth import service as auth_service
        from huiqi.kit.security import generate_password

        liaison = auth_service.create_user(
            db, Actor.system("demo-up", via="cli"), setup, username="demo-liaison",
            display_name="演示服务专员", role=Role.LIAISON, password=generate_password(16))
    for uscc in [demo, *pool[6:14]]:
        service.assign_liaison(db, office, setup, liaison.id, uscc)
    count = 0
    # Configuration and recipients are settled from here on: look them up once (repository).
    with repo.cached_lookups(db):
        for i in range(APPEALS):
            name, chosen, titles = plan[i % len(plan)] if i % 9 else plan[2]
            age = rng.uniform(0.2, WEEKS * 7 - 1)
            if name == "要素保障" and i % 3 == 0:
                age = rng.uniform(0.2, 5)  # a rising category this week (苗头性、倾向性)
            uscc = demo if i % 25 == 0 else rng.choice(pool)
            _one(db, rng, real, name, chosen, rng.choice(titles), uscc, uscc in sentinels, age)
            count += 1
        tasks.tick(db, real)
    return count


def _working_hour(at: datetime) -> datetime:
    local = at.astimezone(SHANGHAI)
    while local.weekday() >= 5:
        local += timedelta(days=1)
    hour = time(9 + (local.minute % 8), local.minute)
    return datetime.combine(local.date(), hour, SHANGHAI).astimezone(UTC)


def _one(db: Session, rng: random.Random, real: Clock, category: str, chosen: list[Department],
         title: str, uscc: str, sentinel: bool, age_days: float) -> None:
    now = real.now()
    clock = FixedClock(min(_working_hour(now - timedelta(days=age_days)), now))
    source = Source.SENTINEL if sentinel else rng.choice(
        [Source.ONLINE, Source.ONLINE, Source.LIAISON_VISIT, Source.HOTLINE, Source.ROUNDTABLE])
    office = _actor(Role.OFFICE)
    appeal = service.submit(db, office, clock, service.AppealIn(
        category=category, title=title, enterprise_uscc=uscc, source=source,
        description=f"{title}。企业反映情况属实，希望相关部门尽快协调解决。"))
    # how far it got: older appeals further, a few stuck or late on purpose
    reach = min(len(STAGES) - 1, int(age_days / 3) + rng.randint(0, 2))
    lead, co = chosen[0] if rng.random() < .75 else rng.choice(chosen), None
    if len(chosen) > 1 and rng.random() < .3:
        co = next(d for d in chosen if d is not lead)
    lead_actor = _actor(Role.DEPARTMENT, department_id=lead.id)
    ent = _actor(Role.ENTERPRISE, enterprise_uscc=uscc)
    steps = [
        (office, A.DISPATCH, {"lead_department": lead.code,
                              "co_departments": [co.code] if co else []}, .1),
        (lead_actor, A.SIGN, {}, rng.choice([.05, .3, .9, 1.5, 3])),
        (lead_actor, A.START, {}, .2),
        (lead_actor, A.REPLY, {"reply": "已协调相关单位落实，具体办理情况已电话告知企业。"},
         rng.choice([1, 2, 4, 6, 9, 14])),
        (ent, A.CONFIRM, {}, rng.choice([.3, 1, 2])),
        (office, A.VISIT, _visit(rng), rng.choice([.5, 1, 2])),
        (office, A.CLOSE, {"note": "企业满意，予以销号"}, .2),
    ]
    for n, (who, action, payload, wait_days) in enumerate(steps, start=1):
        if n > reach:
            break
        clock.advance(timedelta(days=wait_days))
        if clock.now() >= now:
            break
        service.act(db, who, clock, appeal.id, action, payload)
    _extras(db, rng, clock, appeal, lead_actor, office)


HANDLING = {AppealStatus.DISPATCHED.value, AppealStatus.SIGNED.value,
            AppealStatus.IN_PROGRESS.value}


def _extras(db: Session, rng: random.Random, clock: FixedClock, appeal: Appeal,
            lead: Actor, office: Actor) -> None:
    """A few 工作专班, pending 退单 and 延期 requests among the open appeals."""
    if appeal.status not in HANDLING:
        return
    roll = rng.random()
    if roll < .12:
        service.act(db, office, clock, appeal.id, A.ESCALATE,
                    {"lead_official": rng.choice(["王副区长", "李副区长"]),
                     "reason": "涉及多个部门，需专班统筹推进"})
    elif roll < .2:
        service.act(db, lead, clock, appeal.id, A.REQUEST_RETURN,
                    {"reason": "该事项不属于本部门职责，建议改派"})
    elif roll < .28 and appeal.status != AppealStatus.DISPATCHED.value:
        service.act(db, lead, clock, appeal.id, A.REQUEST_EXTENSION,
                    {"reason": "需等待上级部门批复", "extra_workdays": 5})


def _visit(rng: random.Random) -> dict[str, object]:
    score = rng.choices([5, 4, 3, 2], weights=[60, 28, 8, 4])[0]
    return {"satisfaction": score} if score >= 4 else \
        {"satisfaction": score, "comment": "办理时间偏长，希望加快进度"}
