"""Visits (走访) and phone / online contacts: the visit log, the contact ledger of an enterprise,
无事不扰 (a warning above the office's number of contacts in a period), visit plans.

A visit is logged by the enterprise's assigned official only. Policies explained are picked from
the enterprise's live 政策礼包; facts collected go through the registry's profile service
(history, audit, re-match, notification); a problem raised becomes an appeal with source
包联走访 through appeals.service; photos are stored by kit.uploads. "Last contact" is always
`contacted_on`, the day the contact happened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.appeals import service as appeals
from huiqi.auth.actor import Actor
from huiqi.kit import uploads
from huiqi.kit.clock import Clock
from huiqi.kit.errors import HuiqiError, ValidationFailed
from huiqi.kit.settings import Settings, policy_date_for
from huiqi.liaison import access
from huiqi.liaison import repository as repo
from huiqi.matching import service as matching
from huiqi.models.liaison import LiaisonContact, LiaisonPhoto, LiaisonPlan, LiaisonSetting
from huiqi.policies import service as policies
from huiqi.registry import service as registry

CHANNELS = {"visit": "上门走访", "phone": "电话联系", "online": "线上联系"}
DEFAULT_MAX, DEFAULT_PERIOD = 4, 30  # 无事不扰: at most 4 contacts in 30 days unless set
MAX_PHOTOS = 6


@dataclass
class VisitIn:
    channel: str = "visit"
    contacted_on: str = ""
    people_met: str = ""
    topics: str = ""
    policies: list[str] = field(default_factory=list)
    problems: str = ""
    raise_appeal: bool = False
    appeal_category: str = ""
    next_visit_on: str = ""
    facts: dict[str, str] = field(default_factory=dict)
    materials: str = "0"
    cards: str = "0"
    campaign_id: int | None = None


@dataclass
class Logged:
    contact: LiaisonContact
    appeal_id: int | None
    gained: list[str]
    warning: str | None


def pack_for(session: Session, clock: Clock, settings: Settings | None, ent: Any
             ) -> matching.GiftPack:
    """The enterprise's live 礼包 (re-matched when stale), as the official sees it."""
    from huiqi.registry.service import load_catalog

    as_of = policy_date_for(clock, settings)
    items = policies.in_force(session, as_of, ent.region).items
    rows = matching.results(session, load_catalog(), ent.id, items, as_of).rows
    return matching.pack(items, rows)


def offered(pack: matching.GiftPack) -> dict[str, str]:
    """Item id → title of what an official may explain: eligible and still-unknown items."""
    return {e.item.id: e.item.title for e in (*pack.eligible, *pack.unknown)}


def missing_facts(pack: matching.GiftPack) -> list[Any]:
    """Catalog fields the 礼包 still needs (to collect on the next visit)."""
    catalog = registry.load_catalog()
    names: dict[str, None] = {}
    for entry in (*pack.unknown, *(e for e in pack.eligible if e.missing)):
        for name in entry.missing:
            names.setdefault(name)
    return [catalog[n] for n in names if n in catalog and n != "uscc"]


def settings_row(session: Session) -> tuple[int, int]:
    row = repo.settings(session)
    return (row.max_contacts, row.period_days) if row else (DEFAULT_MAX, DEFAULT_PERIOD)


def save_settings(session: Session, actor: Actor, clock: Clock, max_contacts: int,
                  period_days: int) -> None:
    access.office(actor)
    if not 1 <= max_contacts <= 100 or not 1 <= period_days <= 366:
        raise ValidationFailed("联系次数应为 1–100 次，统计周期应为 1–366 天。")
    row = repo.settings(session)
    before = None if row is None else {"max": row.max_contacts, "days": row.period_days}
    if row is None:
        row = LiaisonSetting(id=1, max_contacts=max_contacts, period_days=period_days,
                             updated_at=clock.now())
        session.add(row)
    row.max_contacts, row.period_days, row.updated_at = max_contacts, period_days, clock.now()
    session.flush()
    audit.record(session, actor, "liaison.settings_save", ("liaison_settings", 1), before=before,
                 after={"max": max_contacts, "days": period_days}, at=clock.now())


def frequency_warning(session: Session, uscc: str, on: date) -> str | None:
    """无事不扰: a warning when the enterprise was contacted more than the office's number of
    times in the period ending `on` (all officials and channels together)."""
    most, days = settings_row(session)
    count = repo.contacts_between(session, uscc, on - timedelta(days=days - 1), on)
    if count > most:
        return (f"无事不扰提醒：该企业近 {days} 天已被联系 {count} 次，超过营商办设定的 {most} 次，"
                "请合并走访、减少打扰。")
    return None


def _day(raw: str, label: str, errors: dict[str, str], key: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        errors[key] = f"{label}应为日期，如 2025-06-01"
        return None


def _count(raw: str, label: str, errors: dict[str, str], key: str) -> int:
    text = (raw or "0").strip() or "0"
    if not (text.isascii() and text.isdigit()) or int(text) > 100000:
        errors[key] = f"{label}应为 0–100000 的整数"
        return 0
    return int(text)


def _check(data: VisitIn, today: date, offer: Mapping[str, str]) -> tuple[dict[str, str], Any]:
    errors: dict[str, str] = {}
    if data.channel not in CHANNELS:
        errors["channel"] = "请选择联系方式"
    on = _day(data.contacted_on, "联系日期", errors, "contacted_on")
    if on is None and "contacted_on" not in errors:
        errors["contacted_on"] = "请填写联系日期（联系发生的日期）"
    if on is not None and on > today:
        errors["contacted_on"] = "联系日期不能晚于今天"
    nxt = _day(data.next_visit_on, "下次走访日期", errors, "next_visit_on")
    if nxt is not None and nxt <= today:
        errors["next_visit_on"] = "下次走访日期应晚于今天"
    unknown = [p for p in data.policies if p not in offer]
    if unknown:
        errors["policies"] = "所选政策不在该企业当前的政策礼包中，请刷新后重选"
    if data.raise_appeal and not data.problems.strip():
        errors["problems"] = "发起诉求前请填写企业反映的问题"
    if data.raise_appeal and not data.appeal_category.strip():
        errors["appeal_category"] = "请选择诉求类别"
    counts = (_count(data.materials, "发放政策指南数", errors, "materials"),
              _count(data.cards, "发放服务卡数", errors, "cards"))
    return errors, (on, nxt, counts)


def log(session: Session, actor: Actor, clock: Clock, settings: Settings | None, uscc: str,
        data: VisitIn, photos: Sequence[tuple[str, BinaryIO]] = ()) -> Logged:
    ent = access.enterprise(session, actor, uscc, write=True)
    offer = offered(pack_for(session, clock, settings, ent))
    errors, (on, nxt, (materials, cards)) = _check(data, clock.today_local(), offer)
    facts = {k: v for k, v in data.facts.items() if str(v).strip()}
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = f"每次最多上传 {MAX_PHOTOS} 张照片"
    if facts:
        try:
            registry.parse_profile_values(facts)
        except ValidationFailed as exc:
            details = exc.details if isinstance(exc.details, dict) else {}
            errors.update({f"fact_{k}": v for k, v in details.items()})
    if errors:
        raise ValidationFailed("走访记录有误，未保存：" + "；".join(errors.values()),
                               details=errors)
    assert on is not None
    now = clock.now()
    chosen = [p for p in offer if p in data.policies]
    contact = LiaisonContact(
        enterprise_uscc=ent.uscc, user_id=actor.user_id, channel=data.channel, contacted_on=on,
        recorded_at=now, people_met=data.people_met.strip()[:300], topics=data.topics.strip(),
        policies_explained=chosen, policy_count=len(chosen), problems=data.problems.strip(),
        next_visit_on=nxt, facts_collected=facts, materials=materials, cards=cards,
        campaign_id=data.campaign_id)
    session.add(contact)
    session.flush()
    gained = registry.edit(session, actor, clock, ent.uscc, facts, source="visit",
                           settings=settings).gained if facts else []
    appeal_id = _raise_appeal(session, actor, clock, ent, data, contact) if \
        data.raise_appeal else None
    contact.appeal_id = appeal_id
    for filename, stream in photos:
        add_photo(session, settings, contact, filename, stream)
    _plans(session, actor, clock, ent.uscc, contact, nxt)
    audit.record(session, actor, "liaison.contact_log", ("liaison_contact", contact.id),
                 after={"enterprise_uscc": ent.uscc, "channel": data.channel,
                        "contacted_on": on.isoformat(), "policies": chosen,
                        "facts": facts, "appeal_id": appeal_id}, at=now)
    return Logged(contact, appeal_id, gained,
                  frequency_warning(session, ent.uscc, clock.today_local()))


def _raise_appeal(session: Session, actor: Actor, clock: Clock, ent: Any, data: VisitIn,
                  contact: LiaisonContact) -> int:
    problems = data.problems.strip()
    title = problems.splitlines()[0][:40] if problems else "走访反映问题"
    appeal = appeals.submit(session, actor, clock, appeals.AppealIn(
        category=data.appeal_category, title=title, description=problems,
        enterprise_uscc=ent.uscc, source=appeals.Source.LIAISON_VISIT,
        contact_name=data.people_met.strip()[:100] or None,
        extra={"liaison_contact_id": contact.id}))
    return appeal.id


def add_photo(session: Session, settings: Settings | None, contact: LiaisonContact,
              filename: str, stream: BinaryIO) -> LiaisonPhoto:
    if settings is None:
        raise HuiqiError("未配置上传目录。")
    stored = uploads.store(session, settings.uploads_dir / "liaison", stream, filename,
                           settings.upload_max_bytes)
    if stored.kind not in ("jpeg", "png"):
        raise uploads.UploadRefused("走访照片只支持 JPG、PNG 图片。")
    row = LiaisonPhoto(contact_id=contact.id, filename=stored.original_filename,
                       stored_name=stored.stored_name, content_type=stored.content_type,
                       size=stored.size)
    session.add(row)
    session.flush()
    return row


def _plans(session: Session, actor: Actor, clock: Clock, uscc: str, contact: LiaisonContact,
           nxt: date | None) -> None:
    if actor.user_id is None:
        return
    done = repo.open_plan_for(session, actor.user_id, uscc)
    if done is not None and done.planned_on <= contact.contacted_on + timedelta(days=30):
        done.contact_id = contact.id
    if nxt is not None:
        session.add(LiaisonPlan(user_id=actor.user_id, enterprise_uscc=uscc, planned_on=nxt,
                                note="上次走访约定", created_at=clock.now()))
    session.flush()


def plan(session: Session, actor: Actor, clock: Clock, uscc: str, planned_on: str,
         note: str) -> LiaisonPlan:
    ent = access.enterprise(session, actor, uscc, write=True)
    errors: dict[str, str] = {}
    day = _day(planned_on, "计划走访日期", errors, "planned_on")
    if day is None or day < clock.today_local():
        raise ValidationFailed(errors.get("planned_on", "计划走访日期应为今天或以后。"),
                               details={"planned_on": "请填写今天或以后的日期"})
    assert actor.user_id is not None
    row = LiaisonPlan(user_id=actor.user_id, enterprise_uscc=ent.uscc, planned_on=day,
                      note=note.strip()[:300], created_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, actor, "liaison.plan_create", ("liaison_plans", row.id),
                 after={"enterprise_uscc": ent.uscc, "planned_on": day.isoformat()},
                 at=clock.now())
    return row


@dataclass
class Ledger:
    enterprise: Any
    contacts: list[Any]  # (LiaisonContact, official name)
    photos: dict[int, list[LiaisonPhoto]]
    assignments: list[Any]
    plans: list[Any]
    warning: str | None
    last_contact: date | None


def ledger(session: Session, actor: Actor, clock: Clock, uscc: str) -> Ledger:
    """Every contact with the enterprise, across officials and channels, newest first."""
    ent = access.enterprise(session, actor, uscc)
    rows = repo.contacts_of(session, ent.uscc)
    photos: dict[int, list[LiaisonPhoto]] = {}
    for p in repo.photos(session, [r[0].id for r in rows]):
        photos.setdefault(p.contact_id, []).append(p)
    last = max((r[0].contacted_on for r in rows), default=None)
    return Ledger(ent, rows, photos, repo.assignments_of(session, ent.uscc),
                  repo.open_plans(session, uscc=ent.uscc),
                  frequency_warning(session, ent.uscc, clock.today_local()), last)
