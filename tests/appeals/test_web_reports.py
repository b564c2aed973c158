"""The four lists (printable pages and Excel) and the rates page on a small fixture whose figures
are checked by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from tests.appeals.conftest import World, raise_appeal
from tests.appeals.test_web import Pages, act


def rows_of(content: bytes) -> list[list[object]]:
    ws = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def fixture(world: World, p: Pages) -> dict[str, int]:
    """Four appeals of 用工招聘 dispatched on Mon 22 Sep 2025 (resolve due Sun 28 Sep, a 调休
    workday). A1 hr: signed in time, replied late (30 Sep), 5 分. A2 hr: never signed.
    A3 econ: signed, replied, confirmed in time, 2 分. A4 hr: signed, never replied.
    Seen on 10 Oct: 响应率 3/4 = 75.0%; 办结率 2/4 = 50.0%; 按时办结率 1/(2 + 2 overdue) =
    25.0%; 满意率 1/2 = 50.0%. hr: 2/3, 0/3, 1/3, 1/1; econ: 1/1, 1/1, 1/1, 0/1."""
    office, hr, econ, ent = p("office"), p("hr"), p("econ"), p("ent_a")
    ids = {k: raise_appeal(world, title=f"诉求{k}") for k in ("A1", "A2", "A3", "A4")}
    for k in ("A1", "A2", "A4"):
        act(office, ids[k], "dispatch", {"lead_department": "hr"})
    act(office, ids["A3"], "dispatch", {"lead_department": "econ",
                                        "co_departments": ["区人力社保局"],
                                        "responsibilities": "区人力社保局：推荐求职人员"})
    for client, k in ((hr, "A1"), (hr, "A4"), (econ, "A3")):
        act(client, ids[k], "sign")
    act(econ, ids["A3"], "reply", {"reply": "已对接"})
    act(ent, ids["A3"], "confirm")
    act(office, ids["A3"], "visit", {"satisfaction": "2", "comment": "太慢"})
    world.clock.advance(timedelta(days=8))  # Tue 30 Sep; sessions idle that long have ended
    office, hr, ent = p("office"), p("hr"), p("ent_a")
    act(hr, ids["A1"], "reply", {"reply": "已推荐焊工"})
    act(ent, ids["A1"], "confirm")
    act(office, ids["A1"], "visit", {"satisfaction": "5", "comment": "满意"})
    act(office, ids["A1"], "close")
    world.clock.advance(timedelta(days=10))  # Fri 10 Oct
    return ids


def test_rates_page_shows_the_hand_checked_figures(world: World, pages: Pages) -> None:
    fixture(world, pages)
    office = pages("office")
    page = office.get("/appeals/rates?start=2025-09-22&end=2025-09-22&week=2025-09-24")
    assert page.status_code == 200
    html = page.text
    for key, figure in (("dispatched", "4"), ("response", "75.0%"), ("on_time", "25.0%"),
                        ("resolution", "50.0%"), ("satisfaction", "50.0%"), ("overdue", "2")):
        assert f'id="rate-{key}">{figure}</h3>' in html, key
    assert "按时签收数 ÷ 交办数" in html and "满意数 ÷ 回访数" in html  # definitions
    league = html.split('id="league-table"')[1].split("</table>")[0]
    assert league.index("区经济信息委") < league.index("区人力社保局")  # econ scores higher
    assert "66.7% <small class=\"muted\">2/3</small>" in league
    trends = html.split('id="trend-table"')[1].split("</table>")[0]
    assert "用工招聘" in trends and "苗头性、倾向性" in trends
    assert 'data-echarts=' in html and "vendor/echarts.min.js" in html
    only_hr = office.get("/appeals/rates?start=2025-09-22&end=2025-09-22&department=区人力社保局")
    assert 'id="rate-response">66.7%</h3>' in only_hr.text
    assert 'id="rate-on_time">0.0%</h3>' in only_hr.text

    xlsx = office.get("/appeals/rates.xlsx?start=2025-09-22&end=2025-09-22")
    assert xlsx.status_code == 200
    rows = rows_of(xlsx.content)
    assert rows[1][:4] == ["合计", "2025-09-22 至 2025-09-22", 4, "75.0%"]
    league_rows = [r for r in rows if r[0] == "部门排名"]
    assert [(r[1], r[-1]) for r in league_rows] == [("区经济信息委", 1), ("区人力社保局", 2)]
    assert pages("ent_a").get("/appeals/rates").status_code == 404


def test_four_lists_pages_and_excel(world: World, pages: Pages) -> None:
    ids = fixture(world, pages)
    office, hr, ent_b = pages("office"), pages("hr"), pages("ent_b")
    one = office.get(f"/appeals/{ids['A3']}/lists")
    assert one.status_code == 200
    for title in ("问题明白单", "任务交办单", "责任划分单", "反馈销号单"):
        assert title in one.text
    assert "推荐求职人员" in one.text and "@media print" not in one.text
    assert "appeals.css" in one.text and "data-print" in one.text
    duty = rows_of(office.get(f"/appeals/{ids['A3']}/lists/duty.xlsx").content)
    assert [(r[2], r[3], r[4]) for r in duty[1:]] == [
        ("区经济信息委", "牵头", "牵头办理，统筹答复"), ("区人力社保局", "协办", "推荐求职人员")]

    with world.tx() as s:
        from huiqi.models.department import Department
        hr_id = s.query(Department.id).filter_by(code="hr").scalar()
    task = office.get(f"/appeals/lists/task.xlsx?department_id={hr_id}")
    assert task.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = rows_of(task.content)
    assert rows[0][:5] == ["编号", "企业名称", "标题", "诉求类别", "牵头部门"]
    assert sorted(r[0] for r in rows[1:]) == sorted([ids["A1"], ids["A2"], ids["A4"]])
    closure = rows_of(office.get("/appeals/lists/closure.xlsx?status=closed").content)
    assert [(r[0], r[7], r[11]) for r in closure[1:]] == [(ids["A1"], 5, "企业确认后销号")]
    page = office.get("/appeals/lists?kind=closure&status=closed")
    assert "反馈销号单" in page.text and "已推荐焊工" in page.text
    # a department's set is what was dispatched to it (A3 as co-handler too); others' is empty
    mine = rows_of(hr.get("/appeals/lists/problem.xlsx").content)
    assert len(mine) == 5
    assert rows_of(ent_b.get("/appeals/lists/problem.xlsx").content) == [mine[0]]
    assert office.get("/appeals/lists?kind=nonsense").status_code == 404


def test_control_characters_in_an_appeal_give_valid_lists(world: World, pages: Pages) -> None:
    """A `\\x01` in a title made the four-list Excel a 500 for everyone (openpyxl
    IllegalCharacterError); a title starting with = must stay text."""
    office, hr = pages("office"), pages("hr")
    bad = raise_appeal(world, title="=HYPERLINK(\"http://evil\")\x01招工", description="缺\x1f焊工")
    act(office, bad, "dispatch", {"lead_department": "hr",
                                  "responsibilities": "区人力社保局：\x02推荐"})
    act(hr, bad, "sign")
    with world.tx() as s:  # stored as typed: the export is what must cope
        from huiqi.models.appeal import Appeal
        assert "\x01" in s.get(Appeal, bad).title
    urls = [f"/appeals/{bad}/lists/{k}.xlsx" for k in ("problem", "task", "duty", "closure")]
    urls += [f"/appeals/lists/{k}.xlsx" for k in ("problem", "task", "duty", "closure")]
    for url in urls:
        response = office.get(url)
        assert response.status_code == 200, url
        ws = load_workbook(io.BytesIO(response.content)).active
        texts = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert not any(ch in c.value for c in texts for ch in "\x01\x02\x1f"), url
        titles = [c for c in texts if "HYPERLINK" in c.value]
        assert titles and all(c.data_type == "s" and c.quotePrefix for c in titles), url
    problem = rows_of(office.get(f"/appeals/{bad}/lists/problem.xlsx").content)
    assert "=HYPERLINK(\"http://evil\")招工" in problem[1]
