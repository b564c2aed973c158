"""Projects pages and API over HTTP, on SQLite and PostgreSQL: the office registers and imports
(bad rows reported, the rest imported), the agent records steps (a date before the previous
step's → 422 with the reason), access (not yours → 404), print, Excel, rates, the JSON API."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from huiqi.auth import service as auth_service
from huiqi.kit.excel import workbook_bytes
from huiqi.models.audit import AuditLog
from huiqi.models.project import Project, ProjectStep
from tests.fixtures.pages import Pages
from tests.fixtures.web import csrf_token
from tests.projects.conftest import World, make_uscc

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def post(client: TestClient, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)}, **kw)


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


def _step_id(world: World, project_id: int, key: str) -> int:
    with world.tx() as s:
        return int(s.scalar(select(ProjectStep.id).where(ProjectStep.project_id == project_id,
                                                         ProjectStep.key == key)))


def test_office_registers_a_project_and_the_agent_records_a_step(world: World, pages: Pages
                                                                   ) -> None:
    office = pages("office")
    assert office.get("/projects/new").status_code == 200
    response = post(office, "/projects/new", {
        "name": "巴南轨道交通装备项目", "enterprise_name": "轨交装备有限公司",
        "enterprise_uscc": make_uscc(1), "region": "500113", "signed_on": "2025-09-22",
        "project_type": "industrial", "amount": "350000000", "land_mu": "120",
        "agent": "agent1", "lead": "lead1"})
    assert response.status_code == 303, text(response)[:500]
    url = response.headers["location"]
    pid = int(url.rsplit("/", 1)[1])
    page = office.get(url)
    assert page.status_code == 200
    assert "倒计时作战表" in page.text and 'id="step-register"' in page.text
    assert "重庆巴南智能装备有限公司" in page.text  # the registered enterprise's name wins
    assert "进度 = 已记录完成日期的环节数" in text(page)
    refused = post(office, "/projects/new", {"name": "", "enterprise_name": "x",
                                             "region": "500113", "signed_on": "2025-09-22"})
    assert refused.status_code == 422 and "请填写「项目名称」" in text(refused)

    world.clock.advance(days=3)  # Thursday 25 Sep (sessions end after 30 idle minutes)
    agent = pages("agent")
    assert agent.get(url).status_code == 200
    register = _step_id(world, pid, "register")
    bad = post(agent, f"/projects/{pid}/steps/{register}", {"done_on": "2025-09-19"})
    assert bad.status_code == 422
    assert "早于前一环节「签约」的完成日期 2025-09-22" in text(bad)
    ok = post(agent, f"/projects/{pid}/steps/{register}",
              {"started_on": "2025-09-23", "done_on": "2025-09-25"})
    assert ok.status_code == 303
    row = re.search(r'<tr class="row-(\w+)" id="step-register"', agent.get(url).text)
    assert row and row.group(1) == "green"
    with world.tx() as s:
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "project.step_record",
                                                  AuditLog.actor_username == "agent1"))


def test_not_yours_is_404(world: World, pages: Pages) -> None:
    pid = world.project()
    for who in ("agent2", "zj", "liaison"):
        client = pages(who)
        assert client.get(f"/projects/{pid}").status_code == 404
    assert pages("zj").get("/projects").status_code == 404
    step = _step_id(world, pid, "register")
    other = pages("agent2")
    assert post(other, f"/projects/{pid}/steps/{step}",
                {"done_on": "2025-09-22"}).status_code == 404
    lead = pages("lead")
    assert lead.get(f"/projects/{pid}").status_code == 200
    assert post(lead, f"/projects/{pid}/progress", {"note": "x"}).status_code == 404
    auditor = pages("auditor")
    assert auditor.get(f"/projects/{pid}").status_code == 200
    assert post(auditor, f"/projects/{pid}/progress", {"note": "x"}).status_code == 403


def test_import_reports_bad_rows_and_imports_the_rest(world: World, pages: Pages) -> None:
    header = ["项目名称", "企业名称", "所在区", "签约日期", "统一社会信用代码", "代办员",
              "牵头领导", "总投资（万元）"]
    rows = [["青原电子信息产业园项目", "青原电子有限公司", "青原区", "2025-09-22", "",
             "agent1", "lead1", "52000"],
            ["坏代码项目", "某公司", "500113", "2025-09-22", "91500113MA0000000X", "", "", ""],
            ["无此代办员项目", "某公司", "500113", "2025-09-22", "", "nobody", "", ""],
            ["坏日期项目", "某公司", "500113", "2025-13-40", "", "", "", ""],
            ["东宝楚华机电项目", "楚华机电", "420802", "2025/9/23", "", "agent2", "", "8000"]]
    content = workbook_bytes("项目", header, rows)
    office = pages("office")
    response = post(office, "/projects/import",
                    files={"file": ("projects.xlsx", content, XLSX)})
    assert response.status_code == 200
    body = text(response)
    assert "共 5 行，已导入 2 个项目，错误 3 行" in body
    assert "第 3 行" in body and "第 4 行" in body and "第 5 行" in body
    assert "代办员账号「nobody」不存在" in body and "不是有效日期" in body
    assert "<code>bad_date</code>" in response.text  # the machine code beside the message
    with world.tx() as s:
        found = {p.name: (p.region, p.amount, p.signed_on) for p in s.scalars(select(Project))}
    assert found == {"青原电子信息产业园项目": ("360803", 520000000, date(2025, 9, 22)),
                     "东宝楚华机电项目": ("420802", 80000000, date(2025, 9, 23))}
    again = post(office, "/projects/import", files={"file": ("projects.xlsx", content, XLSX)})
    assert "已导入 0 个项目" in text(again) and "已登记" in text(again)


def test_print_excel_and_rates(world: World, pages: Pages) -> None:
    pid = world.project()
    agent = pages("agent")
    assert "打印时间" in agent.get(f"/projects/{pid}/print").text
    xlsx = agent.get(f"/projects/{pid}/table.xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "注册" in cells and "巴南区市场监督管理局" in cells
    ledger = agent.get("/projects/export.xlsx")
    assert ledger.status_code == 200
    office = pages("office")
    rates = office.get("/projects/rates")
    assert rates.status_code == 200 and "开工率" in rates.text and 'data-echarts' in rates.text
    assert office.get("/projects/rates.xlsx").headers["content-type"] == XLSX
    assert office.get("/projects/rates?as_of=nope").status_code == 422


def test_api_for_the_agent(world: World, pages: Pages) -> None:
    pid = world.project()
    app = pages.app
    with world.tx() as s:
        _, secret = auth_service.create_api_token(s, world.agent, world.clock, "test")
    client = pages.stack.enter_context(TestClient(app))
    auth = {"Authorization": f"Bearer {secret}"}
    listed = client.get("/api/v1/projects", headers=auth).json()
    assert [p["id"] for p in listed] == [pid]
    step = _step_id(world, pid, "register")
    world.clock.advance(days=3)
    bad = client.post(f"/api/v1/projects/{pid}/steps/{step}", headers=auth,
                      json={"done_on": "2025-09-20"})
    assert bad.status_code == 422 and "早于前一环节" in bad.json()["error"]["message"]
    ok = client.post(f"/api/v1/projects/{pid}/steps/{step}", headers=auth,
                     json={"done_on": "2025-09-24"}).json()
    register = next(st for st in ok["steps"] if st["key"] == "register")
    assert (register["colour"], register["label"], ok["progress_done"]) \
        == ("green", "按时完成", 2)
    assert client.get("/api/v1/projects/rates", headers=auth).json()["signed"] == 1


def test_the_secretary_sees_the_appeal_number_but_opens_only_what_it_may(
        world: World, pages: Pages) -> None:
    pid = world.project(secretary="agent2")
    land = _step_id(world, pid, "land")
    agent = pages("agent")
    assert post(agent, f"/projects/{pid}/steps/{land}/block",
                {"reason": "土地挂牌公告延后", "category": "审批许可"}).status_code == 303
    with world.tx() as s:
        appeal_id = s.scalar(select(ProjectStep.appeal_id).where(ProjectStep.id == land))
    assert f'href="/appeals/{appeal_id}"' in agent.get(f"/projects/{pid}").text
    assert agent.get(f"/appeals/{appeal_id}").status_code == 200
    secretary = pages("agent2")
    page = secretary.get(f"/projects/{pid}")
    assert f"诉求 #{appeal_id}" in text(page) and f'href="/appeals/{appeal_id}"' not in page.text
    assert secretary.get(f"/appeals/{appeal_id}").status_code == 404


def test_home_tiles_count_what_their_lists_show(world: World, pages: Pages) -> None:
    world.project()
    world.project("九龙坡新材料项目", enterprise_uscc=None, enterprise_name="新材料筹备组")
    agent = pages("agent")
    home = agent.get("/")
    tiles = re.findall(r'<li class="card"><a href="(/projects[^"]*)"><h3>(\d+)</h3>', home.text)
    assert [h for h, _ in tiles] == ["/projects", "/projects?late=1", "/projects?unreported=1"]
    assert dict(tiles)["/projects"] == "2"
    assert "共 2 条" in agent.get("/projects").text
    assert "共 2 条" in agent.get("/projects?unreported=1").text
