"""指标台账: the catalog from Excel (bad rows reported, good ones imported, re-import updates);
a department enters its own indicators only (pages and API), the office reads all and enters
none; computed indicators equal the figures they come from; the league table; the export's
layout; reminders once per department and month."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.insights import indicators, indicators_compute, indicators_excel, indicators_tasks
from huiqi.insights.dashboard_public import reader
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import unit_of_work
from huiqi.kit.excel import workbook_bytes
from huiqi.models.audit import AuditLog
from huiqi.models.indicator import Indicator, IndicatorValue
from huiqi.models.notification import Notification
from huiqi.models.user import Role, User
from tests.fixtures.service_db import *  # noqa: F403 - engine: a fresh database per test
from tests.fixtures.web import *  # noqa: F403 - app, logged_in, make_user (module database)
from tests.fixtures.web import login
from tests.insights import data

NOW = datetime(2025, 6, 12, 2, 0, tzinfo=UTC)  # 12 June: May's values are due


def catalog(rows: list[list[object]]) -> bytes:
    return workbook_bytes("指标目录", indicators_excel.COLUMNS, rows)


def good_rows(a: str, b: str) -> list[list[object]]:
    return [
        ["01.01.01", "开办企业", "开办便利度", "企业开办平均用时", "天", "越低越好", a, "每月", 1,
         "部门填报"],
        ["01.01.02", "开办企业", "开办便利度", "开办企业网办率", "%", "越高越好", a, "每月", 95,
         ""],
        ["05.02.01", "获得信贷", "融资便利度", "首贷户新增数", "户", "越高越好", b, "每月", 30,
         "部门填报"],
        ["17.01.01", "政务服务", "诉求办理", "诉求响应率", "%", "越高越好", b, "每月", 98,
         "诉求响应率（%）"],
        ["16.03.01", "惠企政策", "兑现效率", "免申即享占比", "%", "越高越好", b, "每月", 30,
         "auto_grant_share"],
    ]


def _world(engine: Engine) -> dict[str, Any]:
    clock = FixedClock(NOW)
    with unit_of_work(engine) as db:
        a = auth_service.create_department(db, Actor.system(), "scj", "区市场监督管理局")
        b = auth_service.create_department(db, Actor.system(), "czj", "区财政局")
        users = {}
        for name, dept in (("a1", a), ("a2", a), ("b1", b)):
            u = User(username=f"ind-{name}", display_name=name, role="department",
                     department_id=dept.id, password_hash="!")
            db.add(u)
            db.flush()
            users[name] = Actor.of(u)
        office = User(username="ind-office", display_name="营商办", role="office",
                      password_hash="!")
        db.add(office)
        db.flush()
        users["office"] = Actor.of(office)
        report = indicators_excel.import_catalog(db, users["office"], clock,
                                                 catalog(good_rows(a.name, "czj")))
        assert (report.inserted, report.errors) == (5, [])
        ids = {i.code: i.id for i in db.scalars(select(Indicator))}
    return {"clock": clock, "users": users, "ids": ids, "a": a.name, "b": b.name}


def test_import_reports_each_bad_row_and_imports_the_rest(engine: Engine) -> None:
    w = _world(engine)
    rows = [
        ["01.01.01", "开办企业", "开办便利度", "企业开办平均用时（修订）", "天", "越低越好",
         w["a"], "每月", "0.5", ""],  # updates the existing one
        ["", "开办企业", "x", "缺编码", "天", "越低越好", w["a"], "每月", "", ""],
        ["09.9", "纳税", "x", "方向不对", "%", "越多越好", w["a"], "每月", "", ""],
        ["09.8", "纳税", "x", "部门不存在", "%", "越高越好", "区不存在局", "每月", "", ""],
        ["09.7", "纳税", "x", "目标不是数", "%", "越高越好", w["a"], "每月", "九十", ""],
        ["09.6", "纳税", "x", "频次不对", "%", "越高越好", w["a"], "每周", "", ""],
        ["09.5", "纳税", "x", "来源不对", "%", "越高越好", w["a"], "每月", "", "随便算"],
        ["09.1", "纳税", "办税便利度", "网上办税率", "%", "越高越好", w["a"], "每季度", "99", ""],
        ["09.1", "纳税", "办税便利度", "重复编码", "%", "越高越好", w["a"], "每月", "99", ""],
    ]
    with unit_of_work(engine) as db:
        report = indicators_excel.import_catalog(db, w["users"]["office"], w["clock"],
                                                 catalog(rows))
    assert (report.inserted, report.updated) == (1, 1)
    errors = {e.row: e.reason for e in report.errors}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 10]
    # each kind of refusal has its own stable code
    assert [(e.row, e.code) for e in report.errors] == [
        (3, "missing_code"), (4, "bad_direction"), (5, "unknown_department"), (6, "bad_target"),
        (7, "bad_frequency"), (8, "bad_source"), (10, "duplicate_code")]
    assert "指标编码" in errors[3] and "指标方向" in errors[4] and "区不存在局" in errors[5]
    assert "目标值" in errors[6] and "监测频次" in errors[7] and "随便算" in errors[8]
    assert "重复" in errors[10]
    with unit_of_work(engine) as db:
        first = db.scalar(select(Indicator).where(Indicator.code == "01.01.01"))
        assert first is not None and first.name == "企业开办平均用时（修订）"
        assert first.target == Decimal("0.5")
        assert db.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "insights.indicator_import")) == 2
    with unit_of_work(engine) as db, pytest.raises(Exception, match="表头"):
        indicators_excel.import_catalog(db, w["users"]["office"], w["clock"],
                                        workbook_bytes("x", ["a", "b"], []))


def test_a_department_enters_its_own_indicators_only(engine: Engine) -> None:
    w = _world(engine)
    u, ids, clock = w["users"], w["ids"], w["clock"]
    with unit_of_work(engine) as db:
        row = indicators.enter(db, u["a1"], clock, ids["01.01.01"], "2025-05", Decimal("0.8"),
                               "含周末")
        assert row.value == Decimal("0.8")
    with unit_of_work(engine) as db:  # a colleague corrects it: one value, two audit rows
        indicators.enter(db, u["a2"], clock, ids["01.01.01"], "2025-05", Decimal("0.7"))
    with unit_of_work(engine) as db:
        values = list(db.scalars(select(IndicatorValue)))
        assert [(v.period, v.value) for v in values] == [("2025-05", Decimal("0.7"))]
        audits = list(db.scalars(select(AuditLog).where(
            AuditLog.action == "insights.indicator_enter").order_by(AuditLog.id)))
        assert len(audits) == 2 and audits[1].before == {"value": "0.8000", "note": "含周末"}
    refusals = [
        (u["b1"], ids["01.01.01"], "2025-05", "不存在"),  # another department's: not found
        (u["office"], ids["01.01.01"], "2025-05", "责任单位"),  # the office reads, never enters
        (u["b1"], ids["17.01.01"], "2025-05", "自动计算"),  # computed
        (u["a1"], ids["01.01.02"], "2025-07", "未来"),
        (u["a1"], ids["01.01.02"], "2025-5", "年-月"),
    ]
    for actor, ident, period, message in refusals:
        with unit_of_work(engine) as db, pytest.raises(Exception, match=message):
            indicators.enter(db, actor, clock, ident, period, Decimal(1))
    with unit_of_work(engine) as db:
        own = [r.indicator.code for r in indicators.ledger(db, u["a1"], ["2025-05"])]
        everything = [r.indicator.code for r in indicators.ledger(db, u["office"], ["2025-05"])]
    assert own == ["01.01.01", "01.01.02"] and len(everything) == 5


@pytest.mark.parametrize("text", ["abc", "1e400", "NaN", "Infinity", "１２", "", "1" * 20])
def test_values_must_be_plain_numbers(text: str) -> None:
    with pytest.raises(Exception, match="应为数字"):
        indicators.parse_value(text)


def test_computed_indicators_equal_their_sources(engine: Engine) -> None:
    from huiqi.appeals import service as appeals

    w = _world(engine)
    data.seed_weeks(engine)  # appeals and grants in May 2025
    with unit_of_work(engine) as db:
        values = indicators_compute.compute(db, w["clock"], "2025-05")
        rates = appeals.rates_between(db, reader(), date(2025, 5, 1), date(2025, 5, 31),
                                      w["clock"].now())
    rate = rates.response
    assert rate.denominator > 0
    expected = (Decimal(rate.numerator * 100) / rate.denominator).quantize(Decimal("0.01"))
    assert values["17.01.01"] == expected
    # grants approved in May: 5000.00 (apply), 1234.56 (auto), 300.00 (apply) → 1 of 3 auto
    assert values["16.03.01"] == Decimal("33.33")
    with unit_of_work(engine) as db:
        stored = {v.indicator_id: v for v in db.scalars(select(IndicatorValue))}
        assert stored[w["ids"]["17.01.01"]].computed and \
            stored[w["ids"]["17.01.01"]].value == expected
        # recomputing replaces, never duplicates
        indicators_compute.compute(db, w["clock"], "2025-05")
    with unit_of_work(engine) as db:
        assert db.scalar(select(func.count()).select_from(IndicatorValue)) == 2


def test_league_ranks_by_targets_met_then_reported(engine: Engine) -> None:
    w = _world(engine)
    u, ids, clock = w["users"], w["ids"], w["clock"]
    with unit_of_work(engine) as db:
        indicators.enter(db, u["a1"], clock, ids["01.01.01"], "2025-05", Decimal("0.9"))  # met
        indicators.enter(db, u["a1"], clock, ids["01.01.02"], "2025-05", Decimal(90))  # not
        indicators.enter(db, u["b1"], clock, ids["05.02.01"], "2025-05", Decimal(31))  # met
    with unit_of_work(engine) as db:
        table = indicators.league(db, u["office"], "2025-05")
        mine = indicators.league(db, u["a1"], "2025-05")
    assert [(r.rank, r.department, r.met, r.with_target, r.reported, r.indicators)
            for r in table] == [(1, w["b"], 1, 1, 1, 3), (2, w["a"], 1, 2, 2, 2)]
    assert [r.department for r in mine] == [w["a"]]


def test_reminders_once_per_department_and_month(engine: Engine) -> None:
    w = _world(engine)
    u, ids, clock = w["users"], w["ids"], w["clock"]
    with unit_of_work(engine) as db:
        indicators.enter(db, u["b1"], clock, ids["05.02.01"], "2025-05", Decimal(31))
    with unit_of_work(engine) as db:
        assert indicators_tasks.remind(db, clock) == 1  # only 市场监管局 has values missing
    with unit_of_work(engine) as db:
        assert indicators_tasks.remind(db, clock) == 0
        told = list(db.scalars(select(Notification).where(
            Notification.link == "/insights/indicators/entry?period=2025-05")))
        assert sorted(n.user_id for n in told) == sorted([u["a1"].user_id, u["a2"].user_id])
        assert "2 项" in told[0].body


def test_export_layout_for_submitting_upward(engine: Engine) -> None:
    w = _world(engine)
    with unit_of_work(engine) as db:
        indicators.enter(db, w["users"]["a1"], w["clock"], w["ids"]["01.01.02"], "2025-04",
                         Decimal("96.5"))
        rows = indicators.ledger(db, w["users"]["office"], ["2025-04", "2025-05"])
        content = indicators_excel.ledger_bytes("营商环境评价监测指标台账（2025年5月）",
                                                [("统计月份", "2025-05")],
                                                ["2025-04", "2025-05"], rows)
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    cells = list(ws.iter_rows(values_only=True))
    assert cells[0][0] == "营商环境评价监测指标台账（2025年5月）"
    assert list(cells[3]) == ["序号", "一级指标", "二级指标", "监测指标", "单位", "指标方向",
                              "责任单位", "目标值", "2025-04", "2025-05", "是否达标"]
    body = {r[3]: r for r in cells[4:]}
    assert body["开办企业网办率"][8] == 96.5 and body["开办企业网办率"][7] == 95
    assert [r[1] for r in cells[4:]] == sorted(r[1] for r in cells[4:])


# --- pages and API ---------------------------------------------------------------------------

def _page_world(app_engine: Engine, make_user: Any) -> dict[str, Any]:
    suffix = datetime.now(UTC).strftime("%H%M%S%f")
    with unit_of_work(app_engine) as db:
        a = auth_service.create_department(db, Actor.system(), f"a{suffix}", f"甲局{suffix}")
        b = auth_service.create_department(db, Actor.system(), f"b{suffix}", f"乙局{suffix}")
        office = User(username=f"o{suffix}", display_name="o", role="office", password_hash="!")
        db.add(office)
        db.flush()
        rows = [[f"{suffix}.{n}", "获得电力", "用电便利度", f"{name}{suffix}", "天", "越低越好",
                 dept.name, "每月", 5, ""] for n, (name, dept) in
                enumerate([("接电时间", a), ("报装环节", b)])]
        indicators_excel.import_catalog(db, Actor.of(office), FixedClock(NOW), catalog(rows))
        ids = [i.id for i in db.scalars(select(Indicator).where(
            Indicator.code.like(f"{suffix}.%")).order_by(Indicator.code))]
    return {"a": a, "b": b, "ids": ids, "suffix": suffix,
            "dept": make_user("department", department_code=a.code)}


def _csrf(client: TestClient, path: str) -> str:
    return client.get(path).text.split('name="csrf_token" value="')[1].split('"')[0]


def test_department_pages(app: Any, app_engine: Engine, make_user: Any, logged_in: Any
                          ) -> None:
    w = _page_world(app_engine, make_user)
    dept = TestClient(app, follow_redirects=False)
    login(dept, w["dept"])
    page = dept.get("/insights/indicators?period=2025-05")
    assert f"接电时间{w['suffix']}" in page.text and f"报装环节{w['suffix']}" not in page.text
    assert dept.get(f"/insights/indicators/{w['ids'][1]}").status_code == 404
    token = _csrf(dept, "/insights/indicators/entry?period=2025-05")
    saved = dept.post("/insights/indicators/entry", data={
        "csrf_token": token, "period": "2025-05", f"value_{w['ids'][0]}": "4.5"})
    assert saved.status_code == 303
    assert "4.5" in dept.get(f"/insights/indicators/{w['ids'][0]}").text
    other = dept.post(f"/insights/indicators/{w['ids'][1]}/values", data={
        "csrf_token": token, "period": "2025-05", "value": "3"})
    assert other.status_code == 404
    office = logged_in("office")
    assert f"报装环节{w['suffix']}" in office.get("/insights/indicators?period=2025-05").text
    assert office.get("/insights/indicators/league?period=2025-05").status_code == 200
    sheet = office.get("/insights/indicators/ledger.xlsx?period=2025-05")
    assert sheet.content[:2] == b"PK"
    assert logged_in("enterprise").get("/insights/indicators").status_code == 404


def test_api_enter_and_read(app: Any, app_engine: Engine, make_user: Any) -> None:
    w = _page_world(app_engine, make_user)
    with unit_of_work(app_engine) as db:
        user = db.get(User, w["dept"].id)
        assert user is not None
        _, secret = auth_service.create_api_token(db, Actor.of(user), FixedClock(NOW), "测试")
    api = TestClient(app, headers={"Authorization": f"Bearer {secret}"})
    made = api.post(f"/api/v1/insights/indicators/{w['ids'][0]}/values",
                    json={"period": "2025-05", "value": "3.25"})
    assert made.status_code == 201, made.text
    assert made.json()["value"] == "3.25"
    listed = api.get("/api/v1/insights/indicators?period=2025-05").json()
    assert [x["values"]["2025-05"] for x in listed] == ["3.25"]
    assert api.post(f"/api/v1/insights/indicators/{w['ids'][1]}/values",
                    json={"period": "2025-05", "value": "1"}).status_code == 404
    assert api.post(f"/api/v1/insights/indicators/{w['ids'][0]}/values",
                    json={"period": "2025-05", "value": "abc"}).status_code == 422
    assert Role.DEPARTMENT.value == w["dept"].role


def test_tick_computes_last_month_once_then_leaves_it(engine: Engine) -> None:
    from huiqi.insights import tasks

    w = _world(engine)
    data.seed_weeks(engine)
    with unit_of_work(engine) as db:
        first = tasks.tick(db, w["clock"])
    with unit_of_work(engine) as db:
        again = tasks.tick(db, w["clock"])
        stored = {v.indicator_id: v.value for v in db.scalars(select(IndicatorValue))}
    assert first["indicators_computed"] == 2 and again["indicators_computed"] == 0
    assert stored[w["ids"]["16.03.01"]] == Decimal("33.33")
    assert first["indicator_reminders"] == 2 and again["indicator_reminders"] == 0
