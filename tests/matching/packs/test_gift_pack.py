"""政策礼包 over HTTP, on SQLite and PostgreSQL: sections, the facts form and re-matching, bad
values refused with a clear message, explanations, and nobody else's pack (IDOR → 404)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.kit.db import unit_of_work
from huiqi.models.audit import AuditLog
from huiqi.models.user import User
from huiqi.registry import service as registry
from tests.fixtures.web import csrf_token

Client = Callable[..., TestClient]


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [e["item_id"] for e in entries]


def _htmx_post(client: TestClient, url: str, data: dict[str, str]) -> Any:
    token = csrf_token(client)
    return client.post(url, data=data, headers={"HX-Request": "true", "X-CSRF-Token": token})


def _api(client: TestClient, app_engine: Engine, clock: Any) -> TestClient:
    creds = client.creds  # type: ignore[attr-defined]
    with unit_of_work(app_engine) as db:
        actor = Actor.of(db.get(User, creds.id))
        _, secret = auth_service.create_api_token(db, actor, clock, "测试")
    api = TestClient(client.app, base_url="http://testserver")
    api.headers["Authorization"] = f"Bearer {secret}"
    return api


def test_page_sorts_items_into_the_three_sections(logged_in: Client, register: Any) -> None:
    uscc = register()
    client = logged_in("enterprise", enterprise_uscc=uscc)
    html = client.get("/gift-pack").text
    eligible, unknown, near = (html.split(f'id="{s}"')[1] for s in ("eligible", "unknown", "near"))
    eligible = eligible.split('id="unknown"')[0]
    assert "承租国有房屋减免租金" in eligible and "测算 30,000.00" in eligible
    assert "稳岗返还（免申即享）" in eligible and "12,000.00" in eligible
    assert 'href="/grants/apply/giftville.rent"' in eligible
    assert 'href="/grants/apply/giftville.auto"' not in html  # 免申即享: nothing to apply for
    assert "免申即享：无需申报" in eligible
    assert "42,000.00" in html  # the total
    unknown = unknown.split('id="near"')[0]
    assert "设备更新补助" in unknown and "生产性设备投资实际完成额" in unknown
    assert 'name="fact_equipment_investment"' in unknown and 'name="fact_loan_amount"' in unknown
    assert 'inputmode="decimal"' in unknown
    assert "高新技术企业奖励" in near and "未满足：<strong>高新技术企业</strong>" in near
    assert "经认定的高新技术企业" in near
    assert "东宝区租金补贴" not in html  # another district's policy
    # Explanation and policy text load when opened: the page stays small for 200 items.
    assert 'hx-get="/gift-pack/items/giftville.equipment/explanation"' in html
    assert "按投资额的5%给予补助" not in html


def test_supplying_a_fact_rematches_at_once(logged_in: Client, register: Any,
                                            app_engine: Engine) -> None:
    uscc = register()
    client = logged_in("enterprise", enterprise_uscc=uscc)
    client.get("/gift-pack")
    response = _htmx_post(client, "/gift-pack/facts", {"fact_equipment_investment": "2,000,000",
                                                        "fact_loan_rate": ""})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="gift-pack"')  # the fragment only
    eligible = response.text.split('id="unknown"')[0]
    assert "设备更新补助" in eligible and "测算 100,000.00" in eligible
    assert "huiqi:toast" in response.headers["HX-Trigger"]
    with unit_of_work(app_engine) as db:
        ent = registry.require_by_uscc(db, uscc)
        assert registry.get_facts(db, ent) == {"equipment_investment": 2000000}
        row = db.scalars(select(AuditLog).where(AuditLog.action == "matching.facts_supply")
                         .order_by(AuditLog.id.desc())).first()
        assert row is not None and row.after == {"equipment_investment": "2000000.00"}
    # Without htmx: saved, then back to the page with a flash.
    plain = client.post("/gift-pack/facts", data={"fact_loan_amount": "1000000",
                                                  "fact_loan_rate": "4%",
                                                  "csrf_token": csrf_token(client)})
    assert plain.status_code == 303 and plain.headers["location"] == "/gift-pack"
    assert "新符合条件：贷款贴息" in client.get("/gift-pack").text
    assert "新符合条件：贷款贴息" not in client.get("/gift-pack").text  # shown once


def test_bad_values_are_refused_with_a_clear_message(logged_in: Client, register: Any,
                                                    app_engine: Engine) -> None:
    uscc = register()
    client = logged_in("enterprise", enterprise_uscc=uscc)
    response = _htmx_post(client, "/gift-pack/facts", {"fact_equipment_investment": "一百万",
                                                        "fact_loan_rate": "150%",
                                                        "fact_loan_amount": "-5"})
    assert response.status_code == 422
    text = response.text
    assert "填报信息有误，未保存" in text
    assert "生产性设备投资实际完成额" in text and "不是数值" in text
    assert "不是0到1之间的比例" in text and "不能为负数" in text
    assert 'aria-invalid="true"' in text and 'value="一百万"' in text  # kept for correction
    empty = _htmx_post(client, "/gift-pack/facts", {"fact_loan_rate": ""})
    assert empty.status_code == 422 and "请至少填写一项信息" in empty.text
    with unit_of_work(app_engine) as db:
        assert registry.get_facts(db, registry.require_by_uscc(db, uscc)) == {}


def test_api_pack_and_facts(logged_in: Client, register: Any, app_engine: Engine,
                            clock: Any) -> None:
    uscc = register()
    api = _api(logged_in("enterprise", enterprise_uscc=uscc), app_engine, clock)
    pack = api.get("/api/v1/gift-pack").json()
    assert pack["uscc"] == uscc and pack["as_of"] == "2025-06-02"
    assert _ids(pack["eligible"]) == ["giftville.rent", "giftville.auto"]
    assert pack["total"] == "42000.00"
    assert sorted(_ids(pack["unknown"])) == ["giftville.equipment", "giftville.loan"]
    assert [f["name"] for f in pack["fact_fields"]] == ["equipment_investment", "loan_amount"]
    assert pack["fact_fields"][1]["needed_by"] == ["贷款贴息"]
    near = pack["near_misses"][0]
    assert near["failed"] == [{"name": "高新技术企业", "text": "经认定的高新技术企业"}]
    assert near["apply_url"] is None and pack["eligible"][1]["apply_url"] is None
    assert pack["eligible"][0]["apply_url"] == "/grants/apply/giftville.rent"
    assert pack["eligible"][0]["explanation"] is None
    # Like the page: the pack names each policy; its text comes with the "why" (explain=true,
    # or the item's explanation), so a pack of a few hundred items stays small.
    policy = pack["eligible"][0]["policy"]
    assert policy["doc_no"] == "礼测发〔2025〕1号" and policy["policy_text"] is None
    explained = api.get("/api/v1/gift-pack?explain=true").json()
    assert explained["eligible"][0]["explanation"][1] == "结论：符合条件"
    assert "租金" in explained["eligible"][0]["policy"]["policy_text"]

    bad = api.put("/api/v1/gift-pack/facts", json={"facts": {"loan_rate": "2", "revenue": 5}})
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert "贷款年利率" in error["message"] and "不是可由企业填报的申报信息" in error["message"]
    assert set(error["details"]) == {"loan_rate", "revenue"}

    half = api.put("/api/v1/gift-pack/facts", json={"facts": {"loan_amount": 2000000}}).json()
    assert half["newly_eligible"] == ["贷款贴息"]
    loan = next(e for e in half["pack"]["eligible"] if e["item_id"] == "giftville.loan")
    assert loan["amount"] is None and [f["name"] for f in loan["missing"]] == ["loan_rate"]
    rate = next(f for f in half["pack"]["fact_fields"] if f["name"] == "loan_rate")
    assert rate["unit"] == "比例" and rate["needed_by"] == ["贷款贴息"]
    ok = api.put("/api/v1/gift-pack/facts", json={"facts": {"loan_rate": "4%"}}).json()
    assert ok["newly_eligible"] == []
    loan = next(e for e in ok["pack"]["eligible"] if e["item_id"] == "giftville.loan")
    assert loan["amount"] == "40000.00"
    why = api.get("/api/v1/gift-pack/items/giftville.loan/explanation").json()
    assert any("贷款金额 2,000,000.00 元" in line or "2,000,000" in line for line in why["lines"])
    assert why["policy"]["policy_text"] and why["policy"]["doc_no"] == "礼测发〔2025〕1号"


def test_explanation_fragment_in_plain_chinese(logged_in: Client, register: Any) -> None:
    client = logged_in("enterprise", enterprise_uscc=register())
    html = client.get("/gift-pack/items/giftville.hightech/explanation").text
    assert "结论：不符合条件（仅差一项），未满足：高新技术企业" in html
    assert "✗ 高新技术企业" in html
    assert "礼测发〔2025〕1号" in html and "给予一次性奖励10万元" in html  # the policy text
    assert "高新技术企业证书" in html  # the materials
    assert client.get("/gift-pack/items/giftville.elsewhere/explanation").status_code == 404


def test_nobody_reads_another_enterprises_pack(logged_in: Client, register: Any,
                                              app_engine: Engine, clock: Any) -> None:
    mine, theirs = register(), register(high_tech=True)
    client = logged_in("enterprise", enterprise_uscc=mine)
    for url in (f"/gift-pack/enterprises/{theirs}", f"/gift-pack/enterprises/{mine}",
                f"/gift-pack/enterprises/{theirs}/items/giftville.rent/explanation"):
        assert client.get(url).status_code == 404
    api = _api(client, app_engine, clock)
    assert api.get(f"/api/v1/gift-pack/enterprises/{theirs}").status_code == 404
    assert api.get("/api/v1/gift-pack").json()["uscc"] == mine
    # The facts form writes only the caller's own enterprise, whatever the form carries.
    response = _htmx_post(client, "/gift-pack/facts", {"fact_equipment_investment": "1000000",
                                                        "uscc": theirs})
    assert response.status_code == 200
    with unit_of_work(app_engine) as db:
        assert registry.get_facts(db, registry.require_by_uscc(db, theirs)) == {}
    for role in ("department", "liaison", "auditor"):
        other = logged_in(role)
        assert other.get("/gift-pack").status_code == 404
        assert other.get(f"/gift-pack/enterprises/{theirs}").status_code == 404


def test_office_reads_any_pack_without_the_form(logged_in: Client, register: Any,
                                               app_engine: Engine, clock: Any) -> None:
    uscc = register(high_tech=True)
    office = logged_in("office")
    found = office.get("/gift-pack/enterprises", params={"q": uscc}).text
    assert f'href="/gift-pack/enterprises/{uscc}"' in found
    html = office.get(f"/gift-pack/enterprises/{uscc}").text
    assert "高新技术企业奖励" in html.split('id="unknown"')[0]  # eligible now
    assert 'id="facts-form"' not in html and "/grants/apply/" not in html and "只读" in html
    explain = office.get(f"/gift-pack/enterprises/{uscc}/items/giftville.hightech/explanation")
    assert "✓ 高新技术企业" in explain.text
    assert office.get("/gift-pack/enterprises/91500105MA0000000X").status_code == 404
    assert office.get("/gift-pack").status_code == 404  # the office has no pack of its own
    office_api = _api(office, app_engine, clock)
    assert office_api.get(f"/api/v1/gift-pack/enterprises/{uscc}").json()["uscc"] == uscc
    assert office_api.put("/api/v1/gift-pack/facts", json={"facts": {}}).status_code == 404


def test_unregistered_enterprise_is_told_what_to_do(logged_in: Client) -> None:
    client = logged_in("enterprise")  # an account whose enterprise is not in the registry
    response = client.get("/gift-pack")
    assert response.status_code == 404 and "请联系营商办完善企业信息" in response.text


def test_home_panel_and_menu(logged_in: Client, register: Any) -> None:
    client = logged_in("enterprise", enterprise_uscc=register())
    client.get("/gift-pack")  # matched on first visit
    home = client.get("/").text
    assert 'href="/gift-pack"' in home
    panel = re.search(r"<h2>政策礼包</h2>(.*?)</ul>", home, re.S)
    assert panel and "2 项" in panel.group(1) and "42,000.00" in panel.group(1)


def test_pinned_policy_date_decides_pack_and_application(app_engine: Engine, app_db_url: str,
                                                        tmp_path: Any, register: Any) -> None:
    """HUIQI_AS_OF=2025-06-02 while the clock says 2026: the 2025 policies apply, in the pack and
    in an application."""
    from huiqi.app import create_app
    from huiqi.kit.clock import FixedClock
    from huiqi.kit.settings import Settings
    from huiqi.models.application import Application
    from tests.fixtures.web import create_user, login

    later = FixedClock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    settings = Settings(data_dir=tmp_path, database_url=app_db_url, secret_key="k",
                        as_of=date(2025, 6, 2))
    uscc = register()
    creds = create_user(app_engine, later, "enterprise", enterprise_uscc=uscc)
    with TestClient(create_app(settings, app_engine, clock=later), follow_redirects=False) as c:
        assert login(c, creds).status_code == 303
        assert "按 2025-06-02 有效的政策测算" in c.get("/gift-pack").text
        assert "承租国有房屋减免租金" in c.get("/grants/items").text
        token = csrf_token(c)
        response = c.post("/grants/apply/giftville.rent", data={"csrf_token": token},
                          files={"material_0": ("合同.pdf", b"%PDF-1.4\n%%EOF\n",
                                                "application/pdf")})
        assert response.status_code == 303, response.text
    with unit_of_work(app_engine) as db:
        app = db.scalars(select(Application).where(Application.enterprise_uscc == uscc)).one()
        assert (app.as_of, app.year) == (date(2025, 6, 2), 2025)


def test_two_first_visits_at_once_both_get_the_pack(app_engine: Engine, register: Any) -> None:
    """Results are made on the first visit; a second visit at the same moment waits for the
    first one's rows and reads them (on PostgreSQL its own insert would collide)."""
    import threading

    from huiqi.matching import service
    from huiqi.policies import service as policies
    from huiqi.registry.catalog import load_catalog

    uscc = register()
    with unit_of_work(app_engine) as db:
        ent_id = registry.require_by_uscc(db, uscc).id
        items = [v.item for v in policies.published_items(db)
                 if v.item.document.region == "500105"]
    day, first_matched, outcomes = date(2025, 6, 2), threading.Event(), {}

    def visit(name: str, hold: bool) -> None:
        with unit_of_work(app_engine) as db:
            rows = service.results(db, load_catalog(), ent_id, items, day).rows
            pack = service.pack(items, rows)
            if hold:
                first_matched.set()
                time.sleep(0.5)  # still uncommitted while the second visit matches
            outcomes[name] = [e.item.id for e in pack.eligible]

    first = threading.Thread(target=visit, args=("first", True))
    first.start()
    assert first_matched.wait(20)
    visit("second", False)
    first.join(20)
    assert outcomes["first"] == outcomes["second"] == ["giftville.rent", "giftville.auto"]


def test_each_card_shows_the_enterprises_own_application(logged_in: Client, register: Any,
                                                          app_engine: Engine) -> None:
    from decimal import Decimal

    from huiqi.models.application import Application

    uscc = register()
    client = logged_in("enterprise", enterprise_uscc=uscc)

    def card() -> str:
        html = client.get("/gift-pack").text
        return html.split('id="item-giftville.rent"')[1].split("</article>")[0]

    assert 'href="/grants/apply/giftville.rent">申报</a>' in card()
    applied = client.post("/grants/apply/giftville.rent", data={
        "csrf_token": csrf_token(client), "bank_name": "重庆银行江北支行",
        "bank_account": "6222020200112233"})
    assert applied.status_code == 303, applied.text
    link = applied.headers["location"]
    shown = card()
    assert f'href="{link}">申报中</a>' in shown
    assert "/grants/apply/giftville.rent" not in shown and f'href="{link}">查看申报</a>' in shown

    def becomes(status: str, amount: str | None = None) -> str:
        with unit_of_work(app_engine) as db:
            app = db.scalars(select(Application).where(
                Application.enterprise_uscc == uscc)).one()
            app.status = status
            app.approved_amount = Decimal(amount) if amount else None
        return card()

    assert "容缺待补" in becomes("pending_materials")
    assert "已批准 30,000.00" in becomes("approved", "30000")
    paid = becomes("paid", "30000")
    assert "已兑现 30,000.00" in paid and "/grants/apply/" not in paid
    rejected = becomes("rejected")
    assert "未通过" in rejected and 'href="/grants/apply/giftville.rent">重新申报</a>' in rejected


def test_each_firm_sees_only_its_own_regions_items_in_the_pack(
        logged_in: Client, register: Any, app_engine: Engine, clock: Any) -> None:
    # twins but for the region: a Jiangbei (500105) and a Dongbao (420802) firm
    jiangbei, dongbao = register(), register(region="420802")
    seen: dict[str, list[str]] = {}
    for uscc in (jiangbei, dongbao):
        page = logged_in("enterprise", enterprise_uscc=uscc)
        pack = _api(page, app_engine, clock).get("/api/v1/gift-pack").json()
        seen[uscc] = [e["item_id"] for k in ("eligible", "unknown", "near_misses")
                      for e in pack[k]]
        html = page.get("/gift-pack").text
        assert ("东宝区租金补贴" in html) == (uscc == dongbao)
        assert ("承租国有房屋减免租金" in html) == (uscc == jiangbei)
    assert seen[dongbao] == ["giftville.elsewhere"]
    assert "giftville.elsewhere" not in seen[jiangbei] and "giftville.rent" in seen[jiangbei]
