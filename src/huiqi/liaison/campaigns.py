"""集中攻坚行动: a dated campaign with target enterprises; its figures (contacts, enterprises
reached, materials and service cards handed out, problems raised and solved) are computed from
the contacts logged in its dates — never typed in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.liaison import access, tiers
from huiqi.liaison import repository as repo
from huiqi.models.liaison import LiaisonCampaign, LiaisonCampaignTarget


@dataclass(frozen=True)
class Figures:
    campaign: LiaisonCampaign
    targets: int
    contacts: int
    enterprises: int
    officials: int
    materials: int
    cards: int
    problems: int
    appeals: int
    solved: int
    targets_reached: int


def create(session: Session, actor: Actor, clock: Clock, *, name: str, starts_on: str,
           ends_on: str, description: str = "", tier_id: int | None = None,
           targets: Sequence[str] = ()) -> LiaisonCampaign:
    """A campaign; its targets are the given USCCs, else every member of `tier_id`."""
    access.office(actor)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "请填写行动名称"
    try:
        first, last = date.fromisoformat(starts_on), date.fromisoformat(ends_on)
    except ValueError:
        errors["dates"] = "起止日期应为日期，如 2025-06-01"
        first = last = date.min
    if not errors and first > last:
        errors["dates"] = "开始日期不能晚于结束日期"
    if errors:
        raise ValidationFailed("行动设置有误：" + "；".join(errors.values()), details=errors)
    now = clock.now()
    row = LiaisonCampaign(name=name.strip()[:200], starts_on=first, ends_on=last,
                          description=description.strip(), tier_id=tier_id,
                          created_by=actor.user_id, created_at=now)
    session.add(row)
    session.flush()
    codes = list(dict.fromkeys(t.strip().upper() for t in targets if t.strip()))
    if not codes and tier_id is not None:
        tier = tiers.require(session, tier_id)
        codes = repo.tier_members(session, tiers.rule_sql(session, tier))
    known = repo.existing_usccs(session, codes)
    session.add_all(LiaisonCampaignTarget(campaign_id=row.id, enterprise_uscc=c)
                    for c in codes if c in known)
    session.flush()
    audit.record(session, actor, "liaison.campaign_create", ("liaison_campaign", row.id),
                 after={"name": row.name, "starts_on": first.isoformat(),
                        "ends_on": last.isoformat(), "targets": len(known)}, at=now)
    return row


def figures(session: Session, campaign_id: int) -> Figures:
    found = repo.campaign(session, campaign_id)
    if found is None:
        raise NotFound("未找到该集中攻坚行动。")
    r: Any = repo.campaign_figures(session, found)
    return Figures(found, len(repo.campaign_targets(session, found.id)), int(r.contacts),
                   int(r.enterprises), int(r.officials), int(r.materials), int(r.cards),
                   int(r.problems), int(r.appeals), int(r.solved), int(r.targets_reached))


def all_figures(session: Session) -> list[Figures]:
    return [figures(session, c.id) for c in repo.campaigns(session)]
