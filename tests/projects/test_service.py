"""Projects on SQLite and PostgreSQL: registration with planned dates, recording steps, the order
rule, access, a blocked step raising an appeal to its department, escalation and the Friday
reminder by the tick, audit rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from huiqi.appeals import service as appeals
from huiqi.kit.errors import NotFound, PermissionDenied, ValidationFailed
from huiqi.models.audit import AuditLog
from huiqi.models.notification import Notification
from huiqi.models.project import ProjectStep
from huiqi.projects import service, tasks
from tests.projects.conftest import World


def _step(world: World, project_id: int, key: str) -> ProjectStep:
    with world.tx() as s:
        step = s.scalar(select(ProjectStep).where(ProjectStep.project_id == project_id,
                                                  ProjectStep.key == key))
        assert step is not None
        s.expunge(step)
        return step


def _notes(world: World, user: str) -> list[str]:
    with world.tx() as s:
        return list(s.scalars(select(Notification.title).where(
            Notification.user_id == world.actors[user].user_id).order_by(Notification.id)))


def _actions(world: World) -> list[str]:
    with world.tx() as s:
        return list(s.scalars(select(AuditLog.action).where(AuditLog.action.like("project.%"))
                              .order_by(AuditLog.id)))


def test_register_plans_every_step_with_its_department(world: World) -> None:
    pid = world.project()
    t = world.do(service.table, world.office, project_id=pid)
    keys = [r.step.key for r in t.rows]
    assert keys[:7] == ["sign", "register", "land", "approval", "planning", "permit", "start"]
    assert {"power", "water", "gas", "telecom", "network"} <= set(keys)
    register = next(r.step for r in t.rows if r.step.key == "register")
    assert register.planned_due == date(2025, 9, 28)  # 调休 Sunday
    assert register.department_name == "巴南区市场监督管理局"
    assert (t.progress.done, t.progress.total, t.stage) == (1, 14, "签约")
    assert t.people["agent"] == "agent1" and t.people["lead"] == "lead1"
    assert "project.create" in _actions(world)
    assert "新项目已指派" in _notes(world, "agent")


def test_recording_steps_turns_them_green_and_moves_progress(world: World) -> None:
    pid = world.project()
    register = _step(world, pid, "register")
    world.clock.advance(days=3)  # Thursday 25 Sep
    world.do(service.record_dates, world.agent, project_id=pid, step_id=register.id,
             started_on=date(2025, 9, 23), done_on=date(2025, 9, 25))
    t = world.do(service.table, world.agent, project_id=pid)
    row = next(r for r in t.rows if r.step.key == "register")
    assert (row.clock.colour, row.clock.label, row.took_workdays) \
        == (service.Colour.GREEN, "按时完成", 3)
    assert (t.progress.done, t.stage) == (2, "注册")
    assert "project.step_record" in _actions(world)
    assert "项目环节已完成：注册" in _notes(world, "lead")


def test_a_step_date_before_the_previous_one_is_422(world: World) -> None:
    pid = world.project()
    register = _step(world, pid, "register")
    with pytest.raises(service.DateOrderError) as err:
        world.do(service.record_dates, world.agent, project_id=pid, step_id=register.id,
                 started_on=None, done_on=date(2025, 9, 19))
    assert err.value.status_code == 422
    assert "早于前一环节「签约」" in err.value.message


def test_access_agents_see_only_their_projects(world: World) -> None:
    pid = world.project()
    other = world.project("九龙坡新材料项目", agent="agent2", lead=None,
                          enterprise_uscc=None, enterprise_name="新材料筹备组")
    mine = [s.project.id for s in world.do(service.summaries, world.agent)]
    assert mine == [pid]
    assert [s.project.id for s in world.do(service.summaries, world.lead)] == [pid]
    assert len(world.do(service.summaries, world.office)) == 2
    for who in ("agent", "liaison", "zj"):
        with pytest.raises(NotFound):
            world.do(service.table, world.actors[who], project_id=other)
    step = _step(world, other, "register")
    with pytest.raises(NotFound):
        world.do(service.record_dates, world.agent, project_id=other, step_id=step.id,
                 started_on=None, done_on=date(2025, 9, 22))
    with pytest.raises(PermissionDenied):
        world.do(service.record_dates, world.auditor, project_id=other, step_id=step.id,
                 started_on=None, done_on=date(2025, 9, 22))
    with pytest.raises(PermissionDenied):  # the lead official reads, the agent records
        world.do(service.add_progress, world.lead, project_id=pid, note="已调度")
    with pytest.raises(PermissionDenied):
        world.do(service.create_project, world.agent, data=service.ProjectIn(
            "x", "y", "500113", date(2025, 9, 22)))


def test_wrong_people_are_refused(world: World) -> None:
    with pytest.raises(ValidationFailed, match="不是项目代办员"):
        world.project(agent="lead1")
    with pytest.raises(ValidationFailed, match="未知的项目类型"):
        world.project(project_type="mine")


def test_a_blocked_step_raises_an_appeal_to_its_department(world: World) -> None:
    pid = world.project()
    land = _step(world, pid, "land")
    world.do(service.block, world.agent, project_id=pid, step_id=land.id,
             reason="土地挂牌公告延后，需规划资源局确认出让时间。")
    land = _step(world, pid, "land")
    assert land.blocked_reason and land.appeal_id
    appeal = world.do(appeals.get, world.gh, appeal_id=land.appeal_id)  # the department sees it
    assert (appeal.status, appeal.lead_department, appeal.source) \
        == ("dispatched", "巴南区规划和自然资源局", "project")
    assert appeal.sign_due is not None
    assert world.do(appeals.get, world.agent, appeal_id=land.appeal_id).id == land.appeal_id
    with pytest.raises(NotFound):
        world.do(appeals.get, world.agent2, appeal_id=land.appeal_id)
    assert "project.step_block" in _actions(world)
    assert any("项目环节受阻" in n for n in _notes(world, "office"))
    assert _notes(world, "gh")  # the department was told of the dispatch
    t = world.do(service.table, world.lead, project_id=pid)
    row = next(r for r in t.rows if r.step.key == "land")
    assert row.appeal == ("已交办", "巴南区规划和自然资源局", world.agent.user_id)


def test_overdue_steps_escalate_to_the_lead_official_once(world: World) -> None:
    pid = world.project()
    register = _step(world, pid, "register")
    world.clock.advance(days=4)  # Fri 26 Sep: 注册 due Sun 28 → one working day left
    first = world.do(tasks.tick)
    assert first.reminded == 1 and first.escalated == 0
    assert "项目环节即将到期：注册" in _notes(world, "agent")
    world.clock.advance(days=3)  # Mon 29 Sep: past due
    result = world.do(tasks.tick)
    assert result.escalated == 1
    assert _step(world, pid, "register").escalated_at is not None
    assert any(n.startswith("项目环节超期，请牵头领导调度：注册") for n in _notes(world, "lead"))
    assert "project.step_escalate" in _actions(world)
    t = world.do(service.table, world.lead, project_id=pid)
    row = next(r for r in t.rows if r.step.key == "register")
    assert row.clock.colour is service.Colour.RED
    assert world.do(tasks.tick).escalated == 0  # once
    assert register.id


def test_blocking_an_overdue_step_escalates_at_once(world: World) -> None:
    pid = world.project()
    register = _step(world, pid, "register")
    world.clock.advance(days=8)  # Tue 30 Sep, 注册 was due 28 Sep
    world.do(service.block, world.agent, project_id=pid, step_id=register.id,
             reason="名称预核准被驳回")
    assert _step(world, pid, "register").escalated_at is not None
    assert any("超期" in n for n in _notes(world, "lead"))


def test_friday_reminder_when_no_progress_was_filed(world: World) -> None:
    pid = world.project()
    world.project("巴南冷链物流项目", enterprise_uscc=None, enterprise_name="冷链物流筹备组")
    world.do(service.add_progress, world.agent, project_id=pid, note="已提交注册材料。")
    world.clock.advance(days=2)  # Wednesday: no weekly reminder yet
    assert world.do(tasks.tick).weekly == 0
    world.clock.advance(days=2)  # Friday 26 Sep
    assert world.do(tasks.tick).weekly == 1  # only the project without a note this week
    assert "请填写本周项目进度" in _notes(world, "agent")
    assert world.do(tasks.tick).weekly == 0
    world.clock.advance(timedelta(days=7))
    assert world.do(tasks.tick).weekly == 2  # a new week


def test_the_office_adjusts_a_step_and_open_steps_are_replanned(world: World) -> None:
    pid = world.project()
    register, land = _step(world, pid, "register"), _step(world, pid, "land")
    world.do(service.adjust, world.office, project_id=pid, step_id=register.id,
             department="fg", limit_workdays=7)
    moved = _step(world, pid, "register")
    # 7 working days after Mon 22 Sep: 23–26, Sun 28 (调休), 29, 30 September
    assert (moved.planned_due, moved.department_name) == (date(2025, 9, 30),
                                                          "巴南区发展和改革委员会")
    assert _step(world, pid, "land").planned_due > land.planned_due  # successors follow
    assert "project.step_adjust" in _actions(world)
    with pytest.raises(PermissionDenied):
        world.do(service.adjust, world.agent, project_id=pid, step_id=register.id,
                 limit_workdays=3)


def test_the_offices_template_file_wins(world: World) -> None:
    from huiqi.projects import templates

    world.settings.data_dir.mkdir(parents=True, exist_ok=True)
    (world.settings.data_dir / templates.OFFICE_FILE).write_text(
        "types:\n  quick:\n    label: 快速项目\n    steps:\n"
        "      - {key: sign, name: 签约, department: 招商投资, workdays: 0}\n"
        "      - {key: start, name: 开工, department: 住房和城乡建设, workdays: 3}\n"
        "      - {key: production, name: 投产, department: 经济和信息化, workdays: 2}\n",
        encoding="utf-8")
    types = templates.load(world.settings.data_dir)
    assert list(types) == ["quick"]
    data = service.ProjectIn("快速项目一号", "某公司", "500113", date(2025, 9, 22),
                             project_type="quick")
    pid = world.do(lambda s: service.create_project(s, world.office, world.clock, data,
                                                    types).id)
    t = world.do(service.table, world.office, project_id=pid)
    assert [(r.step.name, r.step.planned_due) for r in t.rows] == [
        ("签约", date(2025, 9, 22)), ("开工", date(2025, 9, 25)), ("投产", date(2025, 9, 28))]
