"""The whole closed loop through the service, with rows, timeline, audit and notifications."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from huiqi.appeals import service
from huiqi.appeals.state import ActionNotAllowed, InvalidTransition
from huiqi.appeals.vocab import AppealAction as A
from huiqi.appeals.vocab import AppealStatus as S
from huiqi.kit.errors import NotFound, PermissionDenied, ValidationFailed
from huiqi.models.appeal import Appeal, AppealAssignment
from huiqi.models.audit import AuditLog
from huiqi.models.notification import Notification
from tests.appeals.conftest import World, raise_appeal


def act(world: World, who: str, appeal_id: int, action: A, **payload: Any) -> Appeal:
    return world.do(service.act, world.actors[who], appeal_id=appeal_id, action=action,
                    payload=payload)


def notes_for(world: World, who: str) -> list[str]:
    with world.tx() as s:
        uid = world.actors[who].user_id
        return [n.title for n in s.scalars(select(Notification).where(Notification.user_id == uid)
                                           .order_by(Notification.id))]


def audit_actions(world: World, appeal_id: int) -> list[str]:
    with world.tx() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.subject_type == "appeals",
                                                AuditLog.subject_id == str(appeal_id))
                         .order_by(AuditLog.id))
        return [r.action for r in rows]


def test_full_lifecycle(world: World) -> None:
    aid = raise_appeal(world)
    assert "新诉求待交办" in notes_for(world, "office")
    appeal = act(world, "office", aid, A.DISPATCH, lead_department="hr",
                 co_departments=["区税务局"], responsibilities={"hr": "牵头对接招聘会"})
    # Dispatched Monday 22 Sep 2025: sign in 1 working day, resolve in 5 (Sun 28 Sep is 调休).
    assert (appeal.sign_due, appeal.resolve_due) == (date(2025, 9, 23), date(2025, 9, 28))
    assert appeal.status == S.DISPATCHED and appeal.lead_department == "区人力社保局"
    assert not appeal.calendar_fallback
    assert "新交办诉求" in notes_for(world, "hr") and "新交办诉求" in notes_for(world, "tax")
    act(world, "hr", aid, A.SIGN)
    act(world, "tax", aid, A.CO_SIGN)
    act(world, "hr2", aid, A.START, note="已联系企业")
    act(world, "hr", aid, A.REPLY, reply="已推荐焊工18名，并安排专场招聘会。")
    assert "诉求已答复" in notes_for(world, "ent_a")
    assert "诉求已答复" in notes_for(world, "liaison")  # the liaison looks after ent_a
    act(world, "ent_a", aid, A.CONFIRM)
    act(world, "office", aid, A.VISIT, satisfaction=5, comment="很满意")
    final = act(world, "office", aid, A.CLOSE)
    assert final.status == S.CLOSED and final.satisfaction == 5 and final.closed_at
    assert final.resolved_at == final.replied_at
    view = world.do(service.detail, world.ent_a, aid)
    kinds = [e.kind for e in view.events]
    assert kinds == ["submitted", "dispatch", "sign", "co_sign", "start", "reply", "confirm",
                     "visit", "close"]
    assert view.clocks.resolve is not None and view.clocks.resolve.label == "按时完成"
    assert audit_actions(world, aid) == [
        "appeal.submit", "appeal.dispatch", "appeal.sign", "appeal.co_sign", "appeal.start",
        "appeal.reply", "appeal.confirm", "appeal.visit", "appeal.close"]
    with world.tx() as s:
        signed = {r.department_name: r.signed_at is not None
                  for r in s.scalars(select(AssignmentRow))}
    assert signed == {"区人力社保局": True, "区税务局": True}


AssignmentRow = AppealAssignment


def test_return_redispatch_and_escalation(world: World) -> None:
    aid = raise_appeal(world)
    act(world, "office", aid, A.DISPATCH, lead_department="区经济信息委")
    act(world, "econ", aid, A.REQUEST_RETURN, reason="属人社部门职责")
    assert "退单申请" in notes_for(world, "office")
    with pytest.raises(InvalidTransition, match="已有待审批的退单申请"):
        act(world, "econ", aid, A.REQUEST_RETURN, reason="再次申请")
    back = act(world, "office", aid, A.APPROVE_RETURN, note="同意")
    assert back.status == S.SUBMITTED and back.lead_department is None and back.return_count == 1
    assert "退单已同意" in notes_for(world, "econ")
    act(world, "office", aid, A.DISPATCH, lead_department="hr")
    # The old department still reads it, but has no part in it any more.
    assert world.do(service.get, world.econ, aid).id == aid
    with pytest.raises(ActionNotAllowed, match="当前未交办给「区经济信息委」"):
        act(world, "econ", aid, A.SIGN)
    escalated = act(world, "office", aid, A.ESCALATE, lead_official="王副区长", reason="跨部门")
    assert escalated.escalated_to == "王副区长"
    with pytest.raises(InvalidTransition, match="工作专班"):
        act(world, "office", aid, A.ESCALATE, lead_official="李局长", reason="再次")
    with world.tx() as s:
        rows = list(s.scalars(select(AppealAssignment).order_by(AppealAssignment.id)))
    assert [(r.department_name, r.dispatch_round, r.active) for r in rows] == [
        ("区经济信息委", 1, False), ("区人力社保局", 2, True)]


def test_extension_moves_the_deadline(world: World) -> None:
    aid = raise_appeal(world)
    act(world, "office", aid, A.DISPATCH, lead_department="hr")
    act(world, "hr", aid, A.SIGN)
    act(world, "hr", aid, A.REQUEST_EXTENSION, reason="需协调外省资源", extra_workdays=3)
    appeal = act(world, "office", aid, A.APPROVE_EXTENSION)
    # 28 Sep + 3 working days: 29, 30 Sep, then 国庆 until 8 Oct → 9 Oct.
    assert appeal.resolve_due == date(2025, 10, 9) and appeal.extension_count == 1
    assert "延期已同意" in notes_for(world, "hr")


def test_reopen_and_force_close(world: World) -> None:
    aid = raise_appeal(world)
    act(world, "office", aid, A.DISPATCH, lead_department="hr")
    act(world, "hr", aid, A.SIGN)
    act(world, "hr", aid, A.REPLY, reply="已处理")
    reopened = act(world, "liaison", aid, A.REOPEN, reason="企业反映仍未解决")
    assert reopened.status == S.IN_PROGRESS and reopened.replied_at is None
    with pytest.raises(ActionNotAllowed):
        act(world, "hr", aid, A.FORCE_CLOSE, reason="企业失联")
    closed = act(world, "office", aid, A.FORCE_CLOSE, reason="企业已搬离本区")
    assert closed.status == S.CLOSED and closed.force_closed
    assert closed.close_reason == "企业已搬离本区"


@pytest.mark.parametrize(("status_steps", "who", "action", "payload", "error"), [
    ([], "hr", A.SIGN, {}, NotFound),  # not dispatched to hr: not visible at all
    ([], "office", A.SIGN, {}, InvalidTransition),
    ([], "office", A.REPLY, {"reply": "x"}, InvalidTransition),
    (["dispatch"], "tax", A.REPLY, {"reply": "x"}, NotFound),  # another department
    (["dispatch"], "hr", A.REPLY, {"reply": "x"}, InvalidTransition),  # not signed yet
    (["dispatch"], "ent_a", A.CONFIRM, {}, InvalidTransition),
    (["dispatch"], "office", A.CLOSE, {}, InvalidTransition),
    (["dispatch", "sign"], "ent_a", A.REPLY, {"reply": "x"}, ActionNotAllowed),
    (["dispatch", "sign"], "hr", A.APPROVE_EXTENSION, {}, ActionNotAllowed),
    (["dispatch", "sign"], "auditor", A.START, {}, PermissionDenied),
    (["dispatch", "sign"], "ent_b", A.CONFIRM, {}, NotFound),
    (["dispatch", "sign"], "liaison2", A.CONFIRM, {}, NotFound),
])
def test_invalid_steps_are_refused(world: World, status_steps: list[str], who: str, action: A,
                                   payload: dict[str, Any], error: type[Exception]) -> None:
    aid = raise_appeal(world)
    if "dispatch" in status_steps:
        act(world, "office", aid, A.DISPATCH, lead_department="hr")
    if "sign" in status_steps:
        act(world, "hr", aid, A.SIGN)
    before = audit_actions(world, aid)
    with pytest.raises(error):
        act(world, who, aid, action, **payload)
    assert audit_actions(world, aid) == before  # nothing written


def test_dispatch_to_an_unknown_department_is_refused(world: World) -> None:
    aid = raise_appeal(world)
    with pytest.raises(ValidationFailed, match="牵头部门「区不存在局」不存在"):
        act(world, "office", aid, A.DISPATCH, lead_department="区不存在局")
    with pytest.raises(ValidationFailed, match="协办部门「nope」不存在"):
        act(world, "office", aid, A.DISPATCH, lead_department="hr", co_departments=["nope"])
    with pytest.raises(ValidationFailed, match="不认识的操作"):
        act(world, "office", aid, "fly")  # type: ignore[arg-type]
