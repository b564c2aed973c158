"""申报: submit with facts and materials, upload (also missing materials later), withdraw, read.

Review steps (受理, 容缺受理, 审核, 财政复核, 驳回) are in review.py;
reminders and lapse in tasks.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.grants import access, awards, enterprises, events
from huiqi.grants.states import ACTIVE, Action, InvalidTransition, Status, check
from huiqi.kit import uploads
from huiqi.kit.clock import Clock
from huiqi.kit.errors import Conflict, ValidationFailed
from huiqi.kit.settings import Settings, get_settings, policy_date_for
from huiqi.models.application import Application
from huiqi.models.application_event import ApplicationEvent
from huiqi.models.material import Material
from huiqi.models.user import Role
from huiqi.policies import service as policies
from huiqi.registry.service import coerce_facts, fact_fields, to_text
from huiqi.rules import REGION_CRITERION, Item, describe_regions

SYSTEM_CLOCK = Clock()
UPLOADABLE = frozenset({Status.SUBMITTED, Status.UNDER_REVIEW, Status.PENDING_MATERIALS})


@dataclass(frozen=True)
class UploadIn:
    name: str  # which material (one of the item's `materials`, or a 容缺 item)
    filename: str
    stream: BinaryIO


@dataclass(frozen=True)
class BankInfo:
    bank_name: str | None = None
    account_name: str | None = None
    account: str | None = None


def clean_facts(facts: Mapping[str, object]) -> dict[str, str]:
    """Application facts by catalog name, canonical text; every problem reported at once."""
    coerced = coerce_facts(facts)
    labels = {s.name: s.label for s in fact_fields()}
    problems = [f"“{name}”不是可申报填写的信息项" for name in coerced.unknown] + [
        f"{labels[name]}：{message}" for name, message in coerced.problems.items()]
    out = {name: to_text(value) or "" for name, value in coerced.values.items()
           if value is not None}
    if problems:
        raise ValidationFailed("申报信息有误：" + "；".join(problems) + "。", details=problems)
    return out


def _bank(bank: BankInfo | None) -> BankInfo:
    if bank is None:
        return BankInfo()
    account = "".join((bank.account or "").split()) or None
    if account and not re.fullmatch(r"[0-9]{8,32}", account):
        raise ValidationFailed("银行账号应为 8–32 位数字。")
    return BankInfo((bank.bank_name or "").strip()[:100] or None,
                    (bank.account_name or "").strip()[:200] or None, account)


def submit(
    session: Session, actor: Actor, *, item_id: str, facts: Mapping[str, object] | None = None,
    files: Sequence[UploadIn] = (), bank: BankInfo | None = None,
    clock: Clock = SYSTEM_CLOCK, settings: Settings | None = None,
) -> Application:
    """The platform decides the date: an application is evaluated as of its submission (the
    server's clock, or the pinned policy date), never a date the enterprise sends."""
    access.require_role(actor, Role.ENTERPRISE)
    if not actor.enterprise_uscc:
        raise ValidationFailed("该账号未关联企业，不能申报。")
    access.serialize_writes(session)
    now, iv = clock.now(), policies.get_item(session, item_id)
    item, as_of = iv.item, policy_date_for(clock, settings)
    if not item.in_force(as_of):
        ends = item.ends.isoformat() if item.ends else "长期"
        raise Conflict(f"“{item.title}”不在有效期内（{item.starts.isoformat()} 至 {ends}），"
                       f"今天（{as_of.isoformat()}）不能申报。")
    if not item.in_window(as_of):
        raise Conflict(f"“{item.title}”的申报期为 {item.window_text}，今天（{as_of.isoformat()}）"
                       "不在申报期内，不能申报。")
    if item.auto_grant:
        raise Conflict(f"“{item.title}”是免申即享事项，无需申报："
                       "符合条件的企业由部门确认后直接兑现。")
    ent = enterprises.by_uscc(session, actor.enterprise_uscc)
    if ent is None:
        raise ValidationFailed("企业信息尚未登记，请先联系营商办完善企业信息。")
    _in_region(item, ent.region)
    enterprises.lock(session, [ent.uscc])  # two submissions at once: the second sees the first
    _no_duplicate(session, ent.uscc, item.id, as_of.year)
    awards.check_exclusions(session, item, ent.uscc, as_of.year)
    bank_info = _bank(bank)
    app = Application(
        source="apply", enterprise_uscc=ent.uscc, enterprise_name=ent.name,
        legal_form=ent.legal_form, item_id=item.id, item_title=item.title,
        policy_version=iv.version, department=item.department,
        finance_department=access.finance_department_for(item.department)
        if item.finance_review else None,
        year=as_of.year, as_of=as_of, status=Status.SUBMITTED.value, facts=clean_facts(facts or {}),
        bank_name=bank_info.bank_name, bank_account_name=bank_info.account_name,
        bank_account=bank_info.account, submitted_by=actor.user_id, submitted_at=now,
        updated_at=now)
    outcome = awards.engine_outcome(session, app, item)
    if outcome.eligible is False:
        failed = "、".join(outcome.failed)
        raise awards.NotEligible(f"按政策条件，贵单位暂不符合“{item.title}”：{failed}。"
                                 "如信息有误，请先更新企业信息或申报信息。",
                                 details={"failed": outcome.failed})
    app.estimated_amount = outcome.amount
    session.add(app)
    session.flush()
    for upload in files:
        _store(session, actor, app, upload, now, settings)
    audit.record(session, actor, "grants.application_submit", app,
                 after={**events.snapshot(app), "item_id": item.id, "facts": app.facts,
                        "policy_version": iv.version}, at=now)
    events.add_event(session, app, actor, "submit", now, note=_missing_note(session, app, item))
    events.tell_department(session, app.department, "新的政策申报",
                           f"{app.enterprise_name} 申报“{app.item_title}”，请及时受理。",
                           events.link(app), now)
    return app


def _in_region(item: Item, region: str | None) -> None:
    covered = item.document.covers(region)
    if covered is None:
        raise ValidationFailed("企业信息中缺少所在行政区划，无法确认是否适用本政策，"
                               "请先联系营商办完善企业信息。", details={"missing": ["region"]})
    if not covered:
        where = describe_regions([region]) if region else "未知地区"
        raise awards.NotEligible(
            f"“{item.title}”仅适用于{describe_regions(item.document.regions)}的企业，"
            f"贵单位所在地区（{where}）不在适用范围内，不能申报。",
            details={"failed": [REGION_CRITERION]})


def _no_duplicate(session: Session, uscc: str, item_id: str, year: int) -> None:
    stmt = select(Application.id).where(
        Application.enterprise_uscc == uscc, Application.item_id == item_id,
        Application.year == year, Application.status.in_([s.value for s in ACTIVE]))
    if session.scalar(stmt) is not None:
        raise Conflict(f"贵单位已有一份{year}年度该事项的申报在办理或已获批准，请勿重复申报。")


def _missing_note(session: Session, app: Application, item: Any) -> str | None:
    missing = required_missing(session, app, item.materials)
    return f"尚未提交的材料：{'、'.join(missing)}" if missing else None


def required_missing(session: Session, app: Application, required: Sequence[str]) -> list[str]:
    have = set(session.scalars(select(Material.name).where(Material.application_id == app.id)))
    return [m for m in required if m not in have]


def upload_material(
    session: Session, actor: Actor, application_id: int, upload: UploadIn, *,
    clock: Clock = SYSTEM_CLOCK, settings: Settings | None = None,
) -> Material:
    """An enterprise adds a material; the last missing one of a 容缺 case returns it to review."""
    access.serialize_writes(session)
    app = access.access_application(session, actor, application_id, for_update=True)
    access.require_role(actor, Role.ENTERPRISE)
    if Status(app.status) not in UPLOADABLE:
        raise InvalidTransition(f"该申报当前状态为“{Status(app.status).label}”，不能再上传材料。")
    now = clock.now()
    material = _store(session, actor, app, upload, now, settings)
    events.add_event(session, app, actor, "upload", now,
                     note=f"上传材料：{material.name}（{material.original_filename}）")
    owed = list(app.missing_materials or [])
    if Status(app.status) is Status.PENDING_MATERIALS and material.name in owed:
        _supplied(session, actor, app, material.name, owed, now)
    return material


def _supplied(session: Session, actor: Actor, app: Application, name: str, owed: list[str],
              now: Any) -> None:
    before = events.snapshot(app)
    owed.remove(name)
    app.missing_materials, app.updated_at = owed, now
    if owed:
        audit.record(session, actor, "grants.material_supplied", app, before=before,
                     after=events.snapshot(app), at=now)
        return
    previous = app.status
    app.status = check(previous, Action.SUPPLY).value
    audit.record(session, actor, "grants.application_supply", app, before=before,
                 after=events.snapshot(app), at=now)
    events.add_event(session, app, actor, "supply", now, from_status=previous,
                     note="容缺材料已全部补齐，申报回到审核。")
    events.tell_department(session, app.department, "容缺材料已补齐",
                           f"{app.enterprise_name} 已补齐“{app.item_title}”的容缺材料，"
                           "请继续审核。",
                           events.link(app), now)


def _store(session: Session, actor: Actor, app: Application, upload: UploadIn, now: Any,
           settings: Settings | None) -> Material:
    name = (upload.name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("请选择或填写材料名称（不超过 100 字）。")
    settings = settings or get_settings()
    stored = uploads.store(session, settings.uploads_dir, upload.stream, upload.filename,
                           settings.upload_max_bytes)
    material = Material(
        application_id=app.id, name=name, original_filename=stored.original_filename,
        stored_name=stored.stored_name, kind=stored.kind, content_type=stored.content_type,
        size=stored.size, sha256=stored.sha256, uploaded_by=actor.user_id, uploaded_at=now)
    session.add(material)
    session.flush()
    audit.record(session, actor, "grants.material_upload", material,
                 after={"application_id": app.id, "name": name,
                        "filename": stored.original_filename, "kind": stored.kind,
                        "size": stored.size, "sha256": stored.sha256}, at=now)
    return material


def withdraw(session: Session, actor: Actor, application_id: int, reason: str | None = None, *,
             clock: Clock = SYSTEM_CLOCK) -> Application:
    access.serialize_writes(session)
    app = access.access_application(session, actor, application_id, for_update=True)
    access.require_role(actor, Role.ENTERPRISE)
    now, before, previous = clock.now(), events.snapshot(app), app.status
    app.status, app.updated_at = check(previous, Action.WITHDRAW).value, now
    app.decision_reason = (reason or "").strip() or None
    audit.record(session, actor, "grants.application_withdraw", app, before=before,
                 after=events.snapshot(app), at=now)
    events.add_event(session, app, actor, "withdraw", now, from_status=previous,
                     note=app.decision_reason)
    return app


def get(session: Session, actor: Actor, application_id: int) -> Application:
    return access.access_application(session, actor, application_id)


def timeline(session: Session, actor: Actor, application_id: int) -> list[ApplicationEvent]:
    access.access_application(session, actor, application_id)
    return events.timeline(session, application_id)


def materials(session: Session, actor: Actor, application_id: int) -> list[Material]:
    access.access_application(session, actor, application_id)
    stmt = select(Material).where(Material.application_id == application_id).order_by(Material.id)
    return list(session.scalars(stmt))


def open_material(session: Session, actor: Actor, material_id: int,
                  settings: Settings | None = None) -> tuple[Material, Any]:
    """The material row and its file path, through the application's access check."""
    material = session.get(Material, material_id)
    if material is None:
        raise access.NotFound("材料不存在，或您没有访问权限。")
    try:
        access.access_application(session, actor, material.application_id)
    except access.NotFound:
        raise access.NotFound("材料不存在，或您没有访问权限。") from None
    root = (settings or get_settings()).uploads_dir
    return material, uploads.resolve(root, material.stored_name)


def estimated(app: Application) -> Decimal | None:
    return app.approved_amount or app.proposed_amount or app.estimated_amount
