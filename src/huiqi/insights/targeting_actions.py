"""Batch actions on an item's targeting list: push a notification, create visit tasks for the
enterprises' liaison officials, request the missing facts (a form the enterprise fills).

Each (kind, item, enterprise) is recorded once (a unique key): re-running a batch, or two
officials pressing the button at once, notifies nobody twice. The rows are what a 知晓 rate and
the office dashboard read (`insights.service.pushes`). Visit tasks are liaison's visit plans
(`liaison.service.plan_visits`: on the official's 包联台账, reminded the day before), one per
(official, enterprise); an enterprise with no official (at the chosen tier) is reported and not
recorded, so a later run reaches it once someone is assigned."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.insights import targeting_repository as repo
from huiqi.insights.targeting import NEAR, SEGMENTS, UNKNOWN, TargetRow
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.liaison import service as liaison
from huiqi.matching import service as matching
from huiqi.models.insight_action import FACTS, PUSH, VISIT, InsightAction
from huiqi.notify.service import notify
from huiqi.policies import service as policies
from huiqi.registry import service as registry
from huiqi.registry.service import load_catalog
from huiqi.rules import Item

KINDS = {PUSH: "推送通知", VISIT: "走访任务", FACTS: "请企业补充信息"}
VISIT_DAYS = 7  # a visit task's default planned day: a week from today


@dataclass(frozen=True)
class ActionReport:
    kind: str
    selected: int
    created: int
    skipped: int  # already done before (or by someone else at the same moment)
    notified: int  # accounts notified
    without_account: int  # new actions whose enterprise (or visit) has nobody to notify
    plans: int = 0  # visit: plans created (one per official and enterprise)
    already_planned: int = 0  # visit: an open plan existed for the official and enterprise
    unassigned: int = 0  # visit: no liaison official (at the chosen tier): not recorded

    def summary(self) -> str:
        what = KINDS[self.kind]
        if self.kind == VISIT:
            return self._visit_summary()
        text = f"{what}：选中 {self.selected} 家，新建 {self.created} 家"
        if self.skipped:
            text += f"，{self.skipped} 家此前已{what}，未重复"
        text += f"；已通知 {self.notified} 个账号"
        if self.without_account:
            text += f"，{self.without_account} 家暂无可通知的账号（已记录）"
        return text + "。"

    def _visit_summary(self) -> str:
        text = (f"走访任务：选中 {self.selected} 家，{self.created} 家新建走访计划 "
                f"{self.plans} 项，已通知 {self.notified} 名包联干部")
        if self.already_planned:
            text += f"，{self.already_planned} 项已有未完成的走访计划，未重复"
        if self.skipped:
            text += f"，{self.skipped} 家此前已生成走访任务，未重复"
        if self.unassigned:
            text += f"；{self.unassigned} 家无包联干部，未生成"
        return text + "。"


def act(session: Session, actor: Actor, clock: Clock, item: Item, kind: str,
        rows: Sequence[TargetRow], *, note: Mapping[str, Any] | None = None,
        tier: str = "", official: str = "", planned_on: date | None = None) -> ActionReport:
    """`tier` / `official` (the list's filters) narrow whose visit tasks are made."""
    if kind not in KINDS:
        raise ValidationFailed(f"未知的操作：{kind}")
    if kind == FACTS:
        rows = [r for r in rows if r.missing]
    if not rows:
        raise ValidationFailed("没有可操作的企业：请先选择分组或筛选条件。")
    if kind == VISIT:
        return _visits(session, actor, clock, item, rows, note=note, tier=tier,
                       official=official, planned_on=planned_on)
    now = clock.now()
    new = repo.insert_once(session, [{
        "kind": kind, "item_id": item.id, "enterprise_id": r.enterprise_id,
        "enterprise_uscc": r.uscc, "segment": r.segment,
        "missing": ";".join(r.missing) if kind == FACTS else None,
        "assignee_id": None,
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


def _visits(session: Session, actor: Actor, clock: Clock, item: Item,
            rows: Sequence[TargetRow], *, note: Mapping[str, Any] | None, tier: str,
            official: str, planned_on: date | None) -> ActionReport:
    """Visit plans for the rows' officials as assigned now (a list read earlier may be older),
    at `tier` (and only `official`) when the list was filtered so."""
    now, day = clock.now(), planned_on or clock.today_local() + timedelta(days=VISIT_DAYS)
    if day < clock.today_local():  # refused before anything is recorded
        raise ValidationFailed("计划走访日期应为今天或以后。",
                               details={"planned_on": "请填写今天或以后的日期"})
    assigned = liaison.assigned_officials(session)
    whose: dict[str, list[int]] = {}
    for r in rows:
        whose[r.uscc] = sorted({u for u, t in assigned.get(r.uscc, ())
                                if (not tier or str(t) == tier)
                                and (not official or str(u) == official)})
    served = [r for r in rows if whose[r.uscc]]
    new = repo.insert_once(session, [{
        "kind": VISIT, "item_id": item.id, "enterprise_id": r.enterprise_id,
        "enterprise_uscc": r.uscc, "segment": r.segment, "missing": None,
        "assignee_id": whose[r.uscc][0], "notified": 0, "status": "open", "created_at": now,
        "created_by": actor.username} for r in served]) if served else {}
    fresh = [r for r in served if r.enterprise_id in new]
    by_segment: dict[str, list[tuple[int, str]]] = {}
    for r in fresh:
        by_segment.setdefault(r.segment, []).extend((u, r.uscc) for u in whose[r.uscc])
    created: list[tuple[int, str]] = []
    already = 0
    for segment, pairs in by_segment.items():
        done = liaison.plan_visits(session, actor, clock, pairs, planned_on=day,
                                   note=f"政策精准推送：宣讲“{item.title}”，{SEGMENTS[segment]}",
                                   source=f"insights:{item.id}")
        created += done.created
        already += len(done.already)
    per_enterprise: dict[str, int] = {}
    for _, uscc in created:
        per_enterprise[uscc] = per_enterprise.get(uscc, 0) + 1
    repo.set_notified(session, {new[r.enterprise_id]: per_enterprise[r.uscc] for r in fresh
                                if per_enterprise.get(r.uscc)})
    report = ActionReport(VISIT, len(rows), len(new), len(served) - len(new),
                          len({u for u, _ in created}), 0, len(created), already,
                          len(rows) - len(served))
    audit.record(session, actor, "insights.visit", ("policy_item", item.id), after={
        "item_id": item.id, "selected": report.selected, "created": report.created,
        "skipped": report.skipped, "plans": report.plans, "unassigned": report.unassigned,
        "planned_on": day.isoformat(), **(note or {})}, at=now)
    return report


def _notify(session: Session, kind: str, item: Item, rows: Sequence[TargetRow],
            new: Mapping[int, int]) -> dict[int, int]:
    """Notify each new action's people, grouped by message; enterprise id → accounts notified."""
    done: dict[int, int] = {r.enterprise_id: 0 for r in rows}
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
