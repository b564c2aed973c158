"""Intake from every channel: the enterprise portal, a liaison on an enterprise's behalf, 营商前哨
sentinel enterprises, a 政企恳谈会 meeting (many appeals in one call), the office itself, the
Open311 API; 12345 imports are in hotline.py. All go through `submit`.

The source defaults by who submits: enterprise → 企业线上提交, liaison → 包联走访, office →
营商办录入. A sentinel enterprise's appeals are flagged `sentinel` whatever the channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.appeals import categories, notices, records
from huiqi.appeals import repository as repo
from huiqi.appeals.access import looks_after, require_office, require_writer
from huiqi.appeals.state import ActionNotAllowed
from huiqi.appeals.state import submit as start
from huiqi.appeals.vocab import Role as AppealRole
from huiqi.appeals.vocab import Source
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import ValidationFailed
from huiqi.models.appeal import Appeal
from huiqi.models.appeal_intake import AppealMeeting, AppealSentinel
from huiqi.models.liaison_assignment import LiaisonAssignment
from huiqi.models.user import Role
from huiqi.registry.service import InvalidUSCC, validate_uscc

MAX_TITLE, MAX_TEXT = 200, 4000
DEFAULT_SOURCE = {Role.ENTERPRISE: Source.ONLINE, Role.LIAISON: Source.LIAISON_VISIT,
                  Role.OFFICE: Source.OFFICE_ENTRY}
APPEAL_ROLE = {Role.ENTERPRISE: AppealRole.ENTERPRISE, Role.LIAISON: AppealRole.LIAISON,
               Role.OFFICE: AppealRole.OFFICE}


@dataclass(frozen=True)
class AppealIn:
    """What an appeal is raised with. `enterprise_uscc` is required unless an enterprise submits
    its own; `enterprise_name` is used only when the enterprise is not in the registry."""

    category: str  # code or name
    title: str
    description: str
    enterprise_uscc: str | None = None
    enterprise_name: str | None = None
    source: Source | str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    address: str | None = None
    lat: Decimal | float | str | None = None
    long: Decimal | float | str | None = None
    hotline_ticket: str | None = None
    meeting_id: int | None = None
    import_batch_id: int | None = None
    via: str | None = None  # defaults to how the actor came in (session, token, …)
    extra: dict[str, object] = field(default_factory=dict)  # kept on the first timeline entry


def submit(session: Session, actor: Actor, clock: Clock, data: AppealIn) -> Appeal:
    """Raise an appeal (问题明白单). Refuses an unknown category, a bad USCC, an enterprise that
    is not the liaison's, empty text; tells the office."""
    require_writer(actor)
    role = APPEAL_ROLE.get(actor.role) if actor.role else None
    if role is None:
        raise ActionNotAllowed(f"「{actor.role_label}」不能提交诉求。")
    source = _source(data.source, actor)
    return create(session, actor, clock, data, role, source,
                  _enterprise(session, actor, data.enterprise_uscc))


def create(session: Session, actor: Actor, clock: Clock, data: AppealIn, role: AppealRole,
           source: Source, uscc: str) -> Appeal:
    """The appeal row, its first timeline entry, audit and the office's notice, once the caller
    has checked who may raise it, for which enterprise and from which source."""
    tr = start(role, source)
    category = categories.require_category(session, data.category)
    sentinel = repo.is_sentinel(session, uscc)
    if source is Source.SENTINEL and not sentinel:
        raise ValidationFailed("该企业不是营商前哨企业，请先由营商办设为前哨企业。")
    now = clock.now()
    appeal = Appeal(
        enterprise_uscc=uscc, enterprise_name=_enterprise_name(session, uscc, data),
        category_id=category.id, category_name=category.name,
        title=_text(data.title, "标题", MAX_TITLE), description=_text(data.description,
                                                                      "诉求内容", MAX_TEXT),
        source=source.value, via=data.via or actor.via, sentinel=sentinel,
        status=tr.state.status.value, contact_name=_opt(data.contact_name, 100),
        contact_phone=_opt(data.contact_phone, 40), address=_opt(data.address, 300),
        lat=_coord(data.lat, "纬度", 90), long=_coord(data.long, "经度", 180),
        meeting_id=data.meeting_id, hotline_ticket=data.hotline_ticket,
        import_batch_id=data.import_batch_id, submitted_by=actor.user_id,
        submitted_by_role=actor.role.value if actor.role else None, submitted_at=now,
        updated_at=now)
    session.add(appeal)
    session.flush()
    records.add_event(session, appeal, actor, "submitted", now,
                      data={"source": source.value, **data.extra}, note=source.label)
    audit.record(session, actor, "appeal.submit", appeal,
                 after={**records.snapshot(appeal), "source": source.value,
                        "enterprise_uscc": uscc, "category": category.code}, at=now)
    notices.tell(session, repo.office_user_ids(session), appeal, "新诉求待交办",
                 f"{appeal.enterprise_name}提交了诉求“{appeal.title}”（{category.name}，"
                 f"{source.label}）。", now)
    return appeal


def _source(value: Source | str | None, actor: Actor) -> Source:
    if value is None or value == "":
        assert actor.role is not None
        return DEFAULT_SOURCE[actor.role]
    try:
        source = Source(value)
    except ValueError:
        names = "、".join(f"{s.value}（{s.label}）" for s in Source)
        raise ValidationFailed(f"不认识的诉求来源「{value}」，可选：{names}") from None
    if source is Source.PROJECT:
        raise ValidationFailed("「项目代办」诉求由项目代办员在项目的倒计时作战表上提出。")
    if actor.role is Role.ENTERPRISE and source not in (Source.ONLINE, Source.SENTINEL):
        raise ValidationFailed(f"企业只能通过线上提交诉求，不能标为「{source.label}」。")
    return source


def _enterprise(session: Session, actor: Actor, raw: str | None) -> str:
    if actor.role is Role.ENTERPRISE:
        if not actor.enterprise_uscc:
            raise ValidationFailed("您的账号未关联企业，不能提交诉求。")
        if raw and raw.strip() and _uscc(raw) != actor.enterprise_uscc:
            raise ValidationFailed("企业账号只能为本企业提交诉求。")
        return actor.enterprise_uscc
    if not raw or not raw.strip():
        raise ValidationFailed("请填写企业的统一社会信用代码。",
                               details={"field": "enterprise_uscc"})
    uscc = _uscc(raw)
    if actor.role is Role.LIAISON and not looks_after(session, actor.user_id, uscc):
        raise ValidationFailed(f"企业 {uscc} 不在您的包联名单中，不能代为提交诉求。")
    return uscc


def _uscc(raw: str) -> str:
    try:
        return validate_uscc(raw)
    except InvalidUSCC as exc:
        raise ValidationFailed(str(exc), details={"field": "enterprise_uscc"}) from None


def _enterprise_name(session: Session, uscc: str, data: AppealIn) -> str:
    name = repo.enterprise_name(session, uscc)
    return (name or (data.enterprise_name or "").strip() or uscc)[:200]


def _text(value: str | None, label: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(f"请填写「{label}」。", details={"field": label})
    if len(text) > limit:
        raise ValidationFailed(f"「{label}」不能超过 {limit} 字，现为 {len(text)} 字。")
    return text


def _opt(value: str | None, limit: int) -> str | None:
    text = (value or "").strip()
    return text[:limit] or None


def _coord(value: Decimal | float | str | None, label: str, bound: int) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except InvalidOperation:
        raise ValidationFailed(f"「{label}」应为数字，收到「{value}」。") from None
    if abs(number) > bound:
        raise ValidationFailed(f"「{label}」应在 -{bound} 到 {bound} 之间，收到 {value}。")
    return number


# --- 政企恳谈会 -------------------------------------------------------------------------------

@dataclass(frozen=True)
class MeetingIn:
    title: str
    held_on: date
    appeals: Sequence[AppealIn]
    location: str | None = None
    host: str | None = None
    notes: str | None = None


def record_meeting(session: Session, actor: Actor, clock: Clock, data: MeetingIn
                   ) -> tuple[AppealMeeting, list[Appeal]]:
    """One 政企恳谈会 and every appeal raised at it, all or nothing: a bad entry refuses the
    call, naming its number, so a sitting is never half-recorded."""
    require_office(actor)
    if not data.appeals:
        raise ValidationFailed("请至少录入一条诉求。")
    meeting = AppealMeeting(title=_text(data.title, "会议名称", 200), held_on=data.held_on,
                            location=_opt(data.location, 200), host=_opt(data.host, 100),
                            notes=data.notes, created_by=actor.user_id, created_at=clock.now())
    session.add(meeting)
    session.flush()
    out = []
    for i, item in enumerate(data.appeals, start=1):
        entry = replace(item, source=Source.ROUNDTABLE, meeting_id=meeting.id)
        try:
            out.append(submit(session, actor, clock, entry))
        except ValidationFailed as exc:
            raise type(exc)(f"第 {i} 条诉求：{exc.message}", details=exc.details) from None
    audit.record(session, actor, "appeal.meeting_record", meeting,
                 after={"title": meeting.title, "held_on": meeting.held_on,
                        "appeals": [a.id for a in out]}, at=clock.now())
    return meeting, out


# --- 营商前哨 and 包联 --------------------------------------------------------------------------

def set_sentinel(session: Session, actor: Actor, clock: Clock, uscc: str, on: bool = True,
                 note: str | None = None) -> None:
    """Flag (or unflag) an enterprise as a 营商前哨 post. Existing appeals keep their flag."""
    require_office(actor)
    code = _uscc(uscc)
    row = repo.sentinel_of(session, code)
    if on and row is None:
        session.add(AppealSentinel(enterprise_uscc=code, note=note, created_by=actor.user_id,
                                   created_at=clock.now()))
    elif not on and row is not None:
        session.delete(row)
    else:
        return
    audit.record(session, actor, "appeal.sentinel_" + ("add" if on else "remove"),
                 ("enterprise", code), after={"note": note}, at=clock.now())


def assign_liaison(session: Session, actor: Actor, clock: Clock, liaison_user_id: int,
                   uscc: str, on: bool = True) -> None:
    """Put an enterprise on (or off) a liaison officer's 包联 list."""
    require_office(actor)
    code = _uscc(uscc)
    user = repo.user(session, liaison_user_id)
    if user is None or user.role != Role.LIAISON.value:
        raise ValidationFailed("该账号不是服务专员。")
    row = repo.liaison_assignment(session, user.id, code)
    if on and row is None:
        session.add(LiaisonAssignment(user_id=user.id, enterprise_uscc=code,
                                      created_at=clock.now()))
    elif not on and row is not None:
        session.delete(row)
    else:
        return
    audit.record(session, actor, "appeal.liaison_" + ("assign" if on else "unassign"),
                 ("user", user.id), after={"enterprise_uscc": code}, at=clock.now())
