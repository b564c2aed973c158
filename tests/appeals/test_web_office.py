"""The office's appeals tools through the pages: 政企恳谈会 batch entry, 12345 import with every
bad row reported, categories, holidays, 营商前哨 and its trends, 包联, duplicates and merging,
the liaison raising on an enterprise's behalf; read-only for the auditor."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.appeals.conftest import PDF, World, make_uscc, raise_appeal
from tests.appeals.test_intake import hotline_xlsx
from tests.appeals.test_web import Pages, post


def test_meeting_batch_entry(world: World, pages: Pages) -> None:
    office = pages("office")
    page = office.get("/appeals/meetings/new")
    assert page.status_code == 200 and page.text.count('name="row_title"') == 3
    row = office.get("/appeals/meetings/row", headers={"HX-Request": "true"})
    assert row.status_code == 200 and 'name="row_title"' in row.text
    assert "<html" not in row.text  # a fragment for htmx to append
    data = {"title": "第12期政企恳谈会", "held_on": "2025-09-25", "host": "王区长",
            "row_enterprise_uscc": [make_uscc(1), make_uscc(2), ""],
            "row_category": ["用工招聘", "融资信贷", ""],
            "row_title": ["缺焊工", "贷款难", ""],
            "row_description": ["需要焊工", "需要贷款300万", ""],
            "row_contact_name": ["张三", "", ""]}
    bad = post(office, "/appeals/meetings", {**data, "row_category": ["用工招聘", "没有", ""]})
    assert bad.status_code == 422 and "第 2 条诉求" in bad.text and "缺焊工" in bad.text
    saved = post(office, "/appeals/meetings", data)
    assert saved.status_code == 303
    listed = office.get(saved.headers["location"])
    assert "缺焊工" in listed.text and "贷款难" in listed.text
    assert "第12期政企恳谈会" in office.get("/appeals/tools").text
    assert pages("auditor").get("/appeals/meetings/new").status_code == 404


def test_hotline_import_shows_every_bad_row(world: World, pages: Pages) -> None:
    office = pages("office")
    data = hotline_xlsx([
        ["GD1", "2025-09-22 09:12", "", make_uscc(1), "用工招聘", "招工难", "张三", "138"],
        ["GD2", "", "", make_uscc(2), "不存在的类别", "贷款难", "", ""],
        ["GD3", "", "", "123", "用工招聘", "信用代码错", "", ""],
    ])
    files = {"file": ("12345转办.xlsx", data, "application/octet-stream")}
    page = post(office, "/appeals/import", files=files)
    assert page.status_code == 200, page.text[:500]
    assert 'id="imported-count">1<' in page.text and 'id="error-count">2<' in page.text
    errors = page.text.split('id="import-errors"')[1]
    assert "第 3 行" in errors and "未知的诉求类别" in errors and "第 4 行" in errors
    assert "<code>invalid</code>" in errors  # the machine code beside the message
    report = office.get(re.search(r'href="(/appeals/import/\d+/errors\.xlsx)"', page.text)[1])
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["行号", "错误原因", "错误代码"]
    assert [r[0] for r in rows[1:]] == [3, 4] and all(r[2] == "invalid" for r in rows[1:])
    assert rows[1][1].startswith("未知的诉求类别")
    again = post(office, "/appeals/import", files=files)
    assert 'id="duplicate-count">1<' in again.text and "GD1" in again.text
    assert post(office, "/appeals/import",
                files={"file": ("x.pdf", PDF, "application/pdf")}).status_code == 422


def test_configuration_pages(world: World, pages: Pages) -> None:
    office, auditor = pages("office"), pages("auditor")
    made = post(office, "/appeals/categories", {
        "code": "permit", "name": "审批许可", "sign_within_workdays": "1",
        "resolve_within_workdays": "15", "usual_departments": ["market", "tax"]})
    assert made.status_code == 303
    page = office.get("/appeals/categories")
    assert "审批许可" in page.text and 'value="15"' in page.text
    assert post(office, "/appeals/categories", {
        "code": "x", "name": "坏的", "sign_within_workdays": "5",
        "resolve_within_workdays": "2"}).status_code == 422
    assert post(office, "/appeals/holidays", {"day": "2031-01-02", "kind": "holiday",
                                              "note": "测试假日"}).status_code == 303
    assert "测试假日" in office.get("/appeals/holidays").text
    assert post(office, "/appeals/holidays/2031-01-02/delete").status_code == 303
    table = office.get("/appeals/holidays").text.split("</main>")[0].split('<main')[1]
    assert "测试假日" not in table
    # the auditor reads the pages, without the forms
    assert "审批许可" in auditor.get("/appeals/categories").text
    assert 'id="category-new"' not in auditor.get("/appeals/categories").text
    assert pages("ent_a").get("/appeals/categories").status_code == 404


def test_sentinel_flag_and_trends(world: World, pages: Pages) -> None:
    office = pages("office")
    assert post(office, "/appeals/sentinels", {"uscc": make_uscc(2), "note": "商圈前哨",
                                               "on": "1"}).status_code == 303
    assert "测试企业2有限公司" in office.get("/appeals/sentinels").text
    for n in range(3):
        raise_appeal(world, "ent_b", title=f"前哨诉求{n}", description=f"内容{n}")
    listed = office.get("/appeals?sentinel=1")
    assert listed.text.count("前哨诉求") == 3 and "营商前哨" in listed.text
    trends = office.get("/appeals/sentinels/trends?week=2025-09-22")
    table = trends.text.split('id="trend-table"')[1]
    assert "用工招聘" in table and "苗头性、倾向性" in table


def test_liaison_raises_for_its_enterprise(world: World, pages: Pages) -> None:
    liaison = pages("liaison")
    form = liaison.get("/appeals/new")
    assert make_uscc(1) in form.text and make_uscc(2) not in form.text
    made = post(liaison, "/appeals/new", {"enterprise_uscc": make_uscc(1), "category": "用工招聘",
                                          "title": "走访发现：缺电工", "description": "需电工5名"})
    assert made.status_code == 303
    aid = int(made.headers["location"].rsplit("/", 1)[1])
    assert "包联走访" in liaison.get(f"/appeals/{aid}").text
    refused = post(liaison, "/appeals/new", {"enterprise_uscc": make_uscc(2),
                                             "category": "用工招聘", "title": "t",
                                             "description": "d"})
    assert refused.status_code == 422 and "不在您的包联名单中" in refused.text
    office = pages("office")
    assert post(office, "/appeals/liaisons", {"user_id": str(world.liaison.user_id),
                                              "uscc": make_uscc(2), "on": "1"}).status_code == 303
    assert make_uscc(2) in liaison.get("/appeals/new").text


def test_duplicates_are_suggested_and_merged(world: World, pages: Pages) -> None:
    office = pages("office")
    first = raise_appeal(world)
    second = raise_appeal(world)
    page = office.get(f"/appeals/{second}")
    assert "疑似重复诉求" in page.text and f"#{first}" in page.text
    assert post(office, f"/appeals/{second}/merge",
                {"duplicate_id": str(first)}).status_code == 303
    merged = office.get(f"/appeals/{first}")
    assert "已销号" in merged.text and "已作为重复诉求合并至" in merged.text


def test_attachment_upload_and_download(world: World, pages: Pages) -> None:
    ent = pages("ent_a")
    aid = raise_appeal(world)
    up = post(ent, f"/appeals/{aid}/attachments",
              files={"file": ("说明.pdf", PDF, "application/pdf")})
    assert up.status_code == 303
    page = ent.get(f"/appeals/{aid}")
    href = page.text.split('href="/appeals/attachments/')[1].split('"')[0]
    got = ent.get(f"/appeals/attachments/{href}")
    assert got.status_code == 200 and got.content == PDF
    assert pages("ent_b").get(f"/appeals/attachments/{href}").status_code == 404
    fake = post(ent, f"/appeals/{aid}/attachments",
                files={"file": ("x.pdf", b"MZ not a pdf", "application/pdf")})
    assert fake.status_code in (415, 422)
