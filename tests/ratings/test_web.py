"""好差评 pages and API over HTTP, on SQLite and PostgreSQL: the portal form, the QR page without
login, the loop through the forms, figures and exports, access (not yours → 404)."""

from __future__ import annotations

import io
import re
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from huiqi.kit import ratelimit
from huiqi.models.rating import RatingWindow
from huiqi.ratings import service
from tests.fixtures.pages import Pages
from tests.fixtures.web import csrf_token
from tests.ratings.conftest import SECRET, World, dispatched_appeal


def post(client: TestClient, url: str, data: dict[str, Any] | None = None,
         csrf_from: str | None = None) -> Any:
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client, csrf_from)})


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


def qr_url(world: World) -> str:
    with world.tx() as s:
        window = s.query(RatingWindow).filter_by(code="JLP-01").one()
        return service.qr_path(SECRET, window)


def test_enterprise_rates_from_the_portal(world: World, pages: Pages) -> None:
    appeal_id = dispatched_appeal(world)
    ent = pages("ent_a")
    listing = ent.get("/ratings")
    assert listing.status_code == 200 and f"/ratings/new?case=appeal:{appeal_id}" in listing.text
    bad = post(ent, "/ratings/new", {"case": f"appeal:{appeal_id}", "level": "7"})
    assert bad.status_code == 422 and "1–5" in text(bad)
    ok = post(ent, "/ratings/new", {"case": f"appeal:{appeal_id}", "level": "1",
                                    "tags": ["态度生硬"], "comment": "电话三次无人接"})
    assert ok.status_code == 303
    again = post(ent, "/ratings/new", {"case": f"appeal:{appeal_id}", "level": "5"})
    assert again.status_code == 409 and "只能评价一次" in text(again)
    rating_url = ok.headers["location"]
    assert "待核实" in text(ent.get(rating_url))
    assert pages("ent_b").get(rating_url).status_code == 404
    assert pages("market").get(rating_url).status_code == 404
    hr = pages("hr")
    page = hr.get(rating_url)
    assert 'id="form-verify"' in page.text
    verified = post(hr, rating_url + "/verify", {"result": "founded", "note": "属实"})
    assert verified.status_code == 303
    assert post(hr, rating_url + "/rectify", {"note": "指定专人接听"}).status_code == 303
    assert post(hr, rating_url + "/revisit", {"result": "basic", "note": "认可"}).status_code \
        == 303
    assert "差评·已回访" in text(ent.get(rating_url))
    assert post(pages("auditor"), rating_url + "/verify", {"result": "founded"}).status_code == 403


def test_qr_page_without_login(world: World, pages: Pages) -> None:
    anon = pages.anonymous()
    url = qr_url(world)
    page = anon.get(url)
    assert page.status_code == 200 and "市场准入综合窗口" in page.text and "李娜" in page.text
    done = post(anon, url, {"level": "2", "item": "企业开办", "staff_no": "M001",
                            "comment": "排队太久"}, csrf_from=url)
    assert done.status_code == 200 and "感谢您的评价" in done.text
    refused = post(anon, url, {"level": "0"}, csrf_from=url)
    assert refused.status_code == 422 and "1–5" in text(refused)
    assert anon.get(url[:-1] + ("1" if url[-1] == "0" else "0")).status_code == 404
    market = pages("market")
    assert "差评待核实" in text(market.get("/"))
    listing = text(market.get("/ratings?stage=verify"))
    assert "企业开办" in listing and "李娜" in listing


def test_stats_page_exports_and_api(world: World, pages: Pages) -> None:
    for level in ("5", "4", "2"):
        post(pages.anonymous(), qr_url(world), {"level": level, "comment": "x"},
             csrf_from=qr_url(world))
    office = pages("office")
    stats = office.get("/ratings/stats?by=staff")
    assert stats.status_code == 200
    body = text(stats)
    assert "好评率" in body and "66.7%" in body and "差评核实率" in body
    assert "好评数 ÷ 有效评价数" in body  # the definitions are on the page
    xlsx = office.get("/ratings/stats.xlsx?by=window")
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "市场准入综合窗口" in cells and "66.7%" in cells
    ledger = office.get("/ratings/export.xlsx")
    assert ledger.status_code == 200
    assert pages("ent_a").get("/ratings/stats").status_code == 404
    limiter = pages.app.state.limiter  # the limiter the app's export routes use
    for _ in range(ratelimit.EXPORT_ACCOUNT.limit):
        limiter.count(ratelimit.EXPORT_ACCOUNT, str(world.office.user_id),
                      world.clock.now().timestamp())
    assert office.get("/ratings/stats.xlsx").status_code == 429


def test_cannot_do_and_windows_pages(world: World, pages: Pages) -> None:
    office = pages("office")
    assert office.get("/ratings/windows").status_code == 200
    made = post(office, "/ratings/windows", {"code": "JLP-02", "name": "社保窗口",
                                             "department": "hr", "staff": "H01 王芳"})
    assert made.status_code == 303
    bad = post(office, "/ratings/windows", {"code": "坏 编号", "name": "x", "department": "hr"})
    assert bad.status_code == 422
    link = post(office, "/ratings/invite", {"case_kind": "contact", "case_ref": "SL-9",
                                            "department": "hr", "channel": "window"})
    assert link.status_code == 200 and "/r/s/" in link.text
    assert pages("ent_a").get("/ratings/cannot-do").status_code == 404
    made = post(office, "/ratings/cannot-do", {
        "enterprise_uscc": world.ent_a.enterprise_uscc, "matter": "跨省迁移",
        "description": "档案调取不了", "place": "一楼办不成事窗口"})
    assert made.status_code == 303 and made.headers["location"].startswith("/appeals/")
    appeal = office.get(made.headers["location"])
    assert "办不成事窗口" in text(appeal)
