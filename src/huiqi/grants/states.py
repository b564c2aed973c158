"""The application lifecycle as an explicit table — pure Python, no DB.

    SUBMITTED ──accept──▶ UNDER_REVIEW ──approve──▶ APPROVED ──pay──▶ PAID
        │  └─accept_with_gaps─▶ PENDING_MATERIALS ──supply──▶ UNDER_REVIEW
        │                          └─lapse──▶ LAPSED
        └─approve (finance_review)──▶ FINANCE_REVIEW ──finance_approve──▶ APPROVED
    reject from any open state → REJECTED; withdraw by the enterprise → WITHDRAWN

`check(status, action)` returns the next status or raises `InvalidTransition` (409) with a
Chinese message saying what the application's state is and what can be done instead.
"""

from __future__ import annotations

from enum import StrEnum

from huiqi.kit.errors import Conflict


class Status(StrEnum):
    SUBMITTED = "submitted"
    PENDING_MATERIALS = "pending_materials"
    UNDER_REVIEW = "under_review"
    FINANCE_REVIEW = "finance_review"
    APPROVED = "approved"
    PAID = "paid"
    REJECTED = "rejected"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.SUBMITTED: "待受理",
    Status.PENDING_MATERIALS: "容缺受理·待补材料",
    Status.UNDER_REVIEW: "审核中",
    Status.FINANCE_REVIEW: "待财政复核",
    Status.APPROVED: "已批准·待兑现",
    Status.PAID: "已兑现",
    Status.REJECTED: "未通过",
    Status.LAPSED: "已失效（逾期未补齐材料）",
    Status.WITHDRAWN: "已撤回",
}


class Action(StrEnum):
    ACCEPT = "accept"
    ACCEPT_WITH_GAPS = "accept_with_gaps"
    SUPPLY = "supply"
    APPROVE = "approve"
    FINANCE_APPROVE = "finance_approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    LAPSE = "lapse"
    PAY = "pay"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.ACCEPT: "受理",
    Action.ACCEPT_WITH_GAPS: "容缺受理",
    Action.SUPPLY: "补齐材料",
    Action.APPROVE: "审核通过",
    Action.FINANCE_APPROVE: "财政复核通过",
    Action.REJECT: "驳回",
    Action.WITHDRAW: "撤回",
    Action.LAPSE: "逾期失效",
    Action.PAY: "兑现",
}

S, A = Status, Action
OPEN = frozenset({S.SUBMITTED, S.PENDING_MATERIALS, S.UNDER_REVIEW, S.FINANCE_REVIEW})
HELD = frozenset({S.APPROVED, S.PAID})  # the enterprise holds a grant
# An application that blocks a second one for the same item and year.
ACTIVE = OPEN | HELD

# (from, action) -> to; APPROVE's target depends on the item (finance review or not).
TABLE: dict[tuple[Status, Action], Status] = {
    (S.SUBMITTED, A.ACCEPT): S.UNDER_REVIEW,
    (S.SUBMITTED, A.ACCEPT_WITH_GAPS): S.PENDING_MATERIALS,
    (S.UNDER_REVIEW, A.ACCEPT_WITH_GAPS): S.PENDING_MATERIALS,
    (S.PENDING_MATERIALS, A.SUPPLY): S.UNDER_REVIEW,
    (S.PENDING_MATERIALS, A.LAPSE): S.LAPSED,
    (S.SUBMITTED, A.APPROVE): S.APPROVED,
    (S.UNDER_REVIEW, A.APPROVE): S.APPROVED,
    (S.FINANCE_REVIEW, A.FINANCE_APPROVE): S.APPROVED,
    (S.SUBMITTED, A.REJECT): S.REJECTED,
    (S.UNDER_REVIEW, A.REJECT): S.REJECTED,
    (S.PENDING_MATERIALS, A.REJECT): S.REJECTED,
    (S.FINANCE_REVIEW, A.REJECT): S.REJECTED,
    (S.SUBMITTED, A.WITHDRAW): S.WITHDRAWN,
    (S.UNDER_REVIEW, A.WITHDRAW): S.WITHDRAWN,
    (S.PENDING_MATERIALS, A.WITHDRAW): S.WITHDRAWN,
    (S.APPROVED, A.PAY): S.PAID,
}


class InvalidTransition(Conflict):
    code = "grant_invalid_transition"


def allowed(status: Status | str) -> list[Action]:
    status = Status(status)
    return [action for (src, action) in TABLE if src is status]


def check(status: Status | str, action: Action, *, finance_review: bool = False) -> Status:
    status = Status(status)
    target = TABLE.get((status, action))
    if target is None:
        can = "、".join(a.label for a in allowed(status)) or "无"
        raise InvalidTransition(
            f"该申报当前状态为“{status.label}”，不能{action.label}。当前可进行的操作：{can}。",
            details={"status": status.value, "action": action.value},
        )
    if action is A.APPROVE and finance_review:
        return S.FINANCE_REVIEW
    return target
