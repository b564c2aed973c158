"""兑付批次: approved grants grouped for the bank, idempotent end to end.

draft ──export──▶ exported ──mark_paid──▶ paid;  draft/exported ──cancel──▶ cancelled
- a grant is in at most one live batch: `grant_payout_lines.grant_id` is UNIQUE, so a second
  batch built at the same time fails instead of paying twice;
- each line carries the grant's idempotency key (HQG + grant id), the same in every batch and
  file, which the bank sees as the payment reference;
- `mark_paid` on a paid batch changes nothing and pays nothing again;
- each line carries a MAC (payout_integrity): a line edited in the database stops the export
  and the marking paid with 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.grants import access, duties, events, payout_integrity
from huiqi.grants.repositories import money as money_repo
from huiqi.grants.states import Action, Status, check
from huiqi.kit import excel, masking
from huiqi.kit.clock import Clock, to_local
from huiqi.kit.errors import Conflict, ValidationFailed
from huiqi.models.application import Application
from huiqi.models.grant import Grant
from huiqi.models.payout import PayoutBatch
from huiqi.models.payout_line import PayoutLine
from huiqi.models.user import Role

SYSTEM_CLOCK = Clock()
BATCH_LABELS = {"draft": "草稿", "exported": "已导出待银行兑付", "paid": "已兑付",
                "cancelled": "已作废"}
BATCH_FIELDS = ("status", "lines", "total", "bank_reference", "exported_at", "paid_at")


@dataclass(frozen=True)
class PaidResult:
    batch: PayoutBatch
    newly_paid: int  # 0 when the batch had been marked paid before


def idempotency_key(grant_id: int) -> str:
    return f"HQG{grant_id:010d}"


def create_batch(session: Session, actor: Actor, *, item_id: str | None = None,
                 department: str | None = None, grant_ids: list[int] | None = None,
                 note: str | None = None, clock: Clock = SYSTEM_CLOCK) -> PayoutBatch:
    access.require_role(actor, Role.OFFICE)
    access.serialize_writes(session)
    grants = money_repo.unpaid_grants_locked(session, item_id=item_id, department=department,
                                             grant_ids=grant_ids)
    if not grants:
        raise Conflict("没有可纳入批次的待兑付项目（已批准且未在其他批次中）。")
    now = clock.now()
    batch = PayoutBatch(reference=f"PB{to_local(now):%Y%m%d%H%M%S}", status="draft",
                        item_id=item_id, department=department, lines=len(grants),
                        total=sum((g.amount for g in grants), Decimal(0)),
                        note=(note or "").strip() or None, created_by=actor.user_id,
                        created_at=now)
    session.add(batch)
    session.flush()
    batch.reference = f"{batch.reference}-{batch.id:05d}"
    apps = money_repo.applications_by_id(session, [g.application_id for g in grants])
    for g in grants:
        line = PayoutLine(batch_id=batch.id, grant_id=g.id, amount=g.amount,
                          idempotency_key=idempotency_key(g.id), status="pending")
        payout_integrity.sign(line, g, apps[g.application_id])
        session.add(line)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("部分项目已被其他兑付批次纳入，请刷新后重试。") from None
    audit.record(session, actor, "grants.payout_create", batch,
                 after={**audit.snapshot(batch, *BATCH_FIELDS), "reference": batch.reference,
                        "grant_ids": [g.id for g in grants]}, at=now)
    return batch


def lines(session: Session, actor: Actor, batch_id: int
          ) -> list[tuple[PayoutLine, Grant, Application]]:
    access.access_batch(session, actor, batch_id)
    return list(money_repo.payout_rows(session, batch_id=batch_id))


def export(session: Session, actor: Actor, batch_id: int, *, clock: Clock = SYSTEM_CLOCK,
           mark: bool = True) -> bytes:
    """The bank file. With `mark` (the office's 导出交银行) a draft becomes exported; later
    exports, and downloads without `mark`, change nothing."""
    if mark:
        access.serialize_writes(session)
    batch = access.access_batch(session, actor, batch_id, for_update=mark)
    if batch.status == "cancelled":
        raise Conflict("该批次已作废，不能导出。")
    clear = actor.role is Role.OFFICE  # the bank needs the number; anyone else sees it masked
    rows = lines(session, actor, batch_id)
    payout_integrity.require_intact(rows)
    data = excel.ledger_bytes(
        f"政策资金兑付清单 {batch.reference}",
        [("批次号", batch.reference), ("笔数", str(batch.lines)), ("合计（元）", str(batch.total))],
        ["序号", "业务编号（防重付）", "企业名称", "统一社会信用代码", "开户银行", "账户名称",
         "银行账号", "金额（元）", "政策事项", "主管部门", "批准日期"],
        [(i, line.idempotency_key, grant.enterprise_name, grant.enterprise_uscc,
          app.bank_name or "", app.bank_account_name or grant.enterprise_name,
          _account(app.bank_account, clear), line.amount, grant.item_title, grant.department,
          to_local(grant.approved_at).date())
         for i, (line, grant, app) in enumerate(rows, start=1)],
        sheet="兑付清单")
    if mark and batch.status == "draft" and actor.role is Role.OFFICE:
        now, before = clock.now(), audit.snapshot(batch, *BATCH_FIELDS)
        batch.status, batch.exported_at = "exported", now
        audit.record(session, actor, "grants.payout_export", batch, before=before,
                     after=audit.snapshot(batch, *BATCH_FIELDS), at=now)
    return data


def _account(value: str | None, clear: bool) -> str:
    if not value:
        return "（待补）"
    return value if clear else masking.mask_account(value)


def mark_paid(session: Session, actor: Actor, batch_id: int, bank_reference: str | None = None,
              *, clock: Clock = SYSTEM_CLOCK) -> PaidResult:
    access.require_role(actor, Role.OFFICE)
    access.serialize_writes(session)
    batch = access.access_batch(session, actor, batch_id, for_update=True)
    if batch.status == "paid":
        return PaidResult(batch, 0)  # a retry: nothing is paid twice
    duties.require_other(session, actor, batch, [batch.created_by], "payout_paid",
                         "您制作了该兑付批次，标记已兑付须由另一人办理（审批与复核分离）。")
    if batch.status != "exported":
        raise Conflict(f"批次当前状态为“{BATCH_LABELS[batch.status]}”：须先导出清单交银行，"
                       "银行兑付后再标记已兑付。")
    rows = lines(session, actor, batch_id)
    payout_integrity.require_intact(rows)
    now, before = clock.now(), audit.snapshot(batch, *BATCH_FIELDS)
    paid = 0
    for line, grant, app in rows:
        if line.status == "paid" or grant.status != "approved":
            continue
        line.status, line.paid_at = "paid", now
        grant.status, grant.paid_at = "paid", now
        _application_paid(session, actor, app, grant, now)
        paid += 1
    batch.status, batch.paid_at, batch.paid_by = "paid", now, actor.user_id
    batch.bank_reference = (bank_reference or "").strip()[:100] or None
    audit.record(session, actor, "grants.payout_paid", batch, before=before,
                 after={**audit.snapshot(batch, *BATCH_FIELDS), "newly_paid": paid}, at=now)
    return PaidResult(batch, paid)


def _application_paid(session: Session, actor: Actor, app: Application, grant: Grant,
                      now: datetime) -> None:
    before, previous = events.snapshot(app), app.status
    app.status, app.updated_at = check(previous, Action.PAY).value, now
    audit.record(session, actor, "grants.application_pay", app, before=before,
                 after={**events.snapshot(app), "grant_id": grant.id}, at=now)
    events.add_event(session, app, actor, "pay", now, from_status=previous,
                     note=f"已兑现 {grant.amount} 元")
    events.tell_enterprise(session, app, "政策资金已兑现",
                           f"“{app.item_title}”{grant.amount} 元已兑付，请注意查收。", now)


def cancel(session: Session, actor: Actor, batch_id: int, reason: str, *,
           clock: Clock = SYSTEM_CLOCK) -> PayoutBatch:
    """Void a batch that was not paid; its grants can go into a new batch (same keys)."""
    access.require_role(actor, Role.OFFICE)
    if not (reason or "").strip():
        raise ValidationFailed("作废批次须填写理由。")
    access.serialize_writes(session)
    batch = access.access_batch(session, actor, batch_id, for_update=True)
    if batch.status not in ("draft", "exported"):
        raise Conflict(f"批次当前状态为“{BATCH_LABELS[batch.status]}”，不能作废。")
    now, before = clock.now(), audit.snapshot(batch, *BATCH_FIELDS)
    grant_ids = money_repo.remove_lines(session, batch.id)
    batch.status, batch.cancelled_at, batch.note = "cancelled", now, reason.strip()
    audit.record(session, actor, "grants.payout_cancel", batch, before=before,
                 after={**audit.snapshot(batch, *BATCH_FIELDS), "reason": reason.strip(),
                        "released_grant_ids": grant_ids}, at=now)
    return batch


def batches(session: Session, actor: Actor) -> list[PayoutBatch]:
    if actor.role not in access.STAFF_READ:
        return []
    return money_repo.all_batches(session)


def pending_grants(session: Session, actor: Actor) -> list[Grant]:
    return money_repo.unpaid_of(session, access.visible_grants(session, actor))


__all__ = ["PaidResult", "Status", "batches", "cancel", "create_batch", "export", "lines",
           "mark_paid", "pending_grants"]
