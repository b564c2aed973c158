"""Reading the appeals pages' forms into service payloads, and what the forms are built from.

Action forms are generated from `state.PAYLOADS[action]`; this module turns the posted form
back into the payload `service.act` checks (lists from repeated fields, 责任划分 from
"部门：职责" lines).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request

from huiqi.appeals import repository as repo
from huiqi.appeals.payloads import Field, Kind
from huiqi.appeals.service import AppealFilter
from huiqi.appeals.state import PAYLOADS
from huiqi.appeals.vocab import AppealAction
from huiqi.kit import numbers
from huiqi.kit.errors import ValidationFailed

A = AppealAction
LONG_TEXT = {"reason", "reply", "comment", "note"}
# Filled by the service when left out; the form says so instead of requiring them.
OPTIONAL_HERE = {(A.APPROVE_EXTENSION, "resolve_due"), (A.DISPATCH, "sign_due"),
                 (A.DISPATCH, "resolve_due")}
HIDDEN = {(A.CO_SIGN, "department")}  # the co-handler's own department
HINTS = {
    (A.APPROVE_EXTENSION, "resolve_due"): "留空则按部门申请的工作日数顺延",
    (A.VISIT, "comment"): "满意度低于 4 分时必填",
    (A.REOPEN, "reason"): "请说明答复未解决的问题",
    (A.FORCE_CLOSE, "reason"): "未经企业确认销号，须写明理由",
}
DANGER = {A.FORCE_CLOSE, A.REFUSE_RETURN, A.REFUSE_EXTENSION, A.REOPEN, A.REQUEST_RETURN}


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    widget: str  # textarea | text | date | number | satisfaction
    required: bool
    hint: str = ""
    min_value: int | None = None
    max_value: int | None = None


def action_fields(action: AppealAction) -> list[FormField]:
    out = []
    for f in PAYLOADS[action]:
        if (action, f.name) in HIDDEN:
            continue
        required = f.required and (action, f.name) not in OPTIONAL_HERE
        out.append(FormField(f.name, f.label, _widget(f), required,
                             HINTS.get((action, f.name), ""), f.min_value, f.max_value))
    return out


def _widget(f: Field) -> str:
    if f.name == "satisfaction":
        return "satisfaction"
    if f.kind is Kind.DATE:
        return "date"
    if f.kind is Kind.INT:
        return "number"
    return "textarea" if f.name in LONG_TEXT else "text"


def payload_from_form(action: AppealAction, form: FormData) -> dict[str, Any]:
    """The posted form as the action's payload: blanks left out (the state machine says what is
    missing), unknown fields ignored (CSRF token, buttons)."""
    out: dict[str, Any] = {}
    for f in PAYLOADS[action]:
        if f.kind is Kind.NAMES:
            names = [str(v).strip() for v in form.getlist(f.name) if str(v).strip()]
            if names:
                out[f.name] = list(dict.fromkeys(names))
        elif f.kind is Kind.TEXT_MAP:
            duties = parse_duties(str(form.get(f.name) or ""))
            if duties:
                out[f.name] = duties
        else:
            value = form.get(f.name)
            if isinstance(value, str) and value.strip():
                out[f.name] = value.strip()
    return out


def parse_duties(text: str) -> dict[str, str]:
    """"区人力社保局：负责岗位对接" per line → {部门: 职责}."""
    duties: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        dept, sep, duty = line.replace(":", "：").partition("：")
        if not sep or not dept.strip() or not duty.strip():
            raise ValidationFailed(f"责任划分第 {n} 行应写成“部门：职责”，收到「{line}」")
        duties[dept.strip()] = duty.strip()
    return duties


def action_of(value: str) -> AppealAction:
    try:
        return AppealAction(value)
    except ValueError:
        raise ValidationFailed(f"不认识的操作「{value}」") from None


def department_names(session: Session) -> list[str]:
    return repo.department_names(session)


def text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def department_options(session: Session) -> list[tuple[int, str]]:
    return repo.department_options(session)


def department_codes(session: Session) -> list[tuple[str, str]]:
    return repo.department_codes(session)


# --- the appeals list's filters (also the four lists' and the Excel downloads') ------------

def _flag(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


def appeal_filter(q: dict[str, str]) -> AppealFilter:
    return AppealFilter(
        status=q.get("status") or None, category=q.get("category") or None,
        department_id=_id(q.get("department_id", "")), source=q.get("source") or None,
        sentinel=_flag(q.get("sentinel", "")), overdue=_flag(q.get("overdue", "")),
        escalated=_flag(q.get("escalated", "")), q=q.get("q") or None,
        pending_request=_flag(q.get("pending_request", "")),
        meeting_id=_id(q.get("meeting_id", "")), import_batch_id=_id(q.get("import_batch_id", "")))


def _id(value: str) -> int | None:
    return int(value) if numbers.is_id(value) else None


FILTER_KEYS = ("status", "category", "department_id", "source", "sentinel", "overdue",
               "escalated", "q", "meeting_id", "import_batch_id", "pending_request")


def query_of(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "").strip() for k in FILTER_KEYS}
