"""The checks every grant passes, whichever way it comes (application or 免申即享), and the grant.

- the rules engine decides eligibility and the amount, as of the application's date, over the
  enterprise's profile and the facts it gave; a person may only lower that amount;
- 不重复支持: no grant for an item excluded by (or excluding) one the enterprise already holds in
  the same year;
- the item's per-enterprise yearly cap, over the grants it holds and those awaiting finance review.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.grants import enterprises
from huiqi.grants.repositories import awarded as awarded_repo
from huiqi.grants.states import HELD, Status
from huiqi.kit.errors import Conflict, ValidationFailed
from huiqi.models.application import Application
from huiqi.models.grant import Grant
from huiqi.policies import service as policies
from huiqi.rules import Item, Outcome, evaluate


class ExcludedItem(Conflict):
    code = "grant_excluded"


class CapExceeded(Conflict):
    code = "grant_cap_exceeded"


class NotEligible(Conflict):
    code = "grant_not_eligible"


def engine_outcome(session: Session, app: Application, item: Item) -> Outcome:
    facts = enterprises.facts(session, app.enterprise_uscc)
    facts.update({k: v for k, v in (app.facts or {}).items() if v is not None})
    return evaluate(item, facts, app.as_of)


def require_eligible(outcome: Outcome, item: Item) -> Decimal:
    """The engine's amount; NotEligible says which criteria failed or which facts are missing."""
    if outcome.eligible is False:
        raise NotEligible(f"按政策规则核算，不符合“{item.title}”的条件："
                          f"{'、'.join(outcome.failed)}。", details={"failed": outcome.failed})
    if outcome.eligible is None or outcome.amount is None:
        raise NotEligible(f"按政策规则核算，“{item.title}”还缺少信息："
                          f"{'、'.join(outcome.missing) or '金额要素'}，请企业补充后再审核。",
                          details={"missing": outcome.missing})
    return outcome.amount


def decide_amount(engine: Decimal, amount: Decimal | None, reason: str | None,
                  ceiling_label: str = "政策核定金额") -> tuple[Decimal, str | None]:
    """The amount to approve: the engine's, or lower with a reason; never higher."""
    if amount is None:
        return engine, None
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed("金额须精确到分（最多两位小数）。")
    if amount > engine:
        raise ValidationFailed(f"批准金额 {amount} 元高于{ceiling_label} {engine} 元，不能批准。"
                               f"金额只能等于或低于{ceiling_label}。",
                               details={"field": "amount", "amount": str(amount),
                                        "ceiling": str(engine)})
    if amount <= 0:
        raise ValidationFailed("批准金额须大于 0 元；不予支持请选择“驳回”并说明理由。")
    if amount < engine and not (reason or "").strip():
        raise ValidationFailed(f"批准金额低于{ceiling_label} {engine} 元，请填写调减理由。")
    return amount, (reason or "").strip() or None


def held_items(session: Session, uscc: str, year: int) -> set[str]:
    return awarded_repo.items_held(session, uscc, year, [s.value for s in HELD])


def check_exclusions(session: Session, item: Item, uscc: str, year: int) -> None:
    held = held_items(session, uscc, year) - {item.id}
    clash = sorted(i for i in held if i in item.exclusions)
    for other_id in sorted(held - set(clash)):
        other = policies.find_item(session, other_id)
        if other is not None and item.id in other.item.exclusions:
            clash.append(other_id)
    if clash:
        titles = "、".join(_title(session, i) for i in clash)
        raise ExcludedItem(f"不重复支持：该企业{year}年度已享受“{titles}”，"
                           f"与“{item.title}”不能同时享受。",
                           details={"excluded_by": clash})


def _title(session: Session, item_id: str) -> str:
    found = policies.find_item(session, item_id)
    return found.item.title if found else item_id


def check_year_cap(session: Session, app: Application, outcome: Outcome, amount: Decimal) -> None:
    exact = outcome.caps.get("per_year")
    if exact is None:
        return
    # A cap derived from a dated parameter may be an exact fraction; compared in Decimal.
    cap = exact if isinstance(exact, Decimal) else Decimal(exact.numerator) / exact.denominator
    granted = awarded_repo.granted_sum(session, app.enterprise_uscc, app.item_id, app.year,
                                       [s.value for s in HELD])
    pending = awarded_repo.proposed_sum(session, app.enterprise_uscc, app.item_id, app.year,
                                        Status.FINANCE_REVIEW.value, app.id)
    if not isinstance(cap, Decimal):  # a derived parameter's exact Fraction
        cap = Decimal(cap.numerator) / Decimal(cap.denominator)
    left = cap - granted - pending
    if amount > left:
        raise CapExceeded(f"超过每企业每年上限：“{app.item_title}”每企业每年不超过 {cap} 元，"
                          f"该企业{app.year}年度已批准或在审 {granted + pending} 元，"
                          f"剩余额度 {max(left, Decimal(0))} 元。",
                          details={"cap": str(cap), "used": str(granted + pending)})


def create_grant(session: Session, actor: Actor, app: Application, amount: Decimal,
                 now: datetime) -> Grant:
    grant = Grant(
        application_id=app.id, source=app.source, enterprise_uscc=app.enterprise_uscc,
        enterprise_name=app.enterprise_name, legal_form=app.legal_form, item_id=app.item_id,
        item_title=app.item_title, department=app.department, year=app.year, amount=amount,
        status="approved", approved_at=now, approved_by=actor.user_id)
    session.add(grant)
    session.flush()
    audit.record(session, actor, "grants.grant_create", grant,
                 after=audit.snapshot(grant, "enterprise_uscc", "item_id", "year", "amount",
                                      "status", "application_id"), at=now)
    return grant
