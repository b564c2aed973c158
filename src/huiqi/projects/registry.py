"""Registering a project (from the office's form, the API or an Excel row) and assigning its
people: the project gets its type's steps with planned dates (countdown.plan), every step's
responsible department resolved from the template, an audit row, and its people are told."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.appeals import service as appeals
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import Conflict, ValidationFailed
from huiqi.kit.settings import get_settings
from huiqi.models.project import Project, ProjectStep
from huiqi.models.user import Role
from huiqi.notify.service import notify
from huiqi.projects import countdown, templates
from huiqi.projects import repository as repo
from huiqi.projects.access import access_project, require_office
from huiqi.projects.templates import ProjectType
from huiqi.registry.service import InvalidUSCC, validate_uscc

PROJECT_FIELDS = ("name", "enterprise_uscc", "enterprise_name", "region", "industry_code",
                  "project_type", "amount", "land_mu", "signed_on", "agent_id", "secretary_id",
                  "lead_id")
REGIONS = {"500105": "江北区", "500113": "巴南区", "500107": "九龙坡区", "420802": "东宝区",
           "360803": "青原区"}
MAX_AMOUNT = Decimal("999999999999.99")


@dataclass(frozen=True)
class ProjectIn:
    name: str
    enterprise_name: str
    region: str
    signed_on: date
    project_type: str = "industrial"
    enterprise_uscc: str | None = None
    industry_code: str | None = None
    amount: Decimal | str | None = None  # 总投资, 元
    land_mu: Decimal | str | None = None  # 用地, 亩
    agent: str | None = None  # usernames
    secretary: str | None = None
    lead: str | None = None
    note: str | None = None


def load_types(data_dir: Path | None = None) -> dict[str, ProjectType]:
    """The templates of `data_dir` (the app's), else of the process's settings."""
    return templates.load(data_dir or get_settings().data_dir)


def create_project(session: Session, actor: Actor, clock: Clock, data: ProjectIn,
                   types: dict[str, ProjectType] | None = None) -> Project:
    require_office(actor)
    types = types if types is not None else load_types()
    ptype = types.get(data.project_type)
    if ptype is None:
        choices = "、".join(f"{k}（{t.label}）" for k, t in types.items())
        raise ValidationFailed(f"未知的项目类型「{data.project_type}」，可选：{choices}。",
                               details={"field": "project_type"}, code="unknown_type")
    name = _text(data.name, "项目名称", 200, "name")
    _check_signed(data.signed_on, clock.today_local())
    if repo.project_by_name(session, name) is not None:
        raise Conflict(f"项目「{name}」已登记。", code="duplicate")
    uscc = _uscc(data.enterprise_uscc)
    now = clock.now()
    project = Project(
        name=name, enterprise_uscc=uscc,
        enterprise_name=(uscc and repo.enterprise_name(session, uscc))
        or _text(data.enterprise_name, "企业名称", 200, "enterprise_name"),
        region=_region(data.region), industry_code=_industry(data.industry_code),
        project_type=ptype.key, amount=_decimal(data.amount, "总投资（元）"),
        land_mu=_decimal(data.land_mu, "用地面积（亩）"), signed_on=data.signed_on,
        agent_id=_person(session, data.agent, Role.AGENT, "代办员"),
        secretary_id=_person(session, data.secretary, Role.AGENT, "项目秘书"),
        lead_id=_person(session, data.lead, Role.PROJECT_LEAD, "牵头领导"),
        note=clean(data.note, "备注") or None, created_by=actor.user_id, created_at=now,
        updated_at=now)
    session.add(project)
    session.flush()
    _add_steps(session, project, ptype, now)
    audit.record(session, actor, "project.create", project,
                 after=audit.snapshot(project, *PROJECT_FIELDS), at=now)
    _tell_people(session, project, now)
    return project


def _add_steps(session: Session, project: Project, ptype: ProjectType, now: datetime) -> None:
    due = countdown.plan(ptype.steps, project.signed_on, appeals.holiday_overrides(session))
    for seq, st in enumerate(ptype.steps, start=1):
        dept = repo.department_for(session, st.department)
        session.add(ProjectStep(
            project_id=project.id, seq=seq, key=st.key, name=st.name, kind=st.kind,
            after=list(st.after), department_id=dept.id if dept else None,
            department_name=dept.name if dept else st.department,
            limit_workdays=st.workdays, planned_due=due[st.key],
            done_on=project.signed_on if st.key == "sign" else None, updated_at=now))
    session.flush()


def _tell_people(session: Session, project: Project, now: datetime) -> None:
    people = [project.agent_id, project.secretary_id, project.lead_id]
    notify(session, [i for i in people if i is not None], "新项目已指派",
           f"招商项目“{project.name}”（{project.enterprise_name}）已登记，请按倒计时作战表跟进。",
           f"/projects/{project.id}", at=now)


def assign(session: Session, actor: Actor, clock: Clock, project_id: int, *,
           agent: str | None = None, secretary: str | None = None, lead: str | None = None
           ) -> Project:
    """Change a project's agent, secretary or lead official (usernames; "" clears)."""
    require_office(actor)
    project = access_project(session, actor, project_id, for_update=True)
    before = audit.snapshot(project, "agent_id", "secretary_id", "lead_id")
    if agent is not None:
        project.agent_id = _person(session, agent, Role.AGENT, "代办员")
    if secretary is not None:
        project.secretary_id = _person(session, secretary, Role.AGENT, "项目秘书")
    if lead is not None:
        project.lead_id = _person(session, lead, Role.PROJECT_LEAD, "牵头领导")
    after = audit.snapshot(project, "agent_id", "secretary_id", "lead_id")
    if after == before:
        return project
    project.updated_at = clock.now()
    audit.record(session, actor, "project.assign", project, before=before, after=after,
                 at=clock.now())
    new = [v for k, v in after.items() if v is not None and v != before.get(k)]
    notify(session, [int(v) for v in new], "新项目已指派",
           f"您已被指派跟进招商项目“{project.name}”。", f"/projects/{project.id}",
           at=clock.now())
    return project


# --- field checks ---------------------------------------------------------------------------

def clean(value: str | None, label: str) -> str:
    """Stripped text without control characters other than line breaks (refused, not dropped:
    a name is evidence)."""
    text = (value or "").strip()
    if any(ord(c) < 32 and c not in "\n\r\t" for c in text):
        raise ValidationFailed(f"「{label}」含有不可见的控制字符，请重新输入。",
                               code="control_characters")
    return text


def _text(value: str | None, label: str, limit: int, name: str) -> str:
    text = clean(value, label)
    if not text:
        raise ValidationFailed(f"请填写「{label}」。", details={"field": label},
                               code=f"missing_{name}")
    if len(text) > limit:
        raise ValidationFailed(f"「{label}」不能超过 {limit} 字。", code="too_long")
    return text


EARLIEST = date(2000, 1, 1)


def _check_signed(signed_on: date, today: date) -> None:
    if not EARLIEST <= signed_on <= today + timedelta(days=366):
        raise ValidationFailed(f"签约日期 {signed_on.isoformat()} 不合理：应在 "
                               f"{EARLIEST.isoformat()} 之后、一年之内。",
                               details={"field": "signed_on"}, code="bad_signed_on")


def _uscc(raw: str | None) -> str | None:
    if not raw or not raw.strip():
        return None  # not registered yet: 注册 is one of the steps
    try:
        return validate_uscc(raw)
    except InvalidUSCC as exc:
        raise ValidationFailed(str(exc), details={"field": "enterprise_uscc"},
                               code="bad_uscc") from None


def _region(raw: str) -> str:
    code = (raw or "").strip()
    by_name = {v: k for k, v in REGIONS.items()}
    code = by_name.get(code, code)
    if not re.fullmatch(r"[1-8][0-9]{5}", code):
        raise ValidationFailed(f"所在区应为 6 位行政区划代码（如 500113 巴南区），收到「{raw}」。",
                               details={"field": "region"}, code="bad_region")
    return code


def _industry(raw: str | None) -> str | None:
    code = (raw or "").strip().upper()
    if code and not re.fullmatch(r"[A-T][0-9]{0,4}", code):
        raise ValidationFailed(
            f"行业代码应为 GB/T 4754 门类字母加数字（如 C3841），收到「{raw}」。",
            code="bad_industry_code")
    return code or None


def _decimal(raw: Decimal | str | None, label: str) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation:
        raise ValidationFailed(f"「{label}」应为数字，收到「{raw}」。", code="bad_number") from None
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT:
        raise ValidationFailed(f"「{label}」应为不小于 0 的数字，收到「{raw}」。",
                               code="bad_number")
    if value != value.quantize(Decimal("0.01")):
        raise ValidationFailed(f"「{label}」最多两位小数，收到「{raw}」。", code="bad_number")
    return value


def _person(session: Session, username: str | None, role: Role, label: str) -> int | None:
    name = (username or "").strip()
    if not name:
        return None
    user = repo.user_by_username(session, name)
    if user is None or not user.is_active:
        raise ValidationFailed(f"{label}账号「{name}」不存在或已停用。", code="unknown_user")
    if user.role != role.value:
        raise ValidationFailed(f"账号「{name}」不是{role.label}，不能担任{label}。",
                               code="wrong_role")
    return user.id
