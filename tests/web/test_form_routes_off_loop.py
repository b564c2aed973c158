"""Routes that take a form body do their database work in the thread pool, never on the event loop
(huiqi.kit.web.FormDep): a write may wait up to the busy timeout for SQLite's lock, and every
PostgreSQL statement waits on the network, and meanwhile no other request would be served."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from huiqi.kit.db import unit_of_work
from huiqi.models.department import Department
from huiqi.registry import service as registry
from tests.fixtures.policy_items import policy_files
from tests.fixtures.serving import on_loop
from tests.fixtures.web import Creds, csrf_token, test_uscc

GIFT_POLICIES = Path(__file__).parents[1] / "matching" / "packs" / "fixtures"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
POLICY = """policy:
  id: {doc}
  title: 测试区房租补贴政策
  issuer: 测试区人民政府
  region: "500105"
  source: "tests/web"
  effective_from: 2025-01-01
  effective_to: 2025-12-31

items:
  - id: {doc}-rent
    title: 房租补贴（{doc}）
    department: 测试区商务委员会
    policy_text: 承租国有房屋的企业，补贴一个月租金。
    criteria:
      承租国有房屋: rents_state_property
    amount: monthly_rent
    materials: [房屋租赁合同]
    auto_grant: false
    tests:
      - name: 承租
        as_of: 2025-06-01
        facts: {{rents_state_property: true, monthly_rent: 10000}}
        expect: {{eligible: true, amount: "10000.00"}}
"""


class Statements:
    """Every statement the app's engine runs, with whether it ran on the event loop."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        self.seen.append((statement, on_loop()))

    def post(self, client: TestClient, url: str, data: dict[str, Any] | None = None,
             htmx: bool = False, **kwargs: Any) -> Any:
        """POST with the session's CSRF token (the form field, or the header htmx sends); only
        this request's statements are kept."""
        token = csrf_token(client)
        data = dict(data or {})
        if htmx:
            kwargs["headers"] = {"HX-Request": "true", "X-CSRF-Token": token}
        else:
            data["csrf_token"] = token
        self.seen.clear()
        return client.post(url, data=data, **kwargs)


@pytest.fixture
def statements(app: Any) -> Iterator[Statements]:
    recorder = Statements()
    engine: Engine = app.state.engine
    event.listen(engine, "before_cursor_execute", recorder)
    yield recorder
    event.remove(engine, "before_cursor_execute", recorder)


@pytest.fixture
def gift_policies(request: pytest.FixtureRequest) -> Iterator[None]:
    """The 政策礼包 test policies as the items of this test's database."""
    with policy_files(request, GIFT_POLICIES):
        yield


def _enterprise(app_engine: Engine, make_user: Callable[..., Creds]) -> Creds:
    uscc = test_uscc()
    with unit_of_work(app_engine) as db:
        registry.upsert(db, {"uscc": uscc, "name": f"测试企业{uscc[-6:]}有限公司",
                             "region": "500105", "legal_form": "enterprise",
                             "industry_code": "H6210", "size_class": "small",
                             "rents_state_property": True, "monthly_rent": "10000"})
    return make_user("enterprise", enterprise_uscc=uscc)


def test_form_routes_do_their_database_work_off_the_event_loop(
    app: Any, app_engine: Engine, logged_in: Callable[..., TestClient],
    make_user: Callable[..., Creds], statements: Statements, gift_policies: None,
) -> None:
    sqlite = app_engine.dialect.name == "sqlite"
    ent = logged_in("enterprise", enterprise_uscc=_enterprise(app_engine, make_user)
                    .enterprise_uscc)
    office = logged_in("office")
    dept = make_user("department")
    with unit_of_work(app_engine) as db:
        dept_name = db.get(Department, dept.department_id).name  # type: ignore[union-attr]
    tag = uuid.uuid4().hex[:6]
    ran_on_loop: dict[str, list[str]] = {}  # route → what it ran on the event loop that it must not

    def check(route: str, response: Any, status: int, wrote: bool = True) -> Any:
        assert response.status_code == status, (route, response.text[:1000])
        writes = [(s, loop) for s, loop in statements.seen
                  if s.lstrip()[:6].upper() != "SELECT"]
        assert bool(writes) is wrote, f"{route}: {len(writes)} writes"
        assert statements.seen, route
        ran_on_loop[route] = [s[:60] for s, loop in (writes if sqlite else statements.seen) if loop]
        return response

    # 政策礼包: supplying facts writes them and re-matches (htmx: the pack back, a toast).
    response = check("supply_facts", statements.post(
        ent, "/gift-pack/facts", {"fact_equipment_investment": "2,000,000"}, htmx=True), 200)
    assert "huiqi:toast" in response.headers["HX-Trigger"]
    # Grants: apply with a material, then one more material.
    response = check("grants apply", statements.post(
        ent, "/grants/apply/giftville.rent",
        files={"material_0": ("合同.pdf", PDF, "application/pdf")}), 303)
    application = response.headers["location"]
    check("grants upload", statements.post(
        ent, f"{application}/upload", {"name": "营业执照"},
        files={"file": ("执照.pdf", PDF, "application/pdf")}), 303)
    # Policy library: an uploaded file saved as a draft.
    check("policies upload", statements.post(
        office, "/policies/upload", {"note": ""},
        files={"file": ("rent.yaml", POLICY.format(doc=f"tst.w{tag}").encode(), "text/yaml")}),
        303)
    # Appeals: the office's settings forms, an appeal with an attachment, actions on it.
    check("category_create", statements.post(office, "/appeals/categories", {
        "code": f"c{tag}", "name": f"用工{tag}", "sign_within_workdays": "1",
        "resolve_within_workdays": "5"}), 303)
    check("holiday_set", statements.post(office, "/appeals/holidays", {
        "day": "2025-12-24", "kind": "holiday", "note": "测试"}), 303)
    response = check("appeals submit", statements.post(ent, "/appeals/new", {
        "category": f"用工{tag}", "title": "招工难", "description": "需要焊工30名。"},
        files={"files": ("说明.pdf", PDF, "application/pdf")}), 303)
    appeal = response.headers["location"]
    check("appeals upload", statements.post(
        ent, f"{appeal}/attachments", files={"file": ("补充.pdf", PDF, "application/pdf")}), 303)
    # A refusal with htmx: the form comes back at 422, read in the same thread.
    response = check("appeals act refused", statements.post(
        office, f"{appeal}/do/dispatch", {"lead_department": "不存在的局"}, htmx=True), 422,
        wrote=False)
    assert 'id="dispatch-form"' in response.text and "部门「不存在的局」不存在" in response.text
    check("appeals act", statements.post(
        office, f"{appeal}/do/dispatch", {"lead_department": dept_name}), 303)
    assert len(ran_on_loop) == 10
    assert {route: seen for route, seen in ran_on_loop.items() if seen} == {}
