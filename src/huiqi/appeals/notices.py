"""Who is told what after each step of an appeal (in-app notifications, same transaction)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from huiqi.appeals import repository as repo
from huiqi.appeals.records import link
from huiqi.appeals.vocab import AppealAction
from huiqi.models.appeal import Appeal
from huiqi.notify.service import notify

A = AppealAction
Audience = Callable[[Session, Appeal], list[int]]


def enterprise(session: Session, appeal: Appeal) -> list[int]:
    return repo.enterprise_user_ids(session, appeal.enterprise_uscc)


def office(session: Session, appeal: Appeal) -> list[int]:
    return repo.office_user_ids(session)


def lead(session: Session, appeal: Appeal) -> list[int]:
    ids = [appeal.lead_department_id] if appeal.lead_department_id else []
    return repo.department_user_ids(session, ids)


def handlers(session: Session, appeal: Appeal) -> list[int]:
    return repo.department_user_ids(
        session, [r.department_id for r in repo.active_assignments(session, appeal.id)])


def requester(session: Session, appeal: Appeal) -> list[int]:
    """The departments of the decided request (after a 退单 the appeal has no lead any more)."""
    rows = [r for r in repo.requests(session, appeal.id) if r.department_id is not None]
    return repo.department_user_ids(session, [r.department_id for r in rows[-1:]
                                              if r.department_id is not None])


# action -> (audiences, title, body template; {t} = the appeal's title, {d} = its lead)
RULES: Mapping[AppealAction, tuple[tuple[Audience, ...], str, str]] = {
    A.DISPATCH: ((handlers,), "新交办诉求", "诉求“{t}”已交办贵部门，请在 {sign_due} 前签收、"
                 "{resolve_due} 前办结。"),
    A.SIGN: ((enterprise,), "诉求已签收", "您的诉求“{t}”已由{d}签收办理。"),
    A.REPLY: ((enterprise,), "诉求已答复", "{d}已答复您的诉求“{t}”，请确认是否解决。"),
    A.CONFIRM: ((lead, office), "企业已确认解决", "企业已确认诉求“{t}”已解决。"),
    A.REOPEN: ((lead, office), "企业不认可答复", "企业对诉求“{t}”的答复不认可，需重新办理。"),
    A.VISIT: ((lead,), "诉求已回访", "诉求“{t}”已回访，满意度 {satisfaction} 分。"),
    A.CLOSE: ((enterprise, lead), "诉求已销号", "诉求“{t}”已办结销号。"),
    A.FORCE_CLOSE: ((enterprise, lead), "诉求已销号", "诉求“{t}”已由营商办销号：{reason}"),
    A.REQUEST_RETURN: ((office,), "退单申请", "{d}申请退回诉求“{t}”：{reason}"),
    A.APPROVE_RETURN: ((requester, office), "退单已同意", "诉求“{t}”的退单申请已同意，"
                       "将重新交办。"),
    A.REFUSE_RETURN: ((requester,), "退单被驳回", "诉求“{t}”的退单申请被驳回：{reason}"),
    A.REQUEST_EXTENSION: ((office,), "延期申请", "{d}申请诉求“{t}”延期 {extra_workdays} 个"
                          "工作日：{reason}"),
    A.APPROVE_EXTENSION: ((requester,), "延期已同意", "诉求“{t}”的办结时限已延至 "
                          "{resolve_due}。"),
    A.REFUSE_EXTENSION: ((requester,), "延期被驳回", "诉求“{t}”的延期申请被驳回：{reason}"),
    A.ESCALATE: ((handlers, office), "诉求提交工作专班", "诉求“{t}”已提交工作专班办理，"
                 "牵头领导：{lead_official}。"),
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def after(session: Session, appeal: Appeal, action: AppealAction, data: Mapping[str, Any],
          now: datetime) -> None:
    rule = RULES.get(action)
    if rule is None:
        return
    audiences, title, template = rule
    values = _Blank(data)
    values.update(t=appeal.title, d=appeal.lead_department or "承办部门",
                  sign_due=appeal.sign_due, resolve_due=appeal.resolve_due)
    ids = [uid for audience in audiences for uid in audience(session, appeal)]
    if ids:
        notify(session, ids, title, template.format_map(values), link(appeal), at=now)


def tell(session: Session, user_ids: list[int], appeal: Appeal, title: str, body: str,
         now: datetime) -> None:
    if user_ids:
        notify(session, user_ids, title, body, link(appeal), at=now)
