"""抽查计划: create (ratios checked), commit (snapshot + quotas + beacon published before the
randomness exists), draw (two officials enter the beacon value; draw.run expands it) and replay."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import Conflict, ValidationFailed
from huiqi.models.supervision import Inspection, Plan
from huiqi.models.user import Role
from huiqi.notify.service import notify
from huiqi.supervision import access, beacon, calendar, draw, quotas, scope, staffing
from huiqi.supervision import repository as repo
from huiqi.supervision.vocab import FIELDS, GENERAL_FIELD, PlanStatus


class BeaconMismatch(Conflict):
    """The second entry differs: the first is cleared and the refusal audited (kept)."""

    keeps_flushed = True


@dataclass(frozen=True)
class PlanIn:
    title: str
    department_ids: list[int]
    item_ids: list[int]
    field: str
    period_start: date
    period_end: date
    ratios: dict[str, str]  # grade → percent, as typed
    risk_ratios: dict[str, str]
    team_size: int = 2
    quiet_exception: str | None = None
    quiet_reason: str | None = None


def parse_ratios(raw: dict[str, str], keys: tuple[str, ...], what: str) -> dict[str, str]:
    out = {}
    for key, text in raw.items():
        if key not in keys:
            raise ValidationFailed(f"{what}“{key}”不在 {'、'.join(keys)} 之内。")
        if str(text).strip() == "":
            continue
        try:
            value = Decimal(str(text).strip().rstrip("%"))
        except InvalidOperation as exc:
            raise ValidationFailed(f"{what} {key} 的比例“{text}”不是数字。") from exc
        if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
            raise ValidationFailed(f"{what} {key} 的抽查比例 {text}% 超出 0–100% 的范围。")
        out[key] = format(value.normalize(), "f") if value != 0 else "0"  # 10, not 1E+1
    return out


def create(session: Session, actor: Actor, clock: Clock, data: PlanIn) -> Plan:
    if actor.role not in (Role.OFFICE, Role.SUPERVISOR):
        raise ValidationFailed("只有营商办或部门监管负责人可以制定抽查计划。")
    depts = sorted(set(data.department_ids))
    if not depts or not all(access.may_manage_department(actor, d) for d in depts):
        raise ValidationFailed("请选择本部门（联合抽查由营商办制定）。")
    items = repo.items(session, ids=data.item_ids)
    if not items or len(items) != len(set(data.item_ids)):
        raise ValidationFailed("请至少选择一项抽查事项。")
    if any(not i.active for i in items):
        raise ValidationFailed("所选抽查事项中有已停用的事项。")
    if any(i.department_id not in depts for i in items):
        raise ValidationFailed("所选抽查事项须属于参加计划的部门。")
    if data.field not in FIELDS:
        raise ValidationFailed("监管领域不在清单内。")
    if data.period_end < data.period_start:
        raise ValidationFailed("计划结束日期不能早于开始日期。")
    ratios = parse_ratios(data.ratios, quotas.GRADES, "信用等级")
    if set(ratios) != set(quotas.GRADES):
        raise ValidationFailed("请为 A、B、C、D 和未评级企业各填写抽查比例（0–100%）。")
    risk = parse_ratios(data.risk_ratios, quotas.RISKS, "风险等级")
    if not 2 <= data.team_size <= 6 or data.team_size < len(depts):
        raise ValidationFailed("每组执法人员 2–6 人，且不少于参加部门数（进一次门、查多项事）。")
    cal = calendar.current(session)
    calendar.check_exception(None, cal, data.quiet_exception, data.quiet_reason)
    if not calendar.allowed_days(session, data.period_start, data.period_end, cal,
                                 data.quiet_exception):
        raise ValidationFailed(f"计划期间没有安静期（{cal.text}）以外的工作日；请调整期间，"
                               "或选择例外情形并填写理由。")
    plan = Plan(title=data.title.strip() or "随机抽查计划", department_ids=depts,
                item_ids=sorted(i.id for i in items), field=data.field,
                period_start=data.period_start, period_end=data.period_end, ratios=ratios,
                risk_ratios=risk, team_size=data.team_size,
                quiet_exception=data.quiet_exception or None,
                quiet_reason=(data.quiet_reason or "").strip() or None,
                status=PlanStatus.DRAFT, created_by=actor.user_id, created_at=clock.now())
    session.add(plan)
    audit.record(session, actor, "supervision.plan_create", plan, after=audit.snapshot(
        plan, "title", "department_ids", "item_ids", "ratios", "risk_ratios",
        "quiet_exception", "quiet_reason"))
    return plan


@dataclass(frozen=True)
class Snapshot:
    units: list[quotas.Unit]
    officers: list[draw.Officer]
    unknowns: list[str]
    rule_version: str
    required: dict[int, frozenset[str]]  # department → 执法领域 of its items in the plan


def snapshot(session: Session, plan: Plan) -> Snapshot:
    items = repo.items(session, ids=plan.item_ids)
    compiled = [scope.compile_scope(i.applies) for i in items]
    dialect = session.get_bind().dialect.name
    found = scope.scope_of(repo.scope_flags(
        session, scope.scope_sql(compiled, plan.period_start, dialect)))
    grades = repo.grades_as_of(session, plan.field, plan.period_start)
    grace = repo.in_grace(session, plan.period_start, plan.period_end)
    done = repo.inspections_in_year(session, plan.period_start.year)
    teams = repo.last_teams(session)
    units = [quotas.Unit(u, *grades.get(u, ("N", "-")), done.get(u, 0), teams.get(u, ()),
                         u in grace) for u in found.inside]
    officers = [draw.Officer(o.id, o.department_id, o.cert_valid_until if o.active else None,
                             frozenset(o.related_usccs), frozenset(o.fields or ()))
                for o in repo.officers(session, plan.department_ids)]
    required: dict[int, set[str]] = {d: set() for d in plan.department_ids}
    for item in items:
        if item.field != GENERAL_FIELD:  # 综合: any certified officer of the department
            required.setdefault(item.department_id, set()).add(item.field)
    return Snapshot(units, officers, found.unknown,
                    scope.rule_version(i.applies for i in items),
                    {d: frozenset(f) for d, f in required.items()})


def commit(session: Session, actor: Actor, clock: Clock, plan_id: int, kind: str, ref: str,
           due: datetime | None = None) -> Plan:
    plan = access.plan_for(session, actor, plan_id, for_update=True)
    if plan.status != PlanStatus.DRAFT:
        raise Conflict("该计划的承诺已经公布，不能修改。")
    chosen = beacon.make(kind, ref, due)
    if repo.beacon_used(session, chosen.ref, None, plan.id):
        raise Conflict("该随机数来源已被其他计划使用：每个计划须使用新的公开随机数。")
    beacon.require_future(chosen, clock.now())
    snap = snapshot(session, plan)
    cal = calendar.current(session)
    spec = draw.Spec({k: Decimal(v) for k, v in plan.ratios.items()},
                     {k: Decimal(v) for k, v in plan.risk_ratios.items()}, cal.year_limit,
                     tuple(plan.department_ids), plan.team_size, tuple(calendar.allowed_days(
                         session, plan.period_start, plan.period_end, cal, plan.quiet_exception)),
                     snap.required)
    _check_staff(session, snap, spec)
    found = quotas.strata(snap.units, spec.ratios, spec.risk_ratios, spec.year_limit)
    relax = quotas.relaxation(snap.units, found, spec.ratios, spec.risk_ratios, spec.year_limit)
    if relax is not None:
        raise Conflict(relax.text(spec.year_limit), details={
            "shortfall": relax.shortfall, "lowered": {k: str(v) for k, v in relax.lowered.items()},
            "year_limit": relax.year_limit})
    population, officers = draw.population_text(snap.units), draw.officers_text(snap.officers)
    data: dict[str, Any] = {
        "format": draw.FORMAT, "plan": {"id": plan.id, "title": plan.title},
        "rule_version": snap.rule_version, "rounding": quotas.ROUNDING_RULE,
        "population_sha256": draw.sha256_text(population), "population_count": len(snap.units),
        "officers_sha256": draw.sha256_text(officers), "officers_count": len(snap.officers),
        "unknowns": sorted(snap.unknowns), "ratios": plan.ratios,
        "risk_ratios": plan.risk_ratios, "year_limit": spec.year_limit,
        "departments": list(spec.departments), "team_size": spec.team_size,
        "days": [d.isoformat() for d in spec.days], "quotas": {s.key: s.quota for s in found},
        "fields": {str(d): sorted(f) for d, f in sorted(snap.required.items())},
        "beacon": chosen.public()}
    text = draw.canonical_json(data)
    plan.commitment, plan.commitment_sha256 = text, draw.sha256_text(text)
    plan.population, plan.officers, plan.unknowns = population, officers, sorted(snap.unknowns)
    plan.beacon_kind, plan.beacon_ref, plan.beacon_due = chosen.kind, chosen.ref, chosen.due
    plan.status, plan.committed_at = PlanStatus.COMMITTED, clock.now()
    audit.record(session, actor, "supervision.plan_commit", plan, after={
        "commitment_sha256": plan.commitment_sha256, "beacon": chosen.ref,
        "quotas": data["quotas"], "unknowns": len(snap.unknowns)})
    return plan


def _check_staff(session: Session, snap: Snapshot, spec: draw.Spec) -> None:
    """Refused, with the smallest relaxation, when some inspection could not be staffed."""
    found = staffing.shortage(snap.units, snap.officers, spec)
    if found is not None:
        names = {d.id: d.name for d in repo.departments(session)}
        raise Conflict(found.text(spec, names, FIELDS), details=found.details())


def enter_beacon(session: Session, actor: Actor, clock: Clock, plan_id: int,
                 value: str) -> Plan:
    plan = access.plan_for(session, actor, plan_id, for_update=True)
    if plan.status != PlanStatus.COMMITTED or plan.beacon_kind is None:
        raise Conflict("只有已公布承诺、尚未抽取的计划可以录入随机数。")
    if plan.beacon_due is not None and clock.now() < plan.beacon_due:
        raise Conflict(f"公开随机数尚未产生（{plan.beacon_due:%Y-%m-%d %H:%M} UTC 之后才能录入）。")
    value = beacon.normalise(plan.beacon_kind, value, plan.beacon_ref or "")
    if plan.beacon_first_value is None:
        plan.beacon_first_value, plan.beacon_first_by = value, actor.user_id
        audit.record(session, actor, "supervision.beacon_first", plan, after={"value": value})
        return plan
    if plan.beacon_first_by == actor.user_id:
        raise Conflict("随机数须由另一名工作人员复核录入。")
    if plan.beacon_first_value != value:
        plan.beacon_first_value = plan.beacon_first_by = None
        audit.record(session, actor, "supervision.beacon_mismatch", plan)
        session.flush()
        raise BeaconMismatch("两次录入的随机数不一致，已清除，请核对公开来源后重新录入。")
    if repo.beacon_used(session, None, value, plan.id):
        raise Conflict("该随机数已被其他计划使用：每个计划须使用新的公开随机数。")
    plan.beacon_value, plan.beacon_second_by = value, actor.user_id
    return _draw(session, actor, clock, plan)


def _draw(session: Session, actor: Actor, clock: Clock, plan: Plan) -> Plan:
    result = draw.run(load_commitment(plan), plan.population or "", plan.officers or "",
                      plan.beacon_value or "")
    names = repo.enterprise_names(session, (p.uscc for p in result.picks))
    cal = calendar.current(session)
    for pick in result.picks:
        quiet = cal.is_quiet(pick.day)
        session.add(Inspection(
            plan_id=plan.id, uscc=pick.uscc, enterprise_name=names.get(pick.uscc, pick.uscc),
            stratum=pick.stratum, day=pick.day, officer_ids=list(pick.officers),
            quiet_exception=plan.quiet_exception if quiet else None,
            quiet_reason=plan.quiet_reason if quiet else None, status="scheduled"))
    plan.result_sha256, plan.drawn_at, plan.status = result.sha256, clock.now(), PlanStatus.DRAWN
    audit.record(session, actor, "supervision.plan_draw", plan, after={
        "beacon_value": plan.beacon_value, "result_sha256": result.sha256,
        "inspections": len(result.picks)})
    officers = {o for p in result.picks for o in p.officers}
    notify(session, repo.user_ids_of_officers(session, officers), "双随机抽查任务已下达",
           f"“{plan.title}”已抽取，请在“我的检查任务”中查看检查对象和日期。",
           "/supervision/inspections")
    session.flush()
    return plan


def load_commitment(plan: Plan) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(plan.commitment or "{}")
    return data


@dataclass(frozen=True)
class Replay:
    result: draw.DrawResult
    published_sha256: str | None

    @property
    def identical(self) -> bool:
        return self.result.sha256 == self.published_sha256


def replay(plan: Plan) -> Replay:
    if plan.status != PlanStatus.DRAWN:
        raise Conflict("该计划尚未抽取，无可复现的结果。")
    result = draw.run(load_commitment(plan), plan.population or "", plan.officers or "",
                      plan.beacon_value or "")
    return Replay(result, plan.result_sha256)
