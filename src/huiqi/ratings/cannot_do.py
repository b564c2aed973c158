"""The 办不成事 window: whoever could not get something done says who they are, what could not
be done and where; the window records it (the office role) and it becomes an appeal — category
「办不成事」, source 办不成事窗口 — handled like every other appeal (dispatch, deadlines, reply,
return visit, whose satisfaction is later fed back in as the rating of that appeal)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from huiqi.appeals import service as appeals
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.models.appeal import Appeal
from huiqi.models.user import Role

CATEGORY_CODE, CATEGORY_NAME = "cannot_do", "办不成事"


@dataclass(frozen=True)
class CannotDoIn:
    enterprise_uscc: str
    matter: str  # what could not be done (the service item)
    description: str  # what happened, why it failed
    place: str | None = None  # which window or hall
    enterprise_name: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


def ensure_category(session: Session, actor: Actor, clock: Clock) -> None:
    """The 「办不成事」 appeal category (sign in 1, resolve in 5 working days), made once."""
    if any(c.code == CATEGORY_CODE for c in appeals.list_categories(session, active_only=False)):
        return
    appeals.create_category(session, actor, clock, code=CATEGORY_CODE, name=CATEGORY_NAME,
                            sign_within_workdays=1, resolve_within_workdays=5,
                            description="办不成事窗口受理的企业群众办事难题")


def record(session: Session, actor: Actor, clock: Clock, data: CannotDoIn) -> Appeal:
    if actor.role is not Role.OFFICE:
        raise NotFound("页面不存在，或您没有访问权限。")
    matter = (data.matter or "").strip()
    if not matter:
        raise ValidationFailed("请填写办不成的事项。", details={"field": "matter"})
    ensure_category(session, actor, clock)
    place = (data.place or "").strip() or None
    text = (data.description or "").strip()
    if place and text:
        text = f"{text}\n（受理地点：{place}）"
    return appeals.submit(session, actor, clock, appeals.AppealIn(
        category=CATEGORY_CODE, title=f"办不成事：{matter}"[:200], description=text,
        enterprise_uscc=data.enterprise_uscc, enterprise_name=data.enterprise_name,
        source=appeals.Source.CANNOT_DO, contact_name=data.contact_name,
        contact_phone=data.contact_phone, address=place,
        extra={"matter": matter, "place": place}))
