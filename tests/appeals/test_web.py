"""Appeals pages over HTTP (session cookie + CSRF), on SQLite and PostgreSQL: each role's pages,
the closed loop through the forms, refusals, access (not yours → 404)."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient

from tests.appeals.conftest import PDF, World, raise_appeal
from tests.fixtures.pages import Pages
from tests.fixtures.web import csrf_token


def post(client: TestClient, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)}, **kw)


def act(client: TestClient, appeal_id: int, action: str, data: dict[str, Any] | None = None,
        status: int = 303) -> Any:
    response = post(client, f"/appeals/{appeal_id}/do/{action}", data)
    assert response.status_code == status, response.text[:2000]
    return response


def text(response: Any) -> str:
    """The page's visible text, roughly (tags dropped), to assert on what a reader sees."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


def test_closed_loop_through_the_pages(world: World, pages: Pages) -> None:
    ent, office, hr, liaison = pages("ent_a"), pages("office"), pages("hr"), pages("liaison")
    form = ent.get("/appeals/new")
    assert form.status_code == 200 and "用工招聘" in form.text
    created = post(ent, "/appeals/new", {"category": "用工招聘", "title": "招工难，缺少熟练焊工",
                                         "description": "扩产需要焊工30名。"},
                   files={"files": ("营业执照.pdf", PDF, "application/pdf")})
    assert created.status_code == 303, created.text[:2000]
    aid = int(created.headers["location"].rsplit("/", 1)[1])
    page = ent.get(f"/appeals/{aid}")
    assert "待交办" in page.text and "营业执照.pdf" in page.text
    assert "form-dispatch" not in page.text and "dispatch-form" not in page.text

    page = office.get(f"/appeals/{aid}")
    assert 'id="dispatch-form"' in page.text
    assert "本类别常用部门：区人力社保局、区经济信息委" in text(page)
    assert 'value="2025-09-23"' in page.text and 'value="2025-09-28"' in page.text
    act(office, aid, "dispatch", {"lead_department": "区人力社保局",
                                  "co_departments": ["区经济信息委"],
                                  "responsibilities": "区经济信息委：提供企业用工数据"})
    page = hr.get(f"/appeals/{aid}")
    assert "clock-yellow" in page.text and 'id="form-sign"' in page.text
    assert 'id="form-request_return"' in page.text
    inbox = hr.get("/appeals?status=dispatched")
    assert f"/appeals/{aid}" in inbox.text and "签收：" in inbox.text
    act(hr, aid, "sign", {"note": "已签收"})
    act(hr, aid, "reply", {"reply": "已推荐焊工18名。"})
    page = ent.get(f"/appeals/{aid}")
    assert 'id="form-confirm"' in page.text and 'id="form-reopen"' in page.text
    assert "已推荐焊工18名。" in page.text
    act(ent, aid, "confirm", {"comment": "问题已解决"})
    assert 'id="form-visit"' in liaison.get(f"/appeals/{aid}").text
    act(liaison, aid, "visit", {"satisfaction": "3"}, status=422)  # below 4 needs a comment
    act(liaison, aid, "visit", {"satisfaction": "5", "comment": "很满意"})
    act(office, aid, "close", {"note": "企业满意，销号"})
    page = ent.get(f"/appeals/{aid}")
    assert "已销号" in page.text
    labels = re.findall(r"<strong>([^<]+)</strong> ·", page.text)
    assert labels == ["提交诉求", "上传附件", "交办", "签收", "答复", "确认解决", "回访", "销号"]


def test_return_extension_and_escalation(world: World, pages: Pages) -> None:
    office, hr = pages("office"), pages("hr")
    aid = raise_appeal(world)
    act(office, aid, "dispatch", {"lead_department": "hr"})
    act(hr, aid, "request_return", {"reason": "不属于本部门职责"})
    page = office.get(f"/appeals/{aid}")
    assert 'id="form-approve_return"' in page.text and "不属于本部门职责" in page.text
    act(office, aid, "approve_return", {"note": "同意，改派"})
    page = office.get(f"/appeals/{aid}")
    assert 'id="dispatch-form"' in page.text and "已退单" in page.text
    act(office, aid, "dispatch", {"lead_department": "区人力社保局"})
    act(hr, aid, "sign")
    act(hr, aid, "request_extension", {"reason": "需协调外区", "extra_workdays": "3"})
    act(office, aid, "approve_extension")
    assert "延期 3 个工作日 · 已同意" in text(office.get(f"/appeals/{aid}"))
    act(office, aid, "escalate", {"lead_official": "张副区长", "reason": "跨部门"})
    page = hr.get(f"/appeals/{aid}")
    assert "牵头领导：<strong>张副区长</strong>" in page.text
    act(office, aid, "escalate", {"lead_official": "李", "reason": "再次"}, status=409)


def test_refusals_and_access(world: World, pages: Pages) -> None:
    ent_a, ent_b, econ, office = pages("ent_a"), pages("ent_b"), pages("econ"), pages("office")
    aid = raise_appeal(world)
    assert ent_b.get(f"/appeals/{aid}").status_code == 404
    assert econ.get(f"/appeals/{aid}").status_code == 404  # not dispatched to it
    assert ent_a.get(f"/appeals/{aid}").status_code == 200
    assert f"/appeals/{aid}" not in ent_b.get("/appeals").text
    act(ent_a, aid, "dispatch", {"lead_department": "hr"}, status=403)
    bad = post(ent_a, "/appeals/new",
               {"category": "不存在的类别", "title": "x", "description": "y"})
    assert bad.status_code == 422 and "未知的诉求类别" in bad.text and 'value="x"' in bad.text
    act(office, aid, "dispatch", {"lead_department": "不存在的局"}, status=422)
    act(office, aid, "dispatch", {"lead_department": "hr"})
    act(econ, aid, "reply", {"reply": "越权答复"}, status=404)
    assert ent_b.get(f"/appeals/{aid}/lists").status_code == 404
    assert ent_b.get(f"/appeals/{aid}/lists/problem.xlsx").status_code == 404


def test_refused_actions_via_htmx_keep_the_form(world: World, pages: Pages) -> None:
    office, hr, ent = pages("office"), pages("hr"), pages("ent_a")
    aid = raise_appeal(world)
    hx = {"HX-Request": "true"}
    page = office.get(f"/appeals/{aid}").text
    assert f'hx-post="/appeals/{aid}/do/dispatch" hx-target="this"' in page
    # 403 (wrong role): a toast, nothing swapped, no error page
    denied = post(ent, f"/appeals/{aid}/do/dispatch", {"lead_department": "hr"}, headers=hx)
    assert denied.status_code == 403 and denied.headers["HX-Reswap"] == "none"
    assert "huiqi:toast" in denied.headers["HX-Trigger"] and "<html" not in denied.text
    bad = post(office, f"/appeals/{aid}/do/dispatch",
               {"lead_department": "不存在的局", "responsibilities": "区人力社保局：对接岗位",
                "note": "请尽快办理"}, headers=hx)
    assert bad.status_code == 422
    assert bad.text.lstrip().startswith("<form") and 'id="dispatch-form"' in bad.text
    assert "部门「不存在的局」不存在" in bad.text and "请尽快办理" in bad.text
    assert "区人力社保局：对接岗位" in bad.text and "<html" not in bad.text
    ok = post(office, f"/appeals/{aid}/do/dispatch", {"lead_department": "hr"}, headers=hx)
    assert ok.status_code == 204 and ok.headers["HX-Redirect"] == f"/appeals/{aid}"
    act(hr, aid, "sign")
    act(hr, aid, "reply", {"reply": "已对接"})
    act(ent, aid, "confirm")
    low = post(office, f"/appeals/{aid}/do/visit", {"satisfaction": "2"}, headers=hx)
    assert low.status_code == 422 and 'id="form-visit"' in low.text
    assert "满意度低于 4 分" in low.text and 'value="2" checked' in low.text
    # 409 (not in this status): a toast, nothing swapped, the form on the page stays as typed
    again = post(hr, f"/appeals/{aid}/do/reply", {"reply": "再次答复"}, headers=hx)
    assert again.status_code == 409 and again.headers["HX-Reswap"] == "none"
    toast = json.loads(again.headers["HX-Trigger"])["huiqi:toast"]
    assert toast["level"] == "error" and toast["message"] and "<html" not in again.text
    # nothing of the refused attempts was kept
    assert "再次答复" not in office.get(f"/appeals/{aid}").text
    # without JS, the same refusal is still the error page
    plain = post(hr, f"/appeals/{aid}/do/reply", {"reply": "再次答复"})
    assert plain.status_code == 409 and "<html" in plain.text
