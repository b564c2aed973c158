"""Where ratings come from, each resolved to a `Subject` and handed to `intake.record`:

- the portal: an enterprise rates its own grant application or appeal (read through the owning
  domains' services, so "not yours" is their 404);
- a window's QR code: a signed per-window link, no login, rate limited per address and window;
- an SMS link: a random one-time token, signed, stored as a digest, valid INVITE_DAYS days;
- an appeal's return visit: its satisfaction (the same 1–5 scale) becomes the rating of the
  appeal 办件, so the office does not ask twice (`feed_appeal_visits`, run by the tick).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.appeals import service as appeals
from huiqi.auth.actor import Actor
from huiqi.grants import service as grants
from huiqi.kit import numbers
from huiqi.kit.clock import Clock
from huiqi.kit.errors import Conflict, NotFound, ValidationFailed
from huiqi.kit.ratelimit import Limiter, Rule
from huiqi.kit.security import new_token, sign, token_digest, unsign
from huiqi.models.department import Department
from huiqi.models.rating import Rating, RatingInvite, RatingWindow
from huiqi.models.user import Role
from huiqi.notify import service as notifications
from huiqi.notify.service import normalise_phone
from huiqi.ratings import repository as repo
from huiqi.ratings.intake import RatingIn, Subject, record, refuse_duplicate
from huiqi.ratings.vocab import INVITE_DAYS, CaseKind, Channel, Source

QR_IP = Rule.from_env("rating-qr-ip", 20, 3600)  # ratings from one address at one window / hour
BAD_LINK = "评价链接无效或已过期，请重新扫码或联系窗口工作人员。"
APPLICATION_DONE = ("approved", "paid", "rejected", "lapsed")


def _department(session: Session, key: int | str | None, what: str) -> Department:
    dept = repo.department(session, key) if key not in (None, "") else None
    if dept is None:
        raise ValidationFailed(f"{what}没有对应的部门，暂不能评价。")
    return dept


# --- the portal ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One of an enterprise's 办件 that can be rated."""

    kind: CaseKind
    ref: str
    title: str
    department: str | None
    status: str
    done_at: datetime | None

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.ref}"


def portal_subject(session: Session, actor: Actor, kind: str, ref: str) -> Subject:
    if actor.role is not Role.ENTERPRISE or not actor.enterprise_uscc:
        raise NotFound("页面不存在，或您没有访问权限。")
    if not numbers.is_id(ref):
        raise ValidationFailed("请选择要评价的办件。", details={"field": "case"})
    if kind == CaseKind.APPEAL.value:
        appeal = appeals.get(session, actor, int(ref))
        if appeal.lead_department_id is None:
            raise Conflict("该诉求尚未交办到部门，办理后再评价。")
        return Subject(CaseKind.APPEAL, str(appeal.id),
                       _department(session, appeal.lead_department_id, "该诉求"),
                       Channel.ONLINE, Source.PORTAL, f"诉求·{appeal.category_name}",
                       enterprise_uscc=actor.enterprise_uscc)
    if kind == CaseKind.APPLICATION.value:
        app = grants.access_application(session, actor, int(ref))
        if app.status not in APPLICATION_DONE:
            raise Conflict("该申报尚未办结，审核结束后再评价。")
        return Subject(CaseKind.APPLICATION, str(app.id),
                       _department(session, app.department, "该申报事项"),
                       Channel.ONLINE, Source.PORTAL, app.item_title,
                       enterprise_uscc=actor.enterprise_uscc)
    raise ValidationFailed("请选择要评价的办件。", details={"field": "case"})


def rate_case(session: Session, actor: Actor, clock: Clock, kind: str, ref: str,
              data: RatingIn) -> Rating:
    return record(session, actor, clock, portal_subject(session, actor, kind, ref), data)


def my_cases(session: Session, actor: Actor) -> list[tuple[Case, bool]]:
    """The enterprise's finished applications and dispatched appeals, each with whether it has
    been rated, newest first."""
    cases: list[Case] = []
    for a in repo.visible_appeals(session, actor, 200):
        if a.lead_department_id is not None:
            done = a.replied_at or a.dispatched_at
            cases.append(Case(CaseKind.APPEAL, str(a.id), a.title, a.lead_department,
                              appeals.AppealStatus(a.status).label, done))
    for g in repo.visible_applications(session, actor, 200):
        if g.status in APPLICATION_DONE:
            cases.append(Case(CaseKind.APPLICATION, str(g.id), g.item_title, g.department,
                              grants.Status(g.status).label, g.decided_at))
    rated = repo.rated_keys(session, [c.key for c in cases])
    cases.sort(key=lambda c: c.done_at.timestamp() if c.done_at else 0.0, reverse=True)
    return [(c, c.key in rated) for c in cases]


# --- a window's QR code -------------------------------------------------------------------------

def qr_signature(secret: str, window: RatingWindow) -> str:
    return sign(secret, f"w{window.id}v{window.qr_version}").rpartition(".")[2]


def qr_path(secret: str, window: RatingWindow) -> str:
    return f"/r/w/{window.code}/{qr_signature(secret, window)}"


def qr_window(session: Session, secret: str, code: str, sig: str) -> RatingWindow:
    window = repo.window(session, code)
    if window is None or not window.active or \
            not hmac.compare_digest(qr_signature(secret, window), sig):
        raise NotFound(BAD_LINK)
    return window


@dataclass(frozen=True)
class WindowRatingIn:
    rating: RatingIn
    item: str | None = None
    staff_no: str | None = None
    ticket: str | None = None  # 办件编号 given at the window, if any: makes it one per 办件


def rate_window(session: Session, clock: Clock, limiter: Limiter, ip: str | None,
                secret: str, code: str, sig: str, data: WindowRatingIn) -> Rating:
    window = qr_window(session, secret, code, sig)
    limiter.hit(QR_IP, f"{ip or '-'}|{window.id}", clock.now().timestamp())
    item = (data.item or "").strip() or None
    if item and window.items and item not in window.items:
        raise ValidationFailed(f"「{item}」不是本窗口办理的事项。", details={"field": "item"})
    staff = next((s for s in window.staff if s.get("no") == (data.staff_no or "").strip()), None)
    if (data.staff_no or "").strip() and staff is None:
        raise ValidationFailed("请选择本窗口的工作人员。", details={"field": "staff_no"})
    ticket = (data.ticket or "").strip()[:60]
    ref = f"{window.code}:{ticket}" if ticket else f"{window.code}:{uuid4().hex[:16]}"
    subject = Subject(CaseKind.CONTACT, ref, _department(session, window.department_id, "该窗口"),
                      Channel.WINDOW, Source.QR, item, window,
                      staff.get("no") if staff else None, staff.get("name") if staff else None)
    anon = Actor(None, "qr", "扫码评价人", None, ip=ip, via="qr")
    return record(session, anon, clock, subject, data.rating)


# --- SMS invitations ----------------------------------------------------------------------------

@dataclass(frozen=True)
class InviteIn:
    case_kind: str
    case_ref: str
    department: str  # code or name
    channel: str = Channel.WINDOW.value
    item_name: str | None = None
    window_code: str | None = None
    staff_no: str | None = None
    staff_name: str | None = None
    enterprise_uscc: str | None = None
    phone: str | None = None


def invite(session: Session, actor: Actor, clock: Clock, secret: str, data: InviteIn,
           base_url: str = "") -> tuple[RatingInvite, str]:
    """An SMS link for one 办件 (office, or the owning department), at its completion. Returns
    (invite, path). With a phone the link is sent: one SMS queued in the notification outbox
    (rate limited per phone and per hour, audited); a second link for a 办件 whose link is
    still open is refused, so each 办件 gets exactly one."""
    if actor.role not in (Role.OFFICE, Role.DEPARTMENT):
        raise NotFound("页面不存在，或您没有访问权限。")
    kind = _kind(data.case_kind)
    ref = (data.case_ref or "").strip()[:100]
    if not ref:
        raise ValidationFailed("请填写办件编号。", details={"field": "case_ref"})
    refuse_duplicate(session, f"{kind.value}:{ref}")
    dept = _department(session, data.department, f"部门「{data.department}」")
    if actor.role is Role.DEPARTMENT and dept.id != actor.department_id:
        raise ValidationFailed("只能为本部门的办件发送评价短信。")
    window = repo.window(session, data.window_code) if data.window_code else None
    if data.window_code and window is None:
        raise ValidationFailed(f"窗口「{data.window_code}」不存在。")
    try:
        channel = Channel(data.channel)
    except ValueError:
        raise ValidationFailed(f"渠道应为 window、online 或 phone，收到「{data.channel}」。") \
            from None
    phone = None
    if data.phone:
        phone = normalise_phone(data.phone)
        if phone is None:
            raise ValidationFailed(f"手机号“{data.phone}”格式不正确（应为 11 位手机号）。",
                                   details={"field": "phone"})
        if repo.open_invite_for(session, kind.value, ref, clock.now()):
            raise Conflict("该办件的评价短信已发送且仍有效，不再重复发送。")
    token, now = new_token(24), clock.now()
    row = RatingInvite(token_digest=token_digest(token), case_kind=kind.value, case_ref=ref,
                       department_id=dept.id, item_name=data.item_name, channel=channel.value,
                       window_id=window.id if window else None, staff_no=data.staff_no,
                       staff_name=data.staff_name, enterprise_uscc=data.enterprise_uscc,
                       phone=phone or data.phone, created_by=actor.user_id, created_at=now,
                       expires_at=now + timedelta(days=INVITE_DAYS))
    session.add(row)
    session.flush()
    audit.record(session, actor, "rating.invite", row,
                 after={"case": f"{kind.value}:{ref}", "department": dept.name}, at=now)
    path = f"/r/s/{sign(secret, token)}"
    if phone is not None:
        text = (f"【惠企】您在{dept.name}办理的{data.item_name or '事项'}（{ref}）已办结，请评价："
                f"{base_url.rstrip('/')}{path} （{INVITE_DAYS} 天内有效，仅限一次）")
        message = notifications.send_sms(session, phone, text, at=now)
        audit.record(session, actor, "rating.sms_queued", row, after={
            "case": f"{kind.value}:{ref}", "phone": f"{phone[:3]}****{phone[-4:]}",
            "outbox": message.id}, at=now)
    return row, path


def _kind(value: str) -> CaseKind:
    try:
        return CaseKind(value)
    except ValueError:
        raise ValidationFailed("办件类型应为 application、appeal 或 contact。") from None


def open_invite(session: Session, clock: Clock, secret: str, signed: str, *,
                for_update: bool = False) -> RatingInvite:
    token = unsign(secret, signed)
    row = repo.invite_by_digest(session, token_digest(token), for_update=for_update) \
        if token else None
    if row is None or row.expires_at <= clock.now():
        raise NotFound(BAD_LINK)
    if row.used_at is not None:
        raise Conflict("该短信评价链接已使用过，每个办件只能评价一次。")
    return row


def rate_invite(session: Session, clock: Clock, ip: str | None, secret: str, signed: str,
                data: RatingIn) -> Rating:
    row = open_invite(session, clock, secret, signed, for_update=True)
    window = repo.window(session, row.window_id) if row.window_id else None
    subject = Subject(CaseKind(row.case_kind), row.case_ref,
                      _department(session, row.department_id, "该办件"), Channel(row.channel),
                      Source.SMS, row.item_name, window, row.staff_no, row.staff_name,
                      row.enterprise_uscc, {"invite_id": row.id})
    anon = Actor(None, "sms", "短信评价人", None, ip=ip, via="sms")
    rating = record(session, anon, clock, subject, data)
    row.used_at, row.rating_id = clock.now(), rating.id
    return rating


# --- appeal return visits -----------------------------------------------------------------------

def feed_appeal_visits(session: Session, clock: Clock, limit: int = 500) -> int:
    """Each appeal's first return visit becomes the rating of that appeal (source 诉求回访),
    unless the enterprise rated it already. Returns how many were added."""
    system = Actor.system("ratings-feed")
    added, after = 0, 0
    while added < limit:
        visits = appeals.first_return_visits(session, after, 500)
        if not visits:
            break
        after = visits[-1].visit_id
        rated = repo.rated_keys(session, [f"appeal:{v.appeal_id}" for v in visits])
        for visit in visits:
            if f"appeal:{visit.appeal_id}" in rated or added >= limit:
                continue
            dept = repo.department(session, visit.lead_department_id)
            if dept is None or not 1 <= visit.satisfaction <= 5:
                continue
            channel = Channel.PHONE if visit.source == "hotline" else Channel.ONLINE
            subject = Subject(CaseKind.APPEAL, str(visit.appeal_id), dept, channel,
                              Source.APPEAL_VISIT, f"诉求·{visit.category_name}",
                              enterprise_uscc=visit.enterprise_uscc,
                              data={"appeal_visit_id": visit.visit_id})
            text = visit.comment or ("回访不满意" if visit.satisfaction <= 2 else None)
            record(session, system, clock, subject,
                   RatingIn(level=visit.satisfaction, comment=text), at=visit.visited_at)
            added += 1
    return added

