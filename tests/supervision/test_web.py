"""The pages and the API: plan → commitment → two-official beacon → draw → record a 包容免罚
finding → 公示; who sees what; bad input answered clearly."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from huiqi.auth.actor import Actor
from huiqi.auth.service import create_api_token
from huiqi.models.supervision import Inspection, Officer
from huiqi.models.user import User
from huiqi.supervision import repository as repo
from tests.fixtures.web import csrf_token
from tests.supervision.test_plans import VALUE, next_round


def post(client: TestClient, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)}, **kw)


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


def plan_form(world) -> dict[str, Any]:
    with world.tx() as s:
        depts = [str(d.id) for d in repo.departments(s)]
        items = [str(i.id) for i in repo.items(s)]
    return {"title": "12月联合抽查", "department_ids": depts, "item_ids": items,
            "field": "market", "period_start": "2026-12-01", "period_end": "2026-12-31",
            "ratio_A": "10", "ratio_B": "20", "ratio_C": "50", "ratio_D": "100", "ratio_N": "20",
            "team_size": "2"}


def test_joint_plan_through_the_pages_to_the_public_page(world, pages) -> None:
    office, office2 = pages("office"), pages("office2")
    bad = post(office, "/supervision/plans", {**plan_form(world), "ratio_C": "150"})
    assert bad.status_code == 422 and "0–100%" in text(bad)
    created = post(office, "/supervision/plans", plan_form(world))
    assert created.status_code == 303, created.text[:500]
    url = created.headers["location"]
    committed = post(office, f"{url}/commit", {"kind": "drand", "round": next_round(world)})
    assert committed.status_code == 303, committed.text[:500]
    page = office.get(url)
    assert "A：1 家" in text(page) and "C：5 家" in text(page)
    world.clock.advance(minutes=30)
    assert post(office, f"{url}/beacon", {"value": VALUE}).status_code == 303
    again = post(office, f"{url}/beacon", {"value": VALUE})
    assert again.status_code == 409
    assert post(office2, f"{url}/beacon", {"value": VALUE}).status_code == 303
    page = office.get(url)
    assert 'id="draw-table"' in page.text and 'id="result-sha"' in page.text
    plan_id = int(url.rsplit("/", 1)[1])
    public = pages.anonymous().get(f"/public/supervision/plans/{plan_id}")
    assert public.status_code == 200 and "如何复现" in public.text and VALUE in public.text
    assert pages.anonymous().get(f"/supervision/plans/{plan_id}/files/population.tsv"
                                 ).status_code in (303, 401)

    with world.tx() as s:
        row = s.scalars(select(Inspection).where(Inspection.plan_id == plan_id)).first()
        officer = s.get(Officer, row.officer_ids[0])
        who = next(k for k, a in world.actors.items() if a.user_id == officer.user_id)
        row_id = row.id
    inspector = pages(who)
    form = inspector.get(f"/supervision/inspections/{row_id}",
                         params={"findings": "未公示营业执照"})
    assert "【匹配】未按规定公示营业执照" in form.text
    exemption = re.search(r'<option value="(\d+)" selected>【匹配】', form.text).group(1)
    recorded = post(inspector, f"/supervision/inspections/{row_id}/record", {
        "outcome": "issues", "findings": "未公示营业执照", "exemption_id": exemption})
    assert recorded.status_code == 303
    assert "不予行政处罚" in inspector.get(f"/supervision/inspections/{row_id}").text
    assert post(inspector, f"/supervision/inspections/{row_id}/publish").status_code == 404
    supervisor = pages("sup_market")
    assert post(supervisor, f"/supervision/inspections/{row_id}/publish").status_code == 303
    shown = text(pages.anonymous().get("/public/supervision"))
    assert "包容免罚（未按规定公示营业执照），已告知，不予处罚" in shown

    with world.tx() as s:
        owner = User(username="owner1", display_name="被抽企业", role="enterprise",
                     password_hash="!", enterprise_uscc=row.uscc)
        s.add(owner)
        s.flush()
        world.actors["owner"] = Actor.of(owner)
    mine = pages("owner").get(f"/supervision/mine/{row_id}")
    assert mine.status_code == 200 and "包容免罚告知" in mine.text
    other = pages("ent1" if row.uscc != world.ent1.enterprise_uscc else "ent2")
    assert other.get(f"/supervision/mine/{row_id}").status_code == 404
    assert other.get("/supervision/credit").status_code == 404  # grades: officials only


def test_api_refuses_bad_ratios_and_enterprises(world, pages) -> None:
    with world.tx() as s:
        _, secret = create_api_token(s, world.office, world.clock, "test")
        _, ent_secret = create_api_token(s, world.ent1, world.clock, "test")
    api = pages.anonymous()
    form = plan_form(world)
    body = {"title": "API 计划", "department_ids": [int(d) for d in form["department_ids"]],
            "item_ids": [int(i) for i in form["item_ids"]], "field": "market",
            "period_start": "2026-12-01", "period_end": "2026-12-31",
            "ratios": {"A": "3", "B": "5", "C": "10", "D": "100.5", "N": "5"}}
    bad = api.post("/api/v1/supervision/plans", json=body,
                   headers={"Authorization": f"Bearer {secret}"})
    assert bad.status_code == 422 and "0–100%" in bad.json()["error"]["message"]
    body["ratios"]["D"] = "100"
    ok = api.post("/api/v1/supervision/plans", json=body,
                  headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 201 and ok.json()["status"] == "draft"
    refused = api.post("/api/v1/supervision/plans", json=body,
                       headers={"Authorization": f"Bearer {ent_secret}"})
    assert refused.status_code == 404
    mine = api.get("/api/v1/supervision/inspections",
                   headers={"Authorization": f"Bearer {ent_secret}"})
    assert mine.status_code == 200 and mine.json() == []


def test_catalog_import_page_reports_rows(world, pages) -> None:
    from huiqi.kit import excel
    office = pages("office")
    data = excel.workbook_bytes("导入", ["姓名", "部门", "执法证号", "有效期至"], [
        ["李一", "market", "M-7001", "2027-01-31"], ["李二", "market", "M-7002", ""]])
    page = post(office, "/supervision/import/officers",
                files={"file": ("名录.xlsx", data, "application/octet-stream")})
    assert page.status_code == 200 and "已导入 1 行；1 行有错误" in text(page)
    assert "无有效执法证的人员不能被抽取" in text(page)
    read_only = pages("insp_market1").get("/supervision/catalogs")
    assert read_only.status_code == 200 and "添加抽查事项" not in read_only.text
    assert post(pages("insp_market1"), "/supervision/items", {"name": "x"}).status_code == 404
