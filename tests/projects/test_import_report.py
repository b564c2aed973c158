"""The projects import's per-row report, on SQLite and PostgreSQL: the JSON API returns each bad
row with its Chinese reason and stable code while the good rows are imported, and the page's
Excel error report gives the refused rows as read, with 错误原因 and 错误代码."""

from __future__ import annotations

import html
import io
import re
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from huiqi.auth import service as auth_service
from huiqi.kit.excel import workbook_bytes
from huiqi.models.project import Project
from tests.fixtures.pages import Pages
from tests.fixtures.web import csrf_token
from tests.projects.conftest import World, make_uscc

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["项目名称", "企业名称", "所在区", "签约日期", "统一社会信用代码"]
BAD_USCC = make_uscc(7)[:-1] + ("0" if make_uscc(7)[-1] != "0" else "1")  # check digit wrong
ROWS = [["青原电子信息产业园项目", "青原电子有限公司", "青原区", "2025-09-22", ""],
        ["代码错误项目", "某公司", "500113", "2025-09-22", BAD_USCC],
        ["日期错误项目", "某公司", "500113", "2025-13-40", ""],
        ["", "无名公司", "500113", "2025-09-22", ""],
        ["东宝楚华机电项目", "楚华机电", "420802", "2025/9/23", make_uscc(1)]]
EXPECTED = {3: "bad_uscc", 4: "bad_date", 5: "missing_name"}


def _content() -> bytes:
    return workbook_bytes("项目", HEADER, ROWS)


def _names(world: World) -> set[str]:
    with world.tx() as s:
        return set(s.scalars(select(Project.name)))


def _api(world: World, pages: Pages, who: Any) -> tuple[TestClient, dict[str, str]]:
    with world.tx() as s:
        _, secret = auth_service.create_api_token(s, who, world.clock, "test")
    client = pages.stack.enter_context(TestClient(pages.app))
    return client, {"Authorization": f"Bearer {secret}"}


def test_api_returns_each_bad_row_with_its_code_and_imports_the_rest(world: World,
                                                                     pages: Pages) -> None:
    client, auth = _api(world, pages, world.office)
    response = client.post("/api/v1/projects/import", headers=auth,
                           files={"file": ("projects.xlsx", _content(), XLSX)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total_rows"] == 5 and len(body["imported"]) == 2
    assert {e["row"]: e["code"] for e in body["errors"]} == EXPECTED
    reasons = {e["row"]: e["reason"] for e in body["errors"]}
    assert "校验" in reasons[3] or "统一社会信用代码" in reasons[3]
    assert "不是有效日期" in reasons[4] and "请填写「项目名称」" in reasons[5]
    assert _names(world) == {"青原电子信息产业园项目", "东宝楚华机电项目"}
    with world.tx() as s:
        ids = set(s.scalars(select(Project.id)))
    assert set(body["imported"]) == ids
    # importing the same file again: every row is now refused, the known ones as duplicates
    again = client.post("/api/v1/projects/import", headers=auth,
                        files={"file": ("projects.xlsx", _content(), XLSX)}).json()
    assert again["imported"] == []
    assert {e["row"]: e["code"] for e in again["errors"]} == {
        2: "duplicate", **EXPECTED, 6: "duplicate"}


def test_api_import_is_the_offices(world: World, pages: Pages) -> None:
    client, auth = _api(world, pages, world.agent)
    refused = client.post("/api/v1/projects/import", headers=auth,
                          files={"file": ("projects.xlsx", _content(), XLSX)})
    assert refused.status_code in (403, 404)
    assert _names(world) == set()


def test_page_offers_the_rejected_rows_as_excel_with_the_reasons(world: World,
                                                                 pages: Pages) -> None:
    office = pages("office")
    page = office.post("/projects/import", data={"csrf_token": csrf_token(office)},
                       files={"file": ("projects.xlsx", _content(), XLSX)})
    assert page.status_code == 200
    assert "已导入 2 个项目，错误 3 行" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
    found = re.search(r'name="report" value="([^"]*)"', page.text)
    assert found is not None
    report = html.unescape(found.group(1))
    xlsx = office.post("/projects/import/errors.xlsx",
                       data={"csrf_token": csrf_token(office), "report": report})
    assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == ["行号", *HEADER, "错误原因", "错误代码"]
    by_row = {r[0]: r for r in rows[1:]}
    assert set(by_row) == set(EXPECTED)
    for number, code in EXPECTED.items():
        line = by_row[number]
        assert line[-1] == code
        assert re.search(r"[\u4e00-\u9fff]", line[-2])  # the reason, in Chinese
        assert [c or "" for c in line[1:-2]] == ROWS[number - 2]  # the row as it was read
    assert "不是有效日期" in by_row[4][-2]
    stale = office.post("/projects/import/errors.xlsx",
                        data={"csrf_token": csrf_token(office), "report": "{broken"})
    assert stale.status_code == 422 and "错误报告已失效" in stale.text
