"""The four lists of 企业出题吹哨、部门答卷报到 (问题明白单, 任务交办单, 责任划分单, 反馈销号单), as
rows for the printable pages and the Excel downloads — one appeal or a filtered set.

问题明白单: what the enterprise asked; 任务交办单: who leads, who helps, by when; 责任划分单: one
row per department of the current dispatch with its duty; 反馈销号单: the reply, the enterprise's
confirmation, the return visit and the closure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select
from sqlalchemy.orm import Session

from huiqi.appeals import repository as repo
from huiqi.appeals.vocab import AppealStatus, Source
from huiqi.kit.clock import to_local
from huiqi.kit.errors import NotFound
from huiqi.kit.masking import mask_phone
from huiqi.models.appeal import Appeal, AppealAssignment
from huiqi.models.appeal_followup import AppealVisit

MAX_ROWS = 5000
KINDS = {"problem": "问题明白单", "task": "任务交办单", "duty": "责任划分单",
         "closure": "反馈销号单"}


@dataclass(frozen=True)
class Sheet:
    kind: str
    title: str
    headers: list[str]
    rows: list[list[object]]


def kind_title(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(f"没有名为「{kind}」的清单，可选：{'、'.join(KINDS.values())}。")
    return KINDS[kind]


def appeals_of(session: Session, stmt: Select[Appeal]) -> list[Appeal]:
    return repo.first_rows(session, stmt, MAX_ROWS)


def sheet(session: Session, kind: str, appeals: Sequence[Appeal]) -> Sheet:
    title = kind_title(kind)
    build = BUILDERS[kind]
    headers, rows = build(session, appeals)
    return Sheet(kind, title, headers, rows)


def all_sheets(session: Session, appeals: Sequence[Appeal]) -> list[Sheet]:
    return [sheet(session, kind, appeals) for kind in KINDS]


def display(value: object) -> str:
    """A cell as printed on the page (Beijing time, ISO dates)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


Rows = tuple[list[str], list[list[object]]]


def _problem(session: Session, appeals: Sequence[Appeal]) -> Rows:
    headers = ["编号", "企业名称", "统一社会信用代码", "诉求类别", "标题", "诉求内容", "来源",
               "营商前哨", "联系人", "联系电话", "地址", "提交时间", "状态"]
    rows: list[list[object]] = [
        [a.id, a.enterprise_name, a.enterprise_uscc, a.category_name, a.title, a.description,
         Source(a.source).label, a.sentinel, a.contact_name, mask_phone(a.contact_phone), a.address,
         a.submitted_at, AppealStatus(a.status).label] for a in appeals]
    return headers, rows


def _active(session: Session, appeals: Sequence[Appeal]) -> dict[int, list[AppealAssignment]]:
    return repo.active_assignments_of(session, [a.id for a in appeals])


def _task(session: Session, appeals: Sequence[Appeal]) -> Rows:
    headers = ["编号", "企业名称", "标题", "诉求类别", "牵头部门", "协办部门", "交办时间",
               "签收时限", "签收时间", "办结时限", "工作专班牵头领导", "状态"]
    active = _active(session, appeals)
    rows: list[list[object]] = []
    for a in appeals:
        co = "、".join(r.department_name for r in active.get(a.id, []) if not r.lead)
        rows.append([a.id, a.enterprise_name, a.title, a.category_name, a.lead_department, co,
                     a.dispatched_at, a.sign_due, a.signed_at, a.resolve_due, a.escalated_to,
                     AppealStatus(a.status).label])
    return headers, rows


def _duty(session: Session, appeals: Sequence[Appeal]) -> Rows:
    headers = ["编号", "标题", "责任部门", "角色", "职责", "交办时间", "签收时间"]
    active = _active(session, appeals)
    rows: list[list[object]] = []
    for a in appeals:
        for r in active.get(a.id, []):
            rows.append([a.id, a.title, r.department_name, "牵头" if r.lead else "协办",
                         r.responsibility or ("牵头办理，统筹答复" if r.lead else "配合办理"),
                         r.assigned_at, r.signed_at])
    return headers, rows


def _visits(session: Session, appeals: Sequence[Appeal]) -> dict[int, AppealVisit]:
    return repo.latest_visits(session, [a.id for a in appeals])


def _closure(session: Session, appeals: Sequence[Appeal]) -> Rows:
    headers = ["编号", "企业名称", "标题", "牵头部门", "答复内容", "答复时间", "企业确认时间",
               "回访满意度", "回访意见", "回访时间", "销号时间", "销号方式", "状态"]
    visits = _visits(session, appeals)
    rows: list[list[object]] = []
    for a in appeals:
        v = visits.get(a.id)
        how = ("营商办销号：" + (a.close_reason or "")) if a.force_closed else (
            "企业确认后销号" if a.closed_at else "")
        confirmed = a.resolved_at if a.status in CONFIRMED_OR_LATER and not a.force_closed \
            else None
        rows.append([a.id, a.enterprise_name, a.title, a.lead_department, a.reply, a.replied_at,
                     confirmed, v.satisfaction if v else None, v.comment if v else None,
                     v.visited_at if v else None, a.closed_at, how,
                     AppealStatus(a.status).label])
    return headers, rows


CONFIRMED_OR_LATER = {AppealStatus.CONFIRMED.value, AppealStatus.VISITED.value,
                      AppealStatus.CLOSED.value}
BUILDERS: dict[str, Callable[[Session, Sequence[Appeal]], Rows]] = {
    "problem": _problem, "task": _task, "duty": _duty, "closure": _closure}
WIDTHS = {"problem": [8, 28, 22, 12, 30, 50, 12, 8, 10, 14, 24, 18, 10],
          "task": [8, 28, 30, 12, 20, 30, 18, 12, 18, 12, 16, 10],
          "duty": [8, 30, 22, 8, 40, 18, 18],
          "closure": [8, 28, 30, 20, 50, 18, 18, 10, 30, 18, 18, 24, 10]}
