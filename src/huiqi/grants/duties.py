"""审批与复核分离: no one approves alone.

- An application's department approval and its 财政复核 are done by different people; above the
  office's threshold (`second_approval_above`, yuan) a first department approval waits for a
  second approver of the department, who is another person and makes the actual approval.
- A 免申即享 list is generated, confirmed and finance-confirmed by three different people.
- A payout batch is made and marked paid by different people.

A refusal is a 403 with a plain message and an audit row (`grants.duty_refused`) that is committed
although the step is not (kit.errors.AuditedRefusal). The office's settings of the grants loop
(this threshold, the 公示 working days) are kept here too, each change audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.grants import access
from huiqi.grants.repositories import applications as app_repo
from huiqi.kit.clock import Clock
from huiqi.kit.errors import AuditedRefusal, ValidationFailed
from huiqi.models.application import Application
from huiqi.models.grant_setting import GrantSetting
from huiqi.models.user import Role

SECOND_APPROVAL_ABOVE = "second_approval_above"
PUBLICITY_WORKDAYS = "publicity_workdays"
DEFAULT_PUBLICITY_WORKDAYS = 5
LABELS = {SECOND_APPROVAL_ABOVE: "部门第二审批人门槛（元，超过该金额须另一人复核审批；留空为不设）",
          PUBLICITY_WORKDAYS: "免申即享名单公示期（工作日）"}


def setting(session: Session, key: str) -> str | None:
    row = app_repo.setting(session, key)
    return row.value if row is not None else None


def second_approval_above(session: Session) -> Decimal | None:
    value = setting(session, SECOND_APPROVAL_ABOVE)
    return Decimal(value) if value else None


def publicity_workdays(session: Session) -> int:
    value = setting(session, PUBLICITY_WORKDAYS)
    return int(value) if value else DEFAULT_PUBLICITY_WORKDAYS


def settings(session: Session) -> dict[str, str | None]:
    return {SECOND_APPROVAL_ABOVE: setting(session, SECOND_APPROVAL_ABOVE),
            PUBLICITY_WORKDAYS: str(publicity_workdays(session))}


def change_setting(session: Session, actor: Actor, key: str, value: str | None, *,
                   clock: Clock) -> dict[str, str | None]:
    """The office sets a rule of the grants loop; the change is audited."""
    access.require_role(actor, Role.OFFICE)
    access.serialize_writes(session)
    text = (value or "").strip()
    if key == SECOND_APPROVAL_ABOVE:
        try:
            amount = Decimal(text) if text else None
        except InvalidOperation:
            amount = Decimal(-1)
        if amount is not None and (amount < 0 or amount != amount.quantize(Decimal("0.01"))):
            raise ValidationFailed("第二审批人门槛应为不小于 0 的金额（元，最多两位小数），"
                                   "或留空表示不设。")
        text = "" if amount is None else str(amount.quantize(Decimal("0.01")))
    elif key == PUBLICITY_WORKDAYS:
        if not text.isdigit() or not 1 <= int(text) <= 30:
            raise ValidationFailed("公示期应为 1–30 个工作日。")
    else:
        raise ValidationFailed(f"未知的设置项“{key}”。")
    before = settings(session)
    row = app_repo.setting(session, key)
    now = clock.now()
    if row is None:
        session.add(GrantSetting(key=key, value=text, updated_by=actor.user_id, updated_at=now))
    else:
        row.value, row.updated_by, row.updated_at = text, actor.user_id, now
    session.flush()
    after = settings(session)
    audit.record(session, actor, "grants.setting_change", ("grant_settings", key),
                 before=before, after=after, at=now)
    return after


def department_approvers(session: Session, app: Application) -> set[int]:
    """Who approved the application at the department (first and second approver)."""
    found = app_repo.approver_ids(session, app.id, ["approve", "first_approve"])
    if app.first_approved_by is not None:
        found.add(app.first_approved_by)
    return found


def require_other(session: Session, actor: Actor, subject: object, earlier: Iterable[int | None],
                  step: str, message: str) -> None:
    """Refuse (403, audited) when `actor` already did an earlier step of the same subject."""
    if actor.user_id in {uid for uid in earlier if uid is not None}:
        audit.record(session, actor, "grants.duty_refused", subject,
                     after={"step": step, "reason": message})
        session.flush()
        raise AuditedRefusal(message)
