"""The office edits a project type's stage template in the browser: refused edits show each
error beside its field (Chinese) and write nothing; a saved edit plans new projects by it while
projects already registered keep their steps; only the office may open the editor."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from sqlalchemy import select

from huiqi.models.audit import AuditLog
from huiqi.models.project import ProjectStep
from huiqi.projects import templates
from tests.projects.conftest import World, make_uscc
from tests.projects.test_web import Pages, post, text


@pytest.fixture
def pages(world: World) -> Iterator[Pages]:
    with ExitStack() as stack:
        yield Pages(world, stack)


def _limits(world: World, project_id: int) -> dict[str, tuple[str, int, str]]:
    with world.tx() as s:
        return {st.key: (st.name, st.limit_workdays, st.department_name) for st in s.scalars(
            select(ProjectStep).where(ProjectStep.project_id == project_id))}


def _form(t: templates.ProjectType, **changes: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for i, s in enumerate(t.steps):
        row = {"name": s.name, "department": s.department, "workdays": str(s.workdays),
               **changes.get(s.key, {})}
        data.update({f"{f}_{i}": v for f, v in row.items()})
    return data


def test_office_edits_a_template(world: World, pages: Pages) -> None:
    old = world.project()
    office = pages("office")
    listing = office.get("/projects/templates")
    assert listing.status_code == 200 and 'id="template-industrial"' in listing.text
    t = templates.load(world.settings.data_dir)["industrial"]
    index = {s.key: i for i, s in enumerate(t.steps)}
    url = "/projects/templates/industrial"
    assert office.get(url).status_code == 200
    bad = post(office, url, _form(t, register={"name": "", "workdays": "五"},
                                  land={"department": "不存在的局", "workdays": "1001"}))
    assert bad.status_code == 422
    page = bad.text
    assert "环节模板有 4 处需要修改" in text(bad)

    def error(key: str, field: str) -> str:
        found = re.search(rf'id="f-{field}_{index[key]}-help">([^<]*)<', page)
        return found.group(1) if found else ""

    assert error("register", "name") == "请填写环节名称"
    assert error("register", "workdays") == "时限应为整数（工作日）"
    assert "找不到部门「不存在的局」" in error("land", "department")
    assert error("land", "workdays") == "时限应在 0 到 1000 个工作日之间"
    assert f'name="workdays_{index["land"]}" type="number" value="1001"' in page  # kept
    assert not (world.settings.data_dir / templates.OFFICE_FILE).exists()

    ok = post(office, url, _form(t, register={"name": "企业开办", "workdays": "3",
                                              "department": "sj"}))
    assert ok.status_code == 303
    saved = templates.load(world.settings.data_dir)["industrial"]
    assert [(s.key, s.name, s.workdays) for s in saved.steps if s.key == "register"] == \
        [("register", "企业开办", 3)]
    assert [s.after for s in saved.steps] == [s.after for s in t.steps]  # order kept
    with world.tx() as s:
        row = s.scalar(select(AuditLog).where(AuditLog.action == "project.template_save"))
        assert row is not None and row.actor_username == world.actors["office"].username

    created = post(office, "/projects/new", {
        "name": "新项目", "enterprise_name": "新企业有限公司", "enterprise_uscc": make_uscc(2),
        "region": "500113", "signed_on": "2025-09-22", "project_type": "industrial"})
    assert created.status_code == 303, text(created)[:300]
    new = int(created.headers["location"].rsplit("/", 1)[1])
    assert _limits(world, new)["register"][:2] == ("企业开办", 3)
    assert _limits(world, old)["register"][:2] == ("注册", 5)  # registered before: unchanged


def test_only_the_office_edits_templates(world: World, pages: Pages) -> None:
    agent = pages("agent")
    assert agent.get("/projects/templates").status_code in (403, 404)
    assert post(agent, "/projects/templates/industrial", {}).status_code in (403, 404)
    assert pages("office").get("/projects/templates/nope").status_code == 404
