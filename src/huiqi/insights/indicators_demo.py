"""Demo data of insights for `huiqi demo-up`: an indicator catalog of 30 监测指标 across the 18
一级指标 of the 营商环境评价 (seed 004), owned by Dongbao's departments (made if missing),
Jan–Apr values for every department and May's for most (the 经信局 of demo-department still has
May to enter), computed indicators from the demo's appeals and grants, and the latest Friday's
weekly report. Runs once; deterministic."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from rich.console import Console
from sqlalchemy import Engine

from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.insights import indicators_compute, report, report_service
from huiqi.insights import indicators_repository as repo
from huiqi.insights.indicators import month_of, months_back, previous_month
from huiqi.kit.clock import Clock
from huiqi.kit.db import unit_of_work
from huiqi.kit.settings import policy_date
from huiqi.models.indicator import Indicator, IndicatorValue

D = "东宝区"
DEPARTMENTS = {  # key → name (made when no department's name contains the key)
    "市场监督": f"{D}市场监督管理局", "经济和信息化": f"{D}经济和信息化局", "财政": f"{D}财政局",
    "商务": f"{D}商务局", "人力资源": f"{D}人力资源和社会保障局", "住房": f"{D}住房和城乡建设局",
    "自然资源": f"{D}自然资源和规划局", "税务": f"国家税务总局荆门市{D}税务局",
    "法院": f"{D}人民法院", "政务服务": f"{D}政务服务和大数据管理局",
    "公共资源": f"{D}公共资源交易中心",
}
# 一级指标, 二级指标, 监测指标, unit, direction, department key, target, source
CATALOG = [
    ("开办企业", "开办便利度", "企业开办平均用时", "天", "down", "市场监督", "1", "manual"),
    ("开办企业", "开办便利度", "企业开办全程网办率", "%", "up", "市场监督", "95", "manual"),
    ("办理建筑许可", "审批效率", "工程建设项目审批平均用时", "工作日", "down", "住房", "60",
     "manual"),
    ("办理建筑许可", "审批效率", "社会投资小型低风险项目审批用时", "工作日", "down", "住房", "15",
     "manual"),
    ("获得电力", "接电效率", "低压小微企业接电平均时间", "天", "down", "经济和信息化", "5",
     "manual"),
    ("获得电力", "供电可靠", "企业用户年均停电时间", "小时", "down", "经济和信息化", "3", "manual"),
    ("获得用水用气", "报装效率", "用水报装平均时间", "天", "down", "住房", "5", "manual"),
    ("获得用水用气", "报装效率", "用气报装平均时间", "天", "down", "住房", "6", "manual"),
    ("登记财产", "登记效率", "不动产登记平均时间", "工作日", "down", "自然资源", "3", "manual"),
    ("获得信贷", "融资便利度", "普惠小微贷款余额增速", "%", "up", "财政", "15", "manual"),
    ("获得信贷", "融资便利度", "首贷户新增数", "户", "up", "财政", "30", "manual"),
    ("保护中小投资者", "投资者保护", "涉企纠纷调解成功率", "%", "up", "法院", "85", "manual"),
    ("纳税", "办税便利度", "网上办税率", "%", "up", "税务", "98", "manual"),
    ("纳税", "办税便利度", "留抵退税平均办理天数", "天", "down", "税务", "3", "manual"),
    ("跨境贸易", "通关效率", "进口整体通关时间", "小时", "down", "商务", "36", "manual"),
    ("执行合同", "审判效率", "合同纠纷案件平均审理天数", "天", "down", "法院", "90", "manual"),
    ("办理破产", "破产效率", "破产案件平均审理天数", "天", "down", "法院", "300", "manual"),
    ("劳动力市场监管", "稳岗服务", "稳岗返还兑现率", "%", "up", "人力资源", "100", "manual"),
    ("劳动力市场监管", "就业服务", "重点企业用工缺口满足率", "%", "up", "人力资源", "90", "manual"),
    ("政府采购", "公平竞争", "中小企业预留份额占比", "%", "up", "财政", "40", "manual"),
    ("招标投标", "交易效率", "电子化招投标率", "%", "up", "公共资源", "100", "manual"),
    ("政务服务", "网上办理", "政务服务事项网办率", "%", "up", "政务服务", "90", "manual"),
    ("政务服务", "诉求办理", "企业诉求响应率", "%", "up", "政务服务", "95", "appeal_response_rate"),
    ("政务服务", "诉求办理", "企业诉求按时办结率", "%", "up", "政务服务", "90",
     "appeal_on_time_rate"),
    ("政务服务", "诉求办理", "企业诉求满意率", "%", "up", "政务服务", "95",
     "appeal_satisfaction_rate"),
    ("知识产权创造、保护和运用", "知识产权创造", "每万人发明专利拥有量", "件", "up", "市场监督",
     "12", "manual"),
    ("市场监管", "双随机、一公开", "双随机抽查任务完成率", "%", "up", "市场监督", "100", "manual"),
    ("包容普惠创新", "惠企政策", "惠企政策兑现平均天数", "天", "down", "财政", "30",
     "policy_payout_days"),
    ("包容普惠创新", "惠企政策", "免申即享兑现占比", "%", "up", "财政", "30", "auto_grant_share"),
    ("包容普惠创新", "创新活力", "新增高新技术企业数", "家", "up", "经济和信息化", "20", "manual"),
]
LEVEL1 = ["开办企业", "办理建筑许可", "获得电力", "获得用水用气", "登记财产", "获得信贷",
          "保护中小投资者", "纳税", "跨境贸易", "执行合同", "办理破产", "劳动力市场监管",
          "政府采购", "招标投标", "政务服务", "知识产权创造、保护和运用", "市场监管",
          "包容普惠创新"]


def _departments(engine: Engine, actor: Actor) -> dict[str, int]:
    with unit_of_work(engine) as db:
        names = repo.departments(db)
        out: dict[str, int] = {}
        for n, (key, name) in enumerate(DEPARTMENTS.items(), start=1):
            found = next((i for i, dn in names.items() if key in dn and D in dn), None) or \
                next((i for i, dn in names.items() if key in dn), None)
            if found is None:
                found = auth_service.create_department(db, actor, f"ins-{n:02d}", name).id
            out[key] = found
    return out


def _value(rng: random.Random, target: Decimal, direction: str, unit: str) -> Decimal:
    spread = rng.uniform(-0.12, 0.1) if direction == "up" else rng.uniform(-0.1, 0.15)
    value = target * Decimal(str(1 + spread))
    if unit == "%":
        value = min(value, Decimal(100))
    return value.quantize(Decimal("0.1") if unit in ("%", "天", "小时") else Decimal("1"))


def seed_insights(engine: Engine, console: Console) -> dict[str, str] | None:
    with unit_of_work(engine) as db:
        if repo.indicator_count(db) > 0:
            console.print("演示指标台账已存在")
            return None
    actor = Actor.system("demo-up", via="cli")
    depts, clock = _departments(engine, actor), Clock()
    rng = random.Random(2025)  # noqa: S311 - demo figures, not secrets
    latest = previous_month(month_of(policy_date()))
    months = months_back(latest, 5)
    now = clock.now()
    with unit_of_work(engine) as db:
        for n, (l1, l2, name, unit, direction, key, target, source) in enumerate(CATALOG, 1):
            ind = Indicator(code=f"{LEVEL1.index(l1) + 1:02d}.{n:02d}", level1=l1, level2=l2,
                            name=name, unit=unit, direction=direction, department_id=depts[key],
                            frequency="monthly", target=Decimal(target), source=source,
                            active=True, created_at=now, updated_at=now)
            db.add(ind)
            db.flush()
            if source != "manual":
                continue
            for period in months:
                if period == latest and key == "经济和信息化":
                    continue  # demo-department's bureau still has the last month to enter
                db.add(IndicatorValue(indicator_id=ind.id, period=period,
                                      value=_value(rng, Decimal(target), direction, unit),
                                      computed=False, entered_at=now, note=None))
        computed = 0
        for period in sorted(set(months) | set(months_back(month_of(clock.today_local()), 3))):
            computed += sum(v is not None for v in
                            indicators_compute.compute(db, clock, period).values())
        today = clock.today_local()
        friday = today - timedelta(days=(today.weekday() - 4) % 7)
        p = report.week_before(friday)
        report_service.generate(db, actor, clock, p.start, p.end, kind="scheduled",
                                schedule_key=friday.isoformat())
    console.print(f"指标台账：{len(CATALOG)} 项监测指标（{len(set(c[0] for c in CATALOG))} 个一级"
                  f"指标），{len(months)} 个月的数值，自动计算 {computed} 项；周报 {p.label}")
    return None
