"""Enterprise profiles maintained in the browser (issue 15 item 9).

`edit` changes an enterprise's profile fields and application facts, validated by the catalog;
every changed field leaves a `profile_changes` row (who, when, source: 页面/走访/企业申请, before
and after) and an audit row; the enterprise is then re-matched at once and its accounts are told
of newly eligible items. An enterprise edits its self-declared fields itself and *proposes*
changes to facts that need verification (`propose`), which the office accepts or rejects
(`decide`). Access: the office any enterprise, a liaison only its assigned enterprises, an
enterprise only itself — anyone else gets the same 404 as a missing enterprise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import Conflict, NotFound, ValidationFailed
from huiqi.kit.settings import Settings, policy_date_for
from huiqi.models.profile_change import ProfileChange, ProfileProposal
from huiqi.models.user import Role
from huiqi.registry import repository as repo
from huiqi.registry import size_class
from huiqi.registry.catalog import CoercionError, coerce, is_blank, load_catalog, to_text
from huiqi.rules import FieldSpec, FieldType

# An enterprise row: its attributes are the catalog's profile fields (generated columns, which
# mypy cannot see), so it is typed Any here.
Enterprise = Any
NOT_FOUND = "页面不存在，或您没有访问权限。"
SOURCES = {"page": "页面", "visit": "走访", "proposal": "企业申请"}
# Facts an enterprise declares itself; everything else comes from registers (工商、税务、认定名单)
# and needs the office's verification: the enterprise proposes, the office decides.
SELF_DECLARED = frozenset({"street", "employees", "insured_employees", "online_sales",
                           "rents_state_property", "monthly_rent"})
NOT_EDITABLE = frozenset({"uscc"})


@dataclass
class EditResult:
    changes: list[ProfileChange]
    gained: list[str] = field(default_factory=list)  # titles of items newly eligible


def editable_fields() -> list[FieldSpec]:
    """Profile fields then application facts, in catalog order (the form's fields)."""
    catalog = load_catalog()
    return [s for s in catalog if s.name not in NOT_EDITABLE]


def display(spec: FieldSpec | None, text: str | None) -> str:
    """A stored canonical text as a reader sees it: enum labels, 是/否, units."""
    if text is None or text == "":
        return "（未知）"
    if spec is None:
        return text
    if spec.type is FieldType.BOOL:
        return "是" if text == "true" else "否"
    if spec.values and text in spec.values:
        return spec.values[text]
    if spec.unit and spec.type in (FieldType.MONEY, FieldType.INTEGER, FieldType.DECIMAL):
        return f"{text} {spec.unit}"
    return text


def _may_edit(session: Session, actor: Actor, uscc: str) -> bool:
    if actor.role is Role.OFFICE or actor.role is None:
        return True
    if actor.role is Role.LIAISON and actor.user_id is not None:
        return repo.is_assigned(session, actor.user_id, uscc)
    return actor.role is Role.ENTERPRISE and actor.enterprise_uscc == uscc


def enterprise_for(session: Session, actor: Actor, uscc: str) -> Enterprise:
    """The enterprise `actor` may read and maintain; NotFound otherwise (same as missing)."""
    found: Enterprise = repo.enterprise(session, uscc)
    if found is None or not _may_edit(session, actor, found.uscc):
        raise NotFound(NOT_FOUND)
    return found


def current_values(session: Session, enterprise: Enterprise) -> dict[str, str | None]:
    """Every editable field's canonical text (None: unknown)."""
    facts = repo.facts(session, enterprise.id)
    values: dict[str, str | None] = {}
    for spec in editable_fields():
        if spec.kind == "profile":
            values[spec.name] = to_text(getattr(enterprise, spec.name))
        else:
            values[spec.name] = facts.get(spec.name)
    return values


def parse(raw: Mapping[str, Any], allowed: Sequence[FieldSpec]) -> dict[str, Any]:
    """Coerce submitted values (blank = unknown); ValidationFailed names each bad field, with
    details {field: message} so a form shows the messages beside its fields."""
    specs = {s.name: s for s in allowed}
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, value in raw.items():
        spec = specs.get(name)
        if spec is None:
            problems[name] = "该项不可在此修改"
            continue
        try:
            values[name] = None if is_blank(value) else coerce(spec, value)
        except CoercionError as exc:
            problems[name] = str(exc)
    if problems:
        catalog = load_catalog()
        text = "；".join(f"{catalog[n].label if n in catalog else n}：{m}"
                         for n, m in problems.items())
        raise ValidationFailed(f"企业信息有误，未保存：{text}", details=problems)
    return values


def edit(session: Session, actor: Actor, clock: Clock, uscc: str, raw: Mapping[str, Any], *,
         source: str = "page", settings: Settings | None = None) -> EditResult:
    """Apply the changed fields among `raw` (unchanged ones are ignored), re-match, notify."""
    enterprise = enterprise_for(session, actor, uscc)
    allowed = editable_fields()
    if actor.role is Role.ENTERPRISE:
        allowed = [s for s in allowed if s.name in SELF_DECLARED]
    values = parse(raw, allowed)
    if source not in SOURCES:
        raise ValidationFailed(f"未知的修改来源：{source}")
    return _apply(session, actor, clock, enterprise, values, source, settings)


def _apply(session: Session, actor: Actor, clock: Clock, enterprise: Enterprise,
           values: Mapping[str, Any], source: str, settings: Settings | None) -> EditResult:
    before = current_values(session, enterprise)
    changed = {n: v for n, v in values.items() if to_text(v) != before.get(n)}
    if not changed:
        return EditResult([])
    now = clock.now()
    was = _eligible_items(session, clock, enterprise, settings)
    catalog = load_catalog()
    fact_values: dict[str, str | None] = {}
    for name, value in changed.items():
        if catalog[name].kind == "profile":
            setattr(enterprise, name, value)
        else:
            fact_values[name] = to_text(value)
    if any(n in changed for n in ("size_class", "industry_code", "employees", "revenue",
                                  "total_assets")):
        _derive_size(enterprise, changed)
    repo.write_facts(session, enterprise.id, fact_values)
    rows = [ProfileChange(enterprise_uscc=enterprise.uscc, field=n, before=before.get(n),
                          after=to_text(v), source=source, user_id=actor.user_id,
                          user_name=actor.display_name, at=now) for n, v in changed.items()]
    session.add_all(rows)
    session.flush()
    audit.record(session, actor, "registry.profile_edit", ("enterprise", enterprise.id),
                 before={n: before.get(n) for n in changed},
                 after={**{n: to_text(v) for n, v in changed.items()}, "来源": SOURCES[source]},
                 at=now)
    gained = _rematch_and_notify(session, clock, enterprise, was, settings)
    return EditResult(rows, gained)


def _derive_size(enterprise: Enterprise, changed: Mapping[str, Any]) -> None:
    if changed.get("size_class") is not None:
        enterprise.size_class_derived = False
        return
    if "size_class" in changed or enterprise.size_class is None or \
            enterprise.size_class_derived:
        derived = size_class.classify(enterprise.industry_code, enterprise.employees,
                                      enterprise.revenue, enterprise.total_assets)
        enterprise.size_class = derived
        enterprise.size_class_derived = derived is not None


def _eligible_items(session: Session, clock: Clock, enterprise: Enterprise,
                    settings: Settings | None) -> dict[str, tuple[str, Decimal | None]]:
    """Item id → (title, amount) of the items the enterprise is eligible for, re-matched now.
    Matching builds on the registry, not the reverse: imported here, at call time."""
    from huiqi.matching import service as matching
    from huiqi.policies import service as policies

    session.flush()
    as_of = policy_date_for(clock, settings)
    items = policies.in_force(session, as_of, enterprise.region).items
    catalog = load_catalog()
    matching.match_all(session, catalog, items, as_of, enterprise_ids=[enterprise.id])
    rows = matching.results(session, catalog, enterprise.id, items, as_of, refresh=False).rows
    pack = matching.pack(items, rows)
    return {e.item.id: (e.item.title, e.amount) for e in pack.eligible}


def _rematch_and_notify(session: Session, clock: Clock, enterprise: Enterprise,
                        was: Mapping[str, tuple[str, Decimal | None]],
                        settings: Settings | None) -> list[str]:
    from huiqi.notify.service import notify

    now_eligible = _eligible_items(session, clock, enterprise, settings)
    gained = [title for item_id, (title, _) in now_eligible.items() if item_id not in was]
    if gained:
        users = repo.enterprise_user_ids(session, enterprise.uscc)
        notify(session, users, "新增可享受的政策",
               f"根据更新后的企业信息，贵企业新增可享受的政策：{'、'.join(gained)}。"
               "请在政策礼包中查看并申报。", "/gift-pack", at=clock.now())
    return gained


def history(session: Session, actor: Actor, uscc: str) -> list[ProfileChange]:
    enterprise = enterprise_for(session, actor, uscc)
    return repo.changes(session, enterprise.uscc)


# --- proposals: the enterprise asks, the office decides ---------------------------------------

def propose(session: Session, actor: Actor, clock: Clock, raw: Mapping[str, Any],
            reason: str) -> list[ProfileProposal]:
    if actor.role is not Role.ENTERPRISE or not actor.enterprise_uscc:
        raise NotFound(NOT_FOUND)
    enterprise = enterprise_for(session, actor, actor.enterprise_uscc)
    verified = [s for s in editable_fields() if s.kind == "profile" and
                s.name not in SELF_DECLARED]
    before = current_values(session, enterprise)
    values = {n: v for n, v in parse(raw, verified).items() if to_text(v) != before.get(n)}
    if not values:
        raise ValidationFailed("没有需要变更的信息：请修改至少一项后再提交。", details={})
    if not reason.strip():
        raise ValidationFailed("请说明变更理由（如证书编号、认定文件）。",
                               details={"reason": "请填写变更理由"})
    now = clock.now()
    rows = [ProfileProposal(enterprise_uscc=enterprise.uscc, field=n, value=to_text(v),
                            reason=reason.strip()[:500], status="pending",
                            proposed_by=actor.user_id, proposed_at=now)
            for n, v in values.items()]
    session.add_all(rows)
    session.flush()
    for row in rows:
        audit.record(session, actor, "registry.profile_propose", ("profile_proposal", row.id),
                     after={"field": row.field, "before": before.get(row.field),
                            "value": row.value}, at=now)
    from huiqi.notify.service import notify

    notify(session, repo.office_user_ids(session), "企业信息变更申请",
           f"{enterprise.name or enterprise.uscc}申请变更 {len(rows)} 项企业信息，待核实。",
           "/profiles/proposals", at=now)
    return rows


def proposals(session: Session, actor: Actor, status: str = "pending",
              uscc: str | None = None) -> list[ProfileProposal]:
    if actor.role not in (Role.OFFICE, Role.ENTERPRISE):
        raise NotFound(NOT_FOUND)
    if actor.role is Role.ENTERPRISE:
        uscc, status = actor.enterprise_uscc, ""
    return repo.proposals(session, status or None, uscc)


def decide(session: Session, actor: Actor, clock: Clock, proposal_id: int, accept: bool,
           note: str = "", settings: Settings | None = None) -> EditResult:
    if actor.role is not Role.OFFICE:
        raise NotFound(NOT_FOUND)
    proposal = repo.proposal(session, proposal_id)
    if proposal is None:
        raise NotFound("未找到该变更申请。")
    if proposal.status != "pending":
        raise Conflict("该申请已处理，无需重复操作。")
    if not accept and not note.strip():
        raise ValidationFailed("驳回时请说明理由。", details={"note": "请填写驳回理由"})
    now = clock.now()
    proposal.status = "accepted" if accept else "rejected"
    proposal.decided_by, proposal.decided_at = actor.user_id, now
    proposal.decision_note = note.strip()[:500]
    audit.record(session, actor, "registry.profile_accept" if accept else
                 "registry.profile_reject", ("profile_proposal", proposal.id),
                 before={"status": "pending"},
                 after={"status": proposal.status, "note": proposal.decision_note}, at=now)
    result = EditResult([])
    if accept:
        enterprise = enterprise_for(session, actor, proposal.enterprise_uscc)
        spec = load_catalog()[proposal.field]
        value = None if proposal.value is None else coerce(spec, proposal.value)
        result = _apply(session, actor, clock, enterprise, {proposal.field: value}, "proposal",
                        settings)
    from huiqi.notify.service import notify

    label = load_catalog()[proposal.field].label
    notify(session, [proposal.proposed_by] if proposal.proposed_by else [],
           f"企业信息变更申请已{'通过' if accept else '驳回'}",
           f"「{label}」变更为「{display(load_catalog()[proposal.field], proposal.value)}」的申请"
           f"已{'通过' if accept else '驳回'}。{proposal.decision_note}", "/profiles/me", at=now)
    return result


def proposal_queue(session: Session, actor: Actor, status: str
                   ) -> list[tuple[ProfileProposal, str | None, str | None]]:
    """The office's queue: (proposal, enterprise name, the field's current value)."""
    rows = proposals(session, actor, status)
    found: list[tuple[ProfileProposal, str | None, str | None]] = []
    for p in rows:
        ent: Enterprise = repo.enterprise(session, p.enterprise_uscc)
        current = None if ent is None else current_values(session, ent).get(p.field)
        found.append((p, None if ent is None else ent.name, current))
    return found


def parse_values(raw: Mapping[str, Any]) -> dict[str, Any]:
    """`parse` against every editable field (a visit checks its facts before logging)."""
    return parse(raw, editable_fields())
