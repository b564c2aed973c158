"""Batch actions on an item's targeting list: push a notification, create visit tasks for the
enterprises' liaison officials, request the missing facts (a form the enterprise fills).

Each (kind, item, enterprise) is recorded once (a unique key): re-running a batch, or two
officials pressing the button at once, notifies nobody twice. The rows are what a 知晓 rate and
the office dashboard read (`insights.service.pushes`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.insights import targeting_repository as repo
from huiqi.insights.targeting import NEAR, SEGMENTS, UNKNOWN, TargetRow
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.matching import service as matching
from huiqi.models.insight_action import FACTS, PUSH, VISIT, InsightAction
from huiqi.notify.service import notify
from huiqi.policies import service as policies
from huiqi.registry import service as registry
from huiqi.registry.service import load_catalog
from huiqi.rules import Item

KINDS = {PUSH: "推送通知", VISIT: "走访任务", FACTS: "请企业补充信息"}


@dataclass(frozen=True)
class ActionReport:
    kind: str
    selected: int
    created: int
    skipped: int  # already done before (or by someone else at the same moment)
    notified: int  # accounts notified
    without_account: int  # new actions whose enterprise (or visit) has nobody to notify

    def summary(self) -> str:
        what = KINDS[self.kind]
        text = f"{what}：选中 {self.selected} 家，新建 {self.created} 家"
        if self.skipped:
            text += f"，{self.skipped} 家此前已{what}，未重复"
        text += f"；已通知 {self.notified} 个账号"
        if self.without_account:
            text += f"，{self.without_account} 家暂无可通知的账号（已记录）"
        return text + "。"


def act(session: Session, actor: Actor, clock: Clock, item: Item, kind: str,
        rows: Sequence[TargetRow], *, note: Mapping[str, Any] | None = None) -> ActionReport:
    if kind not in KINDS:
        raise ValidationFailed(f"未知的操作：{kind}")
    if kind == FACTS:
        rows = [r for r in rows if r.missing]
    if not rows:
        raise ValidationFailed("没有可操作的企业：请先选择分组或筛选条件。")
    now = clock.now()
    if kind == VISIT:  # the officials assigned now (a list read earlier may be older)
        assigned = repo.liaisons(session)
        rows = [replace(r, liaisons=tuple(sorted(assigned.get(r.uscc, ())))) for r in rows]
    new = repo.insert_once(session, [{
        "kind": kind, "item_id": item.id, "enterprise_id": r.enterprise_id,
        "enterprise_uscc": r.uscc, "segment": r.segment,
        "missing": ";".join(r.missing) if kind == FACTS else None,
        "assignee_id": min(r.liaisons) if kind == VISIT and r.liaisons else None,
        "notified": 0, "status": "open", "created_at": now, "created_by": actor.username,
    } for r in rows])
    fresh = [r for r in rows if r.enterprise_id in new]
    notified = _notify(session, kind, item, fresh, new) if fresh else {}
    repo.set_notified(session, {new[eid]: n for eid, n in notified.items() if n})
    report = ActionReport(kind, len(rows), len(new), len(rows) - len(new),
                          sum(notified.values()), sum(1 for n in notified.values() if not n))
    audit.record(session, actor, f"insights.{kind}", ("policy_item", item.id), after={
        "item_id": item.id, "selected": report.selected, "created": report.created,
        "skipped": report.skipped, "notified": report.notified, **(note or {})}, at=now)
    return report


def _notify(session: Session, kind: str, item: Item, rows: Sequence[TargetRow],
            new: Mapping[int, int]) -> dict[int, int]:
    """Notify each new action's people, grouped by message; enterprise id → accounts notified."""
    done: dict[int, int] = {r.enterprise_id: 0 for r in rows}
    if kind == VISIT:
        for r in rows:
            if r.liaisons:
                notify(session, [min(r.liaisons)], f"走访任务：{r.name}",
                       f"请走访 {r.name}，宣讲“{item.title}”（{SEGMENTS[r.segment]}）。",
                       "/insights/visits")
                done[r.enterprise_id] = 1
        return done
    accounts = repo.enterprise_accounts(session, [r.uscc for r in rows])
    catalog = load_catalog()
    groups: dict[tuple[str, str, str], list[TargetRow]] = {}
    for r in rows:
        if kind == FACTS:
            labels = "、".join(catalog[f].label if f in catalog else f for f in r.missing)
            key = (f"请补充信息：{item.title}",
                   f"补充以下信息后即可判断能否享受“{item.title}”：{labels}。", "")
        else:
            key = (f"政策提醒：{item.title}", _push_body(item, r), "/gift-pack")
        groups.setdefault(key, []).append(r)
    for (title, body, link), members in groups.items():
        if link:  # a push: one message for the whole group
            users = [u for r in members for u in accounts.get(r.uscc, [])]
            notify(session, users, title, body, link)
        for r in members:
            users = accounts.get(r.uscc, [])
            if users and not link:  # a fact request links to its own form
                notify(session, users, title, body, f"/insights/requests/{new[r.enterprise_id]}")
            done[r.enterprise_id] = len(users)
    return done


def _push_body(item: Item, r: TargetRow) -> str:
    if r.segment == UNKNOWN:
        return f"您的企业可能符合“{item.title}”，补充所缺信息后即可判断，请在政策礼包中查看。"
    if r.segment == NEAR:
        return f"“{item.title}”您的企业尚差一项条件（{r.failed[0]}），请在政策礼包中查看说明。"
    return f"您的企业符合“{item.title}”的条件，可在政策礼包中查看测算金额并申报。"


# -- the enterprise's side of a fact request ---------------------------------------------------

def request_for(session: Session, actor: Actor, action_id: int) -> InsightAction:
    """A fact request addressed to the actor's enterprise (404 for anyone else's)."""
    found = repo.action(session, action_id, uscc=actor.enterprise_uscc or "")
    if found is None or found.kind != FACTS or not actor.enterprise_uscc:
        raise NotFound("该补充信息请求不存在。")
    return found


def answer(session: Session, actor: Actor, clock: Clock, action_id: int,
           raw: Mapping[str, Any], as_of: date) -> list[str]:
    """Store the requested facts in the profile (registry.service), re-match the enterprise at
    once; returns the titles of the items it is now eligible for."""
    request = request_for(session, actor, action_id)
    asked = [f for f in (request.missing or "").split(";") if f]
    given = {k: v for k, v in raw.items() if k in asked and str(v).strip() != ""}
    if not given:
        raise ValidationFailed("请至少填写一项信息。")
    catalog = load_catalog()
    enterprise = registry.require_by_uscc(session, request.enterprise_uscc)
    profile = {k: v for k, v in given.items() if catalog[k].kind == "profile"}
    facts = {k: v for k, v in given.items() if catalog[k].kind != "profile"}
    registry.validate_profile(profile)  # every problem refused before anything is written
    checked = registry.coerce_facts(facts)
    if checked.problems:
        raise ValidationFailed("信息有误：" + "；".join(
            f"{catalog[n].label}：{m}" for n, m in checked.problems.items()),
            details=checked.problems)
    owner = matching.owner_by_uscc(session, request.enterprise_uscc)
    if owner is None:
        raise NotFound("该补充信息请求不存在。")
    ent_id, region = owner[0], owner[3]
    before = {**{k: registry.profile_dict(enterprise).get(k) for k in profile},
              **{k: registry.get_facts(session, enterprise).get(k) for k in facts}}
    items = policies.in_force(session, as_of, region).items
    old = matching.results(session, catalog, ent_id, items, as_of, refresh=False).rows
    was = {e.item.id for e in matching.pack(items, old).eligible}
    if profile:
        registry.upsert(session, {"uscc": request.enterprise_uscc, **profile})
    if facts:
        registry.set_facts(session, enterprise, facts)
    matching.match_all(session, catalog, items, as_of, enterprise_ids=[ent_id])
    rows = matching.results(session, catalog, ent_id, items, as_of, refresh=False).rows
    gained = [e.item.title for e in matching.pack(items, rows).eligible if e.item.id not in was]
    if all(f in given for f in asked):
        request.status, request.done_at = "done", clock.now()
    audit.record(session, actor, "insights.facts_answer", ("enterprise", ent_id),
                 before={k: registry.to_text(v) for k, v in before.items()},
                 after={k: str(v) for k, v in given.items()}, at=clock.now())
    session.flush()
    return gained
