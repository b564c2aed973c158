"""Names in the appeal lifecycle — statuses, actions, roles, sources — and their Chinese labels."""

from __future__ import annotations

from enum import StrEnum

SATISFIED_FROM = 4  # satisfaction 4 (满意) and 5 (非常满意) count as satisfied; below must say why


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return _LABELS[self]


class AppealStatus(_Labelled):
    SUBMITTED = "submitted"  # also: returned by a department, awaiting re-dispatch
    DISPATCHED = "dispatched"
    SIGNED = "signed"
    IN_PROGRESS = "in_progress"
    REPLIED = "replied"
    CONFIRMED = "confirmed"
    VISITED = "visited"
    CLOSED = "closed"


class AppealAction(_Labelled):
    DISPATCH = "dispatch"
    SIGN = "sign"
    CO_SIGN = "co_sign"
    START = "start"
    REPLY = "reply"
    CONFIRM = "confirm"
    REOPEN = "reopen"
    VISIT = "visit"
    CLOSE = "close"
    FORCE_CLOSE = "force_close"
    REQUEST_RETURN = "request_return"
    APPROVE_RETURN = "approve_return"
    REFUSE_RETURN = "refuse_return"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REFUSE_EXTENSION = "refuse_extension"
    ESCALATE = "escalate"


class Role(_Labelled):
    """A role on one appeal; the service derives it from the actor and the appeal."""

    ENTERPRISE = "enterprise"
    LIAISON = "liaison"
    LEAD_DEPARTMENT = "lead_department"
    CO_DEPARTMENT = "co_department"
    OFFICE = "office"


class Source(_Labelled):
    """Where the appeal came from (企业出题吹哨 has many whistles)."""

    ONLINE = "online"
    LIAISON_VISIT = "liaison_visit"
    SENTINEL = "sentinel"
    ROUNDTABLE = "roundtable"
    HOTLINE = "hotline"
    OFFICE_ENTRY = "office_entry"  # by the office itself; not "office": labels key on values
    CANNOT_DO = "cannot_do"  # the 办不成事 window (recorded through huiqi.ratings)
    PROJECT = "project"  # a blocked step of an investment project (projects.service.block_step)


_LABELS: dict[StrEnum, str] = {
    AppealStatus.SUBMITTED: "待交办",
    AppealStatus.DISPATCHED: "已交办",
    AppealStatus.SIGNED: "已签收",
    AppealStatus.IN_PROGRESS: "办理中",
    AppealStatus.REPLIED: "已回复",
    AppealStatus.CONFIRMED: "企业已确认",
    AppealStatus.VISITED: "已回访",
    AppealStatus.CLOSED: "已销号",
    AppealAction.DISPATCH: "交办",
    AppealAction.SIGN: "签收",
    AppealAction.CO_SIGN: "协办签收",
    AppealAction.START: "开始办理",
    AppealAction.REPLY: "答复",
    AppealAction.CONFIRM: "确认解决",
    AppealAction.REOPEN: "不认可，重新办理",
    AppealAction.VISIT: "回访",
    AppealAction.CLOSE: "销号",
    AppealAction.FORCE_CLOSE: "未经企业确认销号",
    AppealAction.REQUEST_RETURN: "申请退单",
    AppealAction.APPROVE_RETURN: "同意退单",
    AppealAction.REFUSE_RETURN: "驳回退单",
    AppealAction.REQUEST_EXTENSION: "申请延期",
    AppealAction.APPROVE_EXTENSION: "同意延期",
    AppealAction.REFUSE_EXTENSION: "驳回延期",
    AppealAction.ESCALATE: "提交工作专班",
    Role.ENTERPRISE: "企业",
    Role.LIAISON: "服务专员",
    Role.LEAD_DEPARTMENT: "牵头部门",
    Role.CO_DEPARTMENT: "协办部门",
    Role.OFFICE: "营商办",
    Source.ONLINE: "企业线上提交",
    Source.LIAISON_VISIT: "包联走访",
    Source.SENTINEL: "营商前哨",
    Source.ROUNDTABLE: "政企恳谈会",
    Source.HOTLINE: "12345热线",
    Source.OFFICE_ENTRY: "营商办录入",
    Source.CANNOT_DO: "办不成事窗口",
    Source.PROJECT: "项目代办",
}
