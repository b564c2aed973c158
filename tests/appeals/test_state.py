"""The appeal state machine: the whole (status, action) table, roles, payloads, random walks."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from huiqi.appeals.payloads import InvalidPayload
from huiqi.appeals.state import (
    HANDLING,
    ROLES,
    TRANSITIONS,
    WORKING,
    ActionNotAllowed,
    AppealState,
    InvalidTransition,
    allowed_actions,
    role_of_department,
    submit,
    transition,
)
from huiqi.appeals.vocab import AppealAction, AppealStatus, Role, Source
from huiqi.kit.errors import Conflict, HuiqiError

A, S, R = AppealAction, AppealStatus, Role

DISPATCH = {
    "lead_department": "区人力社保局",
    "co_departments": ["区经济信息委", "区税务局"],
    "responsibilities": {"区人力社保局": "牵头落实用工补贴", "区税务局": "核实纳税信息"},
    "sign_due": "2025-09-29",
    "resolve_due": "2025-10-14",
}


def valid_payload(state: AppealState, action: AppealAction) -> dict[str, Any]:
    """A payload that the action accepts in `state` (when it can be accepted at all)."""
    if action is A.DISPATCH:
        return dict(DISPATCH)
    if action is A.CO_SIGN:
        todo = [d for d in state.co_departments if d not in state.co_signed]
        return {"department": todo[0] if todo else "区税务局"}
    if action is A.REPLY:
        return {"reply": "已协调发放稳岗补贴"}
    if action is A.VISIT:
        return {"satisfaction": 5}
    if action is A.REQUEST_EXTENSION:
        return {"reason": "需现场核查", "extra_workdays": 3}
    if action is A.APPROVE_EXTENSION:
        due = state.resolve_due or date(2025, 10, 14)
        return {"resolve_due": due + timedelta(days=3)}
    if action is A.ESCALATE:
        return {"lead_official": "张副区长", "reason": "跨部门"}
    if action in (A.REOPEN, A.FORCE_CLOSE, A.REQUEST_RETURN, A.REFUSE_RETURN, A.REFUSE_EXTENSION):
        return {"reason": "理由"}
    return {}


def actor(action: AppealAction) -> Role:
    return sorted(ROLES[action])[0]


def act(state: AppealState, action: AppealAction, **payload: Any) -> AppealState:
    data = payload or valid_payload(state, action)
    return transition(state, action, actor(action), data).state


PATHS: dict[AppealStatus, list[AppealAction]] = {
    S.SUBMITTED: [],
    S.DISPATCHED: [A.DISPATCH],
    S.SIGNED: [A.DISPATCH, A.SIGN],
    S.IN_PROGRESS: [A.DISPATCH, A.SIGN, A.START],
    S.REPLIED: [A.DISPATCH, A.SIGN, A.START, A.REPLY],
    S.CONFIRMED: [A.DISPATCH, A.SIGN, A.START, A.REPLY, A.CONFIRM],
    S.VISITED: [A.DISPATCH, A.SIGN, A.START, A.REPLY, A.CONFIRM, A.VISIT],
    S.CLOSED: [A.DISPATCH, A.SIGN, A.START, A.REPLY, A.CONFIRM, A.VISIT, A.CLOSE],
}

# Deciding a request needs one to be pending.
PRECONDITION = {
    A.APPROVE_RETURN: A.REQUEST_RETURN,
    A.REFUSE_RETURN: A.REQUEST_RETURN,
    A.APPROVE_EXTENSION: A.REQUEST_EXTENSION,
    A.REFUSE_EXTENSION: A.REQUEST_EXTENSION,
}


def reach(status: AppealStatus) -> AppealState:
    state = submit(R.ENTERPRISE).state
    for action in PATHS[status]:
        state = act(state, action)
    assert state.status is status
    return state


def context(status: AppealStatus, action: AppealAction) -> AppealState:
    state = reach(status)
    if action in PRECONDITION and (status, PRECONDITION[action]) in TRANSITIONS:
        state = act(state, PRECONDITION[action])
    return state


ALL_PAIRS = [(s, a) for s in AppealStatus for a in AppealAction]


@pytest.mark.parametrize(("status", "action"), [p for p in ALL_PAIRS if p not in TRANSITIONS])
def test_every_pair_outside_the_table_is_refused_for_every_role(
    status: AppealStatus, action: AppealAction
) -> None:
    state = context(status, action)
    for role in Role:
        with pytest.raises(InvalidTransition) as err:
            transition(state, action, role, valid_payload(state, action))
        assert err.value.message == f"诉求当前状态为「{status.label}」，不能执行「{action.label}」"
        assert err.value.status_code == 409


@pytest.mark.parametrize(("status", "action"), sorted(TRANSITIONS))
def test_every_allowed_pair_works_for_its_roles_only(
    status: AppealStatus, action: AppealAction
) -> None:
    state = context(status, action)
    for role in Role:
        if role in ROLES[action]:
            result = transition(state, action, role, valid_payload(state, action))
            assert result.state.status is TRANSITIONS[(status, action)]
            assert result.events[0].kind == action.value
            assert result.events[0].data["role"] == role.value
        else:
            with pytest.raises(ActionNotAllowed):
                transition(state, action, role, valid_payload(state, action))


def test_the_message_names_both_state_and_action() -> None:
    with pytest.raises(Conflict, match="诉求当前状态为「已回复」，不能执行「签收」"):
        transition(reach(S.REPLIED), A.SIGN, R.LEAD_DEPARTMENT)


def test_closed_is_terminal() -> None:
    assert not [a for (s, a) in TRANSITIONS if s is S.CLOSED]
    assert all(allowed_actions(reach(S.CLOSED), role) == [] for role in Role)


def test_full_lifecycle_records_the_four_lists() -> None:
    start = submit(R.LIAISON, Source.SENTINEL)
    assert start.state.source is Source.SENTINEL
    assert start.events[0].kind == "submitted"
    state = act(start.state, A.DISPATCH)
    assert state.lead_department == "区人力社保局"
    assert state.co_departments == ("区经济信息委", "区税务局")
    assert dict(state.responsibilities)["区税务局"] == "核实纳税信息"
    assert (state.sign_due, state.resolve_due) == (date(2025, 9, 29), date(2025, 10, 14))
    assert role_of_department(state, "区税务局") is R.CO_DEPARTMENT
    assert role_of_department(state, "区人力社保局") is R.LEAD_DEPARTMENT
    assert role_of_department(state, "区住建委") is None
    state = act(state, A.SIGN)
    state = act(state, A.CO_SIGN, department="区税务局")
    assert state.co_signed == {"区税务局"}
    state = act(state, A.START)
    state = act(state, A.REPLY)
    state = act(state, A.REOPEN, reason="补贴未到账")
    assert (state.status, state.reopen_count) == (S.IN_PROGRESS, 1)
    state = act(state, A.REPLY, reply="补贴已于10月10日到账")
    state = act(state, A.CONFIRM)
    result = transition(state, A.VISIT, R.OFFICE, {"satisfaction": "4", "comment": "满意"})
    assert result.state.satisfaction == 4
    assert result.events[0].data["satisfaction"] == 4
    closed = act(result.state, A.CLOSE)
    assert closed.status is S.CLOSED and not closed.force_closed


def test_return_for_redispatch() -> None:
    state = act(reach(S.SIGNED), A.REQUEST_RETURN, reason="不属于本部门职责")
    assert state.status is S.SIGNED and state.pending_return is not None
    with pytest.raises(InvalidTransition, match="已有待审批的退单申请"):
        act(state, A.REQUEST_RETURN, reason="再次申请")
    refused = act(state, A.REFUSE_RETURN, reason="属于本部门职责")
    assert refused.pending_return is None and refused.lead_department == "区人力社保局"
    returned = act(state, A.APPROVE_RETURN)
    assert returned.status is S.SUBMITTED
    assert returned.lead_department is None and returned.co_departments == ()
    assert returned.sign_due is None and returned.return_count == 1
    again = {**DISPATCH, "lead_department": "区市场监管局", "responsibilities": {}}
    redispatched = act(returned, A.DISPATCH, **again)
    assert redispatched.lead_department == "区市场监管局"


def test_approving_or_refusing_needs_a_pending_request() -> None:
    with pytest.raises(InvalidTransition, match="没有待审批的退单申请"):
        act(reach(S.SIGNED), A.APPROVE_RETURN)
    with pytest.raises(InvalidTransition, match="没有待审批的延期申请"):
        act(reach(S.SIGNED), A.REFUSE_EXTENSION, reason="x")


def test_extension_moves_the_resolve_deadline() -> None:
    state = act(reach(S.IN_PROGRESS), A.REQUEST_EXTENSION, reason="需现场核查", extra_workdays=3)
    assert state.pending_extension is not None and state.pending_extension.extra_workdays == 3
    with pytest.raises(InvalidPayload, match="应晚于原时限 2025-10-14"):
        act(state, A.APPROVE_EXTENSION, resolve_due="2025-10-14")
    result = transition(state, A.APPROVE_EXTENSION, R.OFFICE, {"resolve_due": "2025-10-17"})
    assert result.state.resolve_due == date(2025, 10, 17)
    assert result.state.pending_extension is None and result.state.extension_count == 1
    assert result.events[1].kind == "resolve_due_changed"
    assert result.events[1].data == {"from": "2025-10-14", "to": "2025-10-17"}
    refused = act(state, A.REFUSE_EXTENSION, reason="时限充足")
    assert refused.resolve_due == date(2025, 10, 14) and refused.pending_extension is None


def test_a_pending_request_lapses_when_the_appeal_moves_on() -> None:
    state = act(reach(S.IN_PROGRESS), A.REQUEST_EXTENSION)
    state = act(state, A.REQUEST_RETURN)
    result = transition(state, A.REPLY, R.LEAD_DEPARTMENT, {"reply": "已解决"})
    assert result.state.pending_extension is None and result.state.pending_return is None
    assert [e.kind for e in result.events] == ["reply", "request_cancelled", "request_cancelled"]


def test_escalation_is_a_flag_not_a_state() -> None:
    state = reach(S.IN_PROGRESS)
    result = transition(
        state, A.ESCALATE, R.OFFICE, {"lead_official": "张副区长", "reason": "跨部门问题"}
    )
    assert result.state.status is S.IN_PROGRESS
    assert result.state.escalated_to == "张副区长"
    with pytest.raises(InvalidTransition, match="工作专班（牵头领导：张副区长）"):
        act(result.state, A.ESCALATE)
    assert A.ESCALATE not in allowed_actions(result.state, R.OFFICE)


def test_force_close_needs_the_office_and_a_reason() -> None:
    state = reach(S.REPLIED)
    with pytest.raises(ActionNotAllowed, match="应由营商办办理"):
        transition(state, A.FORCE_CLOSE, R.LEAD_DEPARTMENT, {"reason": "企业失联"})
    with pytest.raises(InvalidPayload, match="请填写「理由」"):
        transition(state, A.FORCE_CLOSE, R.OFFICE, {"reason": "   "})
    closed = transition(state, A.FORCE_CLOSE, R.OFFICE, {"reason": "企业多次联系未回应"}).state
    assert closed.status is S.CLOSED and closed.force_closed


@pytest.mark.parametrize(
    ("status", "action", "payload", "message"),
    [
        (S.CONFIRMED, A.VISIT, {"satisfaction": 0}, "「满意度」应在 1–5 之间，收到 0"),
        (S.CONFIRMED, A.VISIT, {"satisfaction": 6}, "「满意度」应在 1–5 之间"),
        (S.CONFIRMED, A.VISIT, {"satisfaction": True}, "「满意度」应为整数"),
        (S.CONFIRMED, A.VISIT, {"satisfaction": "很好"}, "「满意度」应为整数，收到「很好」"),
        (S.CONFIRMED, A.VISIT, {"satisfaction": 2}, "满意度低于 4 分时，请填写「评价意见」"),
        (S.CONFIRMED, A.VISIT, {"satisfaction": 5, "score": 5}, "不认识的字段：score"),
        (S.REPLIED, A.REOPEN, {}, "请填写「理由」"),
        (S.SUBMITTED, A.DISPATCH, {**DISPATCH, "sign_due": "2025-9-29"}, "「签收时限」应为日期"),
        (S.SUBMITTED, A.DISPATCH, {**DISPATCH, "lead_department": ""}, "请填写「牵头部门」"),
        (
            S.SUBMITTED,
            A.DISPATCH,
            {**DISPATCH, "co_departments": ["区人力社保局"]},
            "「区人力社保局」已是牵头部门",
        ),
        (
            S.SUBMITTED,
            A.DISPATCH,
            {**DISPATCH, "co_departments": ["区税务局", "区税务局"]},
            "「协办部门」中有重复名称",
        ),
        (
            S.SUBMITTED,
            A.DISPATCH,
            {**DISPATCH, "responsibilities": {"区住建委": "x"}},
            "责任划分中的「区住建委」不是牵头或协办部门",
        ),
        (
            S.SUBMITTED,
            A.DISPATCH,
            {**DISPATCH, "resolve_due": "2025-09-28"},
            "办结时限不能早于签收时限",
        ),
        (S.SIGNED, A.CO_SIGN, {"department": "区住建委"}, "「区住建委」不是本诉求的协办部门"),
        (S.SIGNED, A.REQUEST_EXTENSION, {"reason": "x", "extra_workdays": 0}, "延期工作日数"),
    ],
)
def test_bad_payloads_are_explained(
    status: AppealStatus, action: AppealAction, payload: dict[str, Any], message: str
) -> None:
    state = reach(status)
    with pytest.raises(InvalidPayload) as err:
        transition(state, action, actor(action), payload)
    assert message in err.value.message
    assert err.value.status_code == 422
    # A refused action changes nothing: the state is immutable.
    assert state == reach(status)


def test_a_co_handler_signs_once() -> None:
    state = act(reach(S.DISPATCHED), A.CO_SIGN, department="区税务局")
    with pytest.raises(InvalidTransition, match="「区税务局」已签收"):
        act(state, A.CO_SIGN, department="区税务局")


def test_only_enterprise_liaison_or_office_submit() -> None:
    with pytest.raises(ActionNotAllowed):
        submit(R.LEAD_DEPARTMENT)
    assert submit(R.OFFICE, Source.ROUNDTABLE).state.status is S.SUBMITTED


# --- random walks -------------------------------------------------------------------------


def check_invariants(state: AppealState) -> None:
    assert state.status in set(AppealStatus)
    if state.status is S.SUBMITTED:
        assert state.lead_department is None and state.resolve_due is None
    elif not state.force_closed:
        assert state.lead_department and state.sign_due and state.resolve_due
    assert state.pending_return is None or state.status in HANDLING
    assert state.pending_extension is None or state.status in WORKING
    assert state.co_signed <= set(state.co_departments)
    assert state.satisfaction is None or state.status in (S.VISITED, S.CLOSED)
    assert not state.force_closed or state.status is S.CLOSED


def can_succeed(state: AppealState, action: AppealAction, role: Role, kind: str) -> bool:
    if action not in allowed_actions(state, role) or kind != "valid":
        return False
    return not (action is A.CO_SIGN and set(state.co_departments) <= state.co_signed)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_random_walks_stay_defined_and_closed_is_terminal(data: st.DataObject) -> None:
    state = submit(R.ENTERPRISE).state
    for _ in range(data.draw(st.integers(0, 40), label="length")):
        # Half the steps follow a button the page would show, half are arbitrary.
        if data.draw(st.booleans(), label="guided"):
            role = data.draw(st.sampled_from(Role), label="role")
            options = allowed_actions(state, role) or list(AppealAction)
            action = data.draw(st.sampled_from(options), label="action")
        else:
            role = data.draw(st.sampled_from(Role), label="role")
            action = data.draw(st.sampled_from(AppealAction), label="action")
        kind = data.draw(st.sampled_from(["valid", "valid", "empty"]), label="payload")
        payload = valid_payload(state, action) if kind == "valid" else {}
        expect_ok = can_succeed(state, action, role, kind)
        try:
            new = transition(state, action, role, payload).state
        except HuiqiError as exc:
            assert not expect_ok, exc.message
            if state.status is S.CLOSED:
                assert isinstance(exc, InvalidTransition)
            continue
        assert state.status is not S.CLOSED
        assert action in allowed_actions(state, role)
        state = new
        check_invariants(state)
    event(f"ended {state.status.value}")
