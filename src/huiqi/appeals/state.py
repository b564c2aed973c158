"""The appeal (诉求) lifecycle as an explicit state machine — pure Python, no DB.

企业出题吹哨、部门答卷报到. The four lists of the practice map onto the lifecycle:
问题明白单 = the submitted appeal; 任务交办单 = DISPATCH (lead department, co-handlers, deadlines);
责任划分单 = DISPATCH's `responsibilities` (who does what);
反馈销号单 = REPLY, CONFIRM, VISIT, CLOSE.

`transition(state, action, role, payload)` checks, in this order: the (status, action) table
(→ InvalidTransition, 409), the actor's role (→ ActionNotAllowed, 403), the appeal's pending
requests and flags (→ InvalidTransition, 409), the payload (→ InvalidPayload, 422). It returns the
new state and the events to record; the service persists both and writes the audit row.
Deadlines are computed by the service (appeals.deadlines) and passed in as dates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from huiqi.appeals import payloads as p
from huiqi.appeals.vocab import SATISFIED_FROM, AppealAction, AppealStatus, Role, Source
from huiqi.kit.errors import Conflict, PermissionDenied

A, S, R = AppealAction, AppealStatus, Role


class InvalidTransition(Conflict):
    code = "appeal_invalid_transition"


class ActionNotAllowed(PermissionDenied):
    code = "appeal_action_not_allowed"


@dataclass(frozen=True)
class PendingRequest:
    """A department's 退单 or 延期 request awaiting the office."""

    reason: str
    extra_workdays: int | None = None


@dataclass(frozen=True)
class AppealState:
    status: AppealStatus = S.SUBMITTED
    source: Source = Source.ONLINE
    lead_department: str | None = None
    co_departments: tuple[str, ...] = ()
    responsibilities: tuple[tuple[str, str], ...] = ()
    co_signed: frozenset[str] = field(default_factory=frozenset)
    sign_due: date | None = None
    resolve_due: date | None = None
    pending_return: PendingRequest | None = None
    pending_extension: PendingRequest | None = None
    escalated_to: str | None = None  # the lead official of the 工作专班
    reopen_count: int = 0
    return_count: int = 0
    extension_count: int = 0
    satisfaction: int | None = None
    force_closed: bool = False


@dataclass(frozen=True)
class AppealEvent:
    kind: str  # an action's value, or "request_cancelled" / "resolve_due_changed"
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Transition:
    state: AppealState
    events: tuple[AppealEvent, ...]


# --- the table ------------------------------------------------------------------------------

OPEN = frozenset(set(S) - {S.CLOSED})
HANDLING = frozenset({S.DISPATCHED, S.SIGNED, S.IN_PROGRESS})  # 退单 possible; co-handlers sign
WORKING = frozenset({S.SIGNED, S.IN_PROGRESS})  # 延期 possible
SOLVING = frozenset({S.SUBMITTED, *HANDLING})  # a 工作专班 may take it over

# action -> (statuses it is allowed in, status it leads to; None = unchanged)
_ROWS: dict[AppealAction, tuple[frozenset[AppealStatus], AppealStatus | None]] = {
    A.DISPATCH: (frozenset({S.SUBMITTED}), S.DISPATCHED),
    A.SIGN: (frozenset({S.DISPATCHED}), S.SIGNED),
    A.CO_SIGN: (HANDLING, None),
    A.START: (frozenset({S.SIGNED}), S.IN_PROGRESS),
    A.REPLY: (WORKING, S.REPLIED),
    A.CONFIRM: (frozenset({S.REPLIED}), S.CONFIRMED),
    A.REOPEN: (frozenset({S.REPLIED}), S.IN_PROGRESS),
    A.VISIT: (frozenset({S.CONFIRMED}), S.VISITED),
    A.CLOSE: (frozenset({S.VISITED}), S.CLOSED),
    A.FORCE_CLOSE: (OPEN - {S.VISITED}, S.CLOSED),
    A.REQUEST_RETURN: (HANDLING, None),
    A.APPROVE_RETURN: (HANDLING, S.SUBMITTED),
    A.REFUSE_RETURN: (HANDLING, None),
    A.REQUEST_EXTENSION: (WORKING, None),
    A.APPROVE_EXTENSION: (WORKING, None),
    A.REFUSE_EXTENSION: (WORKING, None),
    A.ESCALATE: (SOLVING, None),
}

TRANSITIONS: Mapping[tuple[AppealStatus, AppealAction], AppealStatus] = {
    (status, action): (target or status)
    for action, (sources, target) in _ROWS.items()
    for status in sources
}

CITIZEN = frozenset({R.ENTERPRISE, R.LIAISON})  # a liaison may act on the enterprise's behalf
ROLES: Mapping[AppealAction, frozenset[Role]] = {
    A.DISPATCH: frozenset({R.OFFICE}),
    A.SIGN: frozenset({R.LEAD_DEPARTMENT}),
    A.CO_SIGN: frozenset({R.CO_DEPARTMENT}),
    A.START: frozenset({R.LEAD_DEPARTMENT}),
    A.REPLY: frozenset({R.LEAD_DEPARTMENT}),
    A.CONFIRM: CITIZEN,
    A.REOPEN: CITIZEN,
    A.VISIT: frozenset({R.OFFICE, R.LIAISON}),
    A.CLOSE: frozenset({R.OFFICE}),
    A.FORCE_CLOSE: frozenset({R.OFFICE}),
    A.REQUEST_RETURN: frozenset({R.LEAD_DEPARTMENT}),
    A.APPROVE_RETURN: frozenset({R.OFFICE}),
    A.REFUSE_RETURN: frozenset({R.OFFICE}),
    A.REQUEST_EXTENSION: frozenset({R.LEAD_DEPARTMENT}),
    A.APPROVE_EXTENSION: frozenset({R.OFFICE}),
    A.REFUSE_EXTENSION: frozenset({R.OFFICE}),
    A.ESCALATE: frozenset({R.OFFICE}),
}

PAYLOADS: Mapping[AppealAction, tuple[p.Field, ...]] = {
    A.DISPATCH: (
        p.LEAD_DEPARTMENT,
        p.CO_DEPARTMENTS,
        p.RESPONSIBILITIES,
        p.SIGN_DUE,
        p.RESOLVE_DUE,
        p.NOTE,
    ),
    A.SIGN: (p.NOTE,),
    A.CO_SIGN: (p.DEPARTMENT, p.NOTE),
    A.START: (p.NOTE,),
    A.REPLY: (p.REPLY,),
    A.CONFIRM: (p.COMMENT,),
    A.REOPEN: (p.REASON,),
    A.VISIT: (p.SATISFACTION, p.COMMENT),
    A.CLOSE: (p.NOTE,),
    A.FORCE_CLOSE: (p.REASON,),
    A.REQUEST_RETURN: (p.REASON,),
    A.APPROVE_RETURN: (p.NOTE,),
    A.REFUSE_RETURN: (p.REASON,),
    A.REQUEST_EXTENSION: (p.REASON, p.EXTRA_WORKDAYS),
    A.APPROVE_EXTENSION: (p.RESOLVE_DUE, p.NOTE),
    A.REFUSE_EXTENSION: (p.REASON,),
    A.ESCALATE: (p.LEAD_OFFICIAL, p.REASON),
}

SUBMIT_ROLES = frozenset({R.ENTERPRISE, R.LIAISON, R.OFFICE})


# --- entry points ---------------------------------------------------------------------------


def submit(actor_role: Role, source: Source = Source.ONLINE) -> Transition:
    """A new appeal (问题明白单); the office records those from 营商前哨 and 政企恳谈会."""
    if actor_role not in SUBMIT_ROLES:
        raise ActionNotAllowed(f"「{actor_role.label}」不能提交诉求")
    state = AppealState(source=source)
    return Transition(state, (AppealEvent("submitted", {"source": source.value}),))


def role_of_department(state: AppealState, department: str) -> Role | None:
    """Which department role an officer of `department` holds on this appeal, if any."""
    if department == state.lead_department:
        return R.LEAD_DEPARTMENT
    if department in state.co_departments:
        return R.CO_DEPARTMENT
    return None


def allowed_actions(state: AppealState, actor_role: Role) -> list[AppealAction]:
    """The actions `actor_role` may take now (for the buttons on the page)."""
    out = []
    for action in AppealAction:
        if (state.status, action) not in TRANSITIONS or actor_role not in ROLES[action]:
            continue
        try:
            _check_guards(state, action)
        except InvalidTransition:
            continue
        out.append(action)
    return out


def transition(
    state: AppealState,
    action: AppealAction,
    actor_role: Role,
    payload: Mapping[str, object] | None = None,
) -> Transition:
    target = TRANSITIONS.get((state.status, action))
    if target is None:
        raise InvalidTransition(
            f"诉求当前状态为「{state.status.label}」，不能执行「{action.label}」",
            details={"status": state.status.value, "action": action.value},
        )
    if actor_role not in ROLES[action]:
        allowed = "、".join(r.label for r in sorted(ROLES[action]))
        raise ActionNotAllowed(
            f"「{actor_role.label}」不能执行「{action.label}」，应由{allowed}办理"
        )
    _check_guards(state, action)
    data = p.clean(PAYLOADS[action], payload)
    changes, extra = _EFFECTS[action](state, data)
    new = replace(state, status=target, **changes)
    new, cancelled = _drop_stale_requests(new)
    event = AppealEvent(
        action.value,
        {"role": actor_role.value, "from": state.status.value, "to": target.value, **data},
    )
    return Transition(new, (event, *extra, *cancelled))


# --- guards and effects ---------------------------------------------------------------------


def _check_guards(state: AppealState, action: AppealAction) -> None:
    if action is A.REQUEST_RETURN and state.pending_return:
        raise InvalidTransition("已有待审批的退单申请，请等待营商办审批")
    if action in (A.APPROVE_RETURN, A.REFUSE_RETURN) and not state.pending_return:
        raise InvalidTransition("没有待审批的退单申请")
    if action is A.REQUEST_EXTENSION and state.pending_extension:
        raise InvalidTransition("已有待审批的延期申请，请等待营商办审批")
    if action in (A.APPROVE_EXTENSION, A.REFUSE_EXTENSION) and not state.pending_extension:
        raise InvalidTransition("没有待审批的延期申请")
    if action is A.ESCALATE and state.escalated_to:
        raise InvalidTransition(f"该诉求已由工作专班（牵头领导：{state.escalated_to}）办理")


Data = dict[str, Any]
Out = tuple[dict[str, Any], tuple[AppealEvent, ...]]  # field changes, extra events
Effect = Callable[[AppealState, Data], Out]


def _none(state: AppealState, data: Data) -> Out:
    return {}, ()


def _dispatch(state: AppealState, data: Data) -> Out:
    lead: str = data["lead_department"]
    co: tuple[str, ...] = data.get("co_departments", ())
    duties: tuple[tuple[str, str], ...] = data.get("responsibilities", ())
    if lead in co:
        raise p.InvalidPayload(f"「{lead}」已是牵头部门，不能同时列为协办部门")
    strangers = sorted({name for name, _ in duties} - {lead, *co})
    if strangers:
        raise p.InvalidPayload(f"责任划分中的「{'、'.join(strangers)}」不是牵头或协办部门")
    if data["resolve_due"] < data["sign_due"]:
        raise p.InvalidPayload("办结时限不能早于签收时限")
    return {
        "lead_department": lead,
        "co_departments": co,
        "responsibilities": duties,
        "co_signed": frozenset(),
        "sign_due": data["sign_due"],
        "resolve_due": data["resolve_due"],
    }, ()


def _co_sign(state: AppealState, data: Data) -> Out:
    department: str = data["department"]
    if department not in state.co_departments:
        raise p.InvalidPayload(f"「{department}」不是本诉求的协办部门")
    if department in state.co_signed:
        raise InvalidTransition(f"「{department}」已签收")
    return {"co_signed": state.co_signed | {department}}, ()


def _reopen(state: AppealState, data: Data) -> Out:
    return {"reopen_count": state.reopen_count + 1}, ()


def _visit(state: AppealState, data: Data) -> Out:
    if data["satisfaction"] < SATISFIED_FROM and not data.get("comment"):
        raise p.InvalidPayload("满意度低于 4 分时，请填写「评价意见」说明不满意的原因")
    return {"satisfaction": data["satisfaction"]}, ()


def _force_close(state: AppealState, data: Data) -> Out:
    return {"force_closed": True}, ()


def _request_return(state: AppealState, data: Data) -> Out:
    return {"pending_return": PendingRequest(data["reason"])}, ()


def _approve_return(state: AppealState, data: Data) -> Out:
    # Back to the office for re-dispatch: the old assignment and its deadlines no longer hold.
    return {
        "pending_return": None,
        "lead_department": None,
        "co_departments": (),
        "responsibilities": (),
        "co_signed": frozenset(),
        "sign_due": None,
        "resolve_due": None,
        "return_count": state.return_count + 1,
    }, ()


def _refuse_return(state: AppealState, data: Data) -> Out:
    return {"pending_return": None}, ()


def _request_extension(state: AppealState, data: Data) -> Out:
    return {"pending_extension": PendingRequest(data["reason"], data["extra_workdays"])}, ()


def _approve_extension(state: AppealState, data: Data) -> Out:
    new_due: date = data["resolve_due"]
    if state.resolve_due is not None and new_due <= state.resolve_due:
        raise p.InvalidPayload(
            f"延期后的办结时限应晚于原时限 {state.resolve_due.isoformat()}，"
            f"收到 {new_due.isoformat()}"
        )
    old = state.resolve_due.isoformat() if state.resolve_due else None
    event = AppealEvent("resolve_due_changed", {"from": old, "to": new_due.isoformat()})
    changes = {
        "pending_extension": None,
        "resolve_due": new_due,
        "extension_count": state.extension_count + 1,
    }
    return changes, (event,)


def _refuse_extension(state: AppealState, data: Data) -> Out:
    return {"pending_extension": None}, ()


def _escalate(state: AppealState, data: Data) -> Out:
    return {"escalated_to": data["lead_official"]}, ()


_EFFECTS: Mapping[AppealAction, Effect] = {
    **{action: _none for action in AppealAction},
    A.DISPATCH: _dispatch,
    A.CO_SIGN: _co_sign,
    A.REOPEN: _reopen,
    A.VISIT: _visit,
    A.FORCE_CLOSE: _force_close,
    A.REQUEST_RETURN: _request_return,
    A.APPROVE_RETURN: _approve_return,
    A.REFUSE_RETURN: _refuse_return,
    A.REQUEST_EXTENSION: _request_extension,
    A.APPROVE_EXTENSION: _approve_extension,
    A.REFUSE_EXTENSION: _refuse_extension,
    A.ESCALATE: _escalate,
}


def _drop_stale_requests(state: AppealState) -> tuple[AppealState, tuple[AppealEvent, ...]]:
    """A request lapses once the appeal leaves the statuses where it can be decided."""
    events = []
    if state.pending_return and state.status not in HANDLING:
        state = replace(state, pending_return=None)
        events.append(AppealEvent("request_cancelled", {"request": A.REQUEST_RETURN.value}))
    if state.pending_extension and state.status not in WORKING:
        state = replace(state, pending_extension=None)
        events.append(AppealEvent("request_cancelled", {"request": A.REQUEST_EXTENSION.value}))
    return state, tuple(events)
