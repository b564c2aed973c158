"""The loop through HTTP: pages with CSRF and the JSON API, with the refusals that matter."""

from __future__ import annotations

import re
from io import BytesIO

from fastapi.routing import iter_route_contexts
from openpyxl import load_workbook
from sqlalchemy import select

from huiqi.grants import applications as apps
from huiqi.grants import payouts, review
from huiqi.models.application import Application
from tests.fixtures.web import csrf_token, post_form
from tests.grants.conftest import PDF, PNG, World, publicise
from tests.grants.web import Clients


def _app_id(response_location: str) -> int:
    match = re.search(r"/grants/applications/(\d+)$", response_location)
    assert match, response_location
    return int(match.group(1))


def test_pages_closed_loop_with_gaps_payout_and_paid(world: World, web: Clients) -> None:
    ent, dept, office = web.page("ent_a"), web.page("dept"), web.page("office")
    assert "承租国有房屋减免租金" in ent.get("/grants/items").text
    form = ent.get("/grants/apply/testville.rent")
    assert form.status_code == 200 and "房屋租赁合同" in form.text
    token = csrf_token(ent)
    submitted = ent.post("/grants/apply/testville.rent", data={
        "csrf_token": token, "bank_name": "重庆银行江北支行", "bank_account": "6222020200112233"},
        files={"material_0": ("租赁合同.pdf", PDF, "application/pdf")})
    assert submitted.status_code == 303, submitted.text
    app_id = _app_id(submitted.headers["location"])
    assert "待受理" in ent.get(f"/grants/applications/{app_id}").text

    queue = dept.get("/grants/applications")
    assert f"/grants/applications/{app_id}" in queue.text
    page = dept.get(f"/grants/applications/{app_id}")
    assert "核定金额" in page.text and "30,000.00" in page.text
    gaps = post_form(dept, f"/grants/applications/{app_id}/gaps",
                     {"missing": "营业执照", "due": "2025-06-13"})
    assert gaps.status_code == 303
    detail = ent.get(f"/grants/applications/{app_id}").text
    assert "2025-06-13" in detail and "营业执照" in detail
    uploaded = ent.post(f"/grants/applications/{app_id}/upload",
                        data={"csrf_token": csrf_token(ent), "name": "营业执照"},
                        files={"file": ("执照.png", PNG, "image/png")})
    assert uploaded.status_code == 303
    assert "审核中" in dept.get(f"/grants/applications/{app_id}").text
    assert post_form(dept, f"/grants/applications/{app_id}/approve",
                     {"amount": "30000.00"}).status_code == 303

    batch = post_form(office, "/grants/payouts", {})
    assert batch.status_code == 303
    batch_url = batch.headers["location"]
    exported = post_form(office, f"{batch_url}/export")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/vnd.openxmlformats")
    cells = [c for row in load_workbook(BytesIO(exported.content)).active.iter_rows(
        values_only=True) for c in row]
    assert "6222020200112233" in cells and "测试企业1有限公司" in cells
    assert post_form(office, f"{batch_url}/paid", {"bank_reference": "HD001"}).status_code == 403
    office2 = web.page("office2")  # the maker of a batch may not mark it paid
    assert post_form(office2, f"{batch_url}/paid", {"bank_reference": "HD001"}).status_code == 303
    final = ent.get(f"/grants/applications/{app_id}").text
    assert "已兑现" in final and "办理进度" in final
    public = web.anonymous().get("/public/grants")
    assert public.status_code == 200 and "测试企业1有限公司" in public.text
    assert "91500105" not in public.text  # no USCC on the public page


def test_missing_csrf_and_other_enterprise(world: World, web: Clients) -> None:
    ent_a, ent_b = web.page("ent_a"), web.page("ent_b")
    no_token = ent_a.post("/grants/apply/testville.rent", data={},
                          files={"material_0": ("a.pdf", PDF, "application/pdf")})
    assert no_token.status_code == 403
    with world.tx() as s:
        assert s.scalar(select(Application.id)) is None
    made = ent_a.post("/grants/apply/testville.rent", data={"csrf_token": csrf_token(ent_a)})
    app_id = _app_id(made.headers["location"])
    for path in (f"/grants/applications/{app_id}", "/grants/materials/1"):
        assert ent_b.get(path).status_code == 404
    assert post_form(ent_b, f"/grants/applications/{app_id}/withdraw").status_code == 404


def test_upload_refusals_over_http(world: World, web: Clients) -> None:
    ent = web.page("ent_a")
    made = ent.post("/grants/apply/testville.rent", data={"csrf_token": csrf_token(ent)})
    app_id = _app_id(made.headers["location"])
    big = PDF + b"0" * (world.settings.upload_max_bytes + 10)
    too_big = ent.post(f"/grants/applications/{app_id}/upload",
                       data={"csrf_token": csrf_token(ent), "name": "营业执照"},
                       files={"file": ("大.pdf", big, "application/pdf")})
    assert too_big.status_code == 413 and "64 KB" in too_big.text
    wrong = ent.post(f"/grants/applications/{app_id}/upload",
                     data={"csrf_token": csrf_token(ent), "name": "营业执照"},
                     files={"file": ("病毒.pdf", b"MZ\x90\x00", "application/pdf")})
    assert wrong.status_code == 422 and "类型不受支持" in wrong.text


def test_api_flow_and_errors(world: World, web: Clients) -> None:
    ent, dept, ent_b = web.api("ent_a"), web.api("dept"), web.api("ent_b")
    created = ent.post("/api/v1/grants/applications", json={"item_id": "testville.rent"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "submitted" and body["estimated_amount"] == "30000.00"
    app_id = body["id"]
    assert ent_b.get(f"/api/v1/grants/applications/{app_id}").status_code == 404
    up = ent.post(f"/api/v1/grants/applications/{app_id}/materials", data={"name": "营业执照"},
                  files={"file": ("a.pdf", PDF, "application/pdf")})
    assert up.status_code == 201 and up.json()["kind"] == "pdf"
    got = ent.get(f"/api/v1/grants/materials/{up.json()['id']}")
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["x-content-type-options"] == "nosniff"
    assert ent_b.get(f"/api/v1/grants/materials/{up.json()['id']}").status_code == 404
    over = dept.post(f"/api/v1/grants/applications/{app_id}/approve",
                     json={"amount": "30000.01"})
    assert over.status_code == 422
    assert "高于政策核定金额" in over.json()["error"]["message"]
    ok = dept.post(f"/api/v1/grants/applications/{app_id}/approve", json={})
    assert ok.status_code == 200 and ok.json()["approved_amount"] == "30000.00"
    again = dept.post(f"/api/v1/grants/applications/{app_id}/reject", json={"reason": "x"})
    assert again.status_code == 409 and "已批准" in again.json()["error"]["message"]
    events = ent.get(f"/api/v1/grants/applications/{app_id}/timeline").json()
    assert [e["kind"] for e in events] == ["submit", "upload", "approve"]
    budget = dept.get("/api/v1/grants/budget", params={"year": 2025}).json()
    rent = next(b for b in budget if b["item_id"] == "testville.rent")
    assert (rent["committed"], rent["remaining"]) == ("30000.00", "70000.00")
    public = web.anonymous().get("/api/v1/public/grants").json()
    assert public["total"] == 1 and public["items"][0]["amount"] == "30000.00"


def test_auto_grant_over_api(world: World, web: Clients) -> None:
    office, hr = web.api("office"), web.api("hr")
    made = office.post("/api/v1/grants/auto-lists", json={"item_id": "testville.auto"})
    assert made.status_code == 201 and made.json()["rows"] == 2
    list_id = made.json()["id"]
    publicise(world, list_id)
    confirmed = hr.post(f"/api/v1/grants/auto-lists/{list_id}/confirm", json={})
    assert confirmed.status_code == 200 and len(confirmed.json()["confirmed"]) == 2
    batch = office.post("/api/v1/grants/payouts", json={"item_id": "testville.auto"}).json()
    assert office.post(f"/api/v1/grants/payouts/{batch['id']}/export").status_code == 200
    payer = web.api("office2")  # not the maker (审批与复核分离)
    paid = payer.post(f"/api/v1/grants/payouts/{batch['id']}/paid", json={}).json()
    again = payer.post(f"/api/v1/grants/payouts/{batch['id']}/paid", json={}).json()
    assert (paid["newly_paid"], again["newly_paid"]) == (2, 0)
    mine = web.api("ent_a").get("/api/v1/grants/applications").json()
    assert [a["status"] for a in mine["items"]] == ["paid"]


def test_home_panels_show_what_waits(world: World, web: Clients) -> None:
    app = world.do(apps.submit, world.ent_a, item_id="testville.rent")
    world.do(review.approve, world.dept, app.id)
    pending = world.do(apps.submit, world.ent_b, item_id="testville.rent")
    assert pending.status == "submitted"
    office_home = web.page("office").get("/").text
    assert "待兑付 30,000.00元" in office_home
    dept_home = web.page("dept").get("/").text
    assert re.search(r"<h3>1</h3><p>待受理</p>", dept_home)
    batch = world.do(payouts.create_batch, world.office)
    world.do(payouts.export, world.office, batch.id)
    world.do(payouts.mark_paid, world.office2, batch.id)
    assert "30,000.00元</h3><p>累计已兑现" in web.page("ent_a").get("/").text


def test_auditor_reads_but_every_grants_mutation_is_refused(world: World, web: Clients) -> None:
    app = world.do(apps.submit, world.ent_a, item_id="testville.rent")
    page, api = web.page("auditor"), web.api("auditor")
    assert page.get(f"/grants/applications/{app.id}").status_code == 200
    assert page.get("/grants/ledgers/applications.xlsx").status_code == 200
    token = csrf_token(page)
    checked = 0
    for route in iter_route_contexts(web.app.routes):
        path = re.sub(r"\{[^}]+\}", "1", route.path_format or "")
        if "/grants" not in path or not set(route.methods or ()) & {"POST", "PUT", "DELETE"}:
            continue
        client, headers = (api, {}) if path.startswith("/api/") else (
            page, {"X-CSRF-Token": token})
        response = client.post(path, data={"csrf_token": token}, headers=headers)
        assert response.status_code == 403, (path, response.status_code)
        checked += 1
    assert checked >= 25


def test_a_gap_names_a_material_by_id_and_its_upload_clears_it(world: World, web: Clients) -> None:
    """"租金缴纳凭证、发票及付款凭证" is one material: ticked by id, owed whole, cleared by one
    upload under its name."""
    ent, dept = web.page("ent_a"), web.page("dept")
    submitted = ent.post("/grants/apply/testville.rent", data={
        "csrf_token": csrf_token(ent), "bank_name": "重庆银行江北支行",
        "bank_account": "6222020200112233"},
        files={"material_0": ("租赁合同.pdf", PDF, "application/pdf"),
               "material_1": ("执照.png", PNG, "image/png")})
    app_id = _app_id(submitted.headers["location"])
    page = dept.get(f"/grants/applications/{app_id}").text
    assert 'name="material" value="m3" checked' in page  # not uploaded: ticked
    assert 'name="material" value="m1">' in page  # uploaded: offered, not ticked
    bad = post_form(dept, f"/grants/applications/{app_id}/gaps", {"material": "m9"})
    assert bad.status_code == 422
    gaps = post_form(dept, f"/grants/applications/{app_id}/gaps",
                     {"material": "m3", "missing": "法定代表人身份证明\n", "due": "2025-06-13"})
    assert gaps.status_code == 303, gaps.text
    with world.tx() as s:
        owed = s.get(Application, app_id).missing_materials
    assert owed == ["租金缴纳凭证、发票及付款凭证", "法定代表人身份证明"]
    for name in owed:
        uploaded = ent.post(f"/grants/applications/{app_id}/upload",
                            data={"csrf_token": csrf_token(ent), "name": name},
                            files={"file": ("凭证.pdf", PDF, "application/pdf")})
        assert uploaded.status_code == 303
    detail = ent.get(f"/grants/applications/{app_id}").text
    assert "容缺受理：请于" not in detail and "审核中" in detail


def test_already_applied_is_said_before_the_form_is_filled(world: World, web: Clients) -> None:
    ent = web.page("ent_a")
    assert 'id="apply-form"' in ent.get("/grants/apply/testville.rent").text
    submitted = ent.post("/grants/apply/testville.rent", data={
        "csrf_token": csrf_token(ent), "bank_name": "重庆银行江北支行",
        "bank_account": "6222020200112233"})
    link = submitted.headers["location"]
    again = ent.get("/grants/apply/testville.rent").text
    assert 'id="apply-form"' not in again
    assert "已有一份2025年度该事项的申报（申报中）" in again and f'href="{link}"' in again


def test_auto_list_generation_has_a_default_date_and_refusals_inline(world: World,
                                                                      web: Clients) -> None:
    office = web.page("office")
    page = office.get("/grants/auto-lists").text
    assert 'name="as_of" type="date" value="2025-06-02"' in page  # the policy date, filled in
    made = post_form(office, "/grants/auto-lists", {"item_id": "testville.auto", "as_of": ""})
    assert made.status_code == 303, made.text
    again = post_form(office, "/grants/auto-lists",
                      {"item_id": "testville.auto", "as_of": "2025-06-02"})
    assert again.status_code == 422
    assert 'aria-invalid="true"' in again.text and "名单为空" in again.text
    assert 'value="2025-06-02"' in again.text and 'value="testville.auto" selected' in again.text
