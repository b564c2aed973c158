"""The supervision domain's public face for other domains and the CLI: plans, draws, replay,
inspections and the public 公示. Pages and endpoints of this domain use its modules directly."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound
from huiqi.models.supervision import Inspection, Plan
from huiqi.supervision import access, catalogs, credit, plans
from huiqi.supervision import repository as repo
from huiqi.supervision.plans import Replay, commit, create, enter_beacon
from huiqi.supervision.results import coverage, publish_due, record
from huiqi.supervision.sheets import ImportReport, RowError
from huiqi.supervision.vocab import QUIET_EXCEPTIONS, Outcome, PlanStatus

# Codes this domain writes into audit rows, in words (huiqi.audit.labels shows them).
VALUE_LABELS: dict[str, str] = {
    **QUIET_EXCEPTIONS, **{o.value: o.label for o in Outcome},
    **{p.value: p.label for p in PlanStatus}, "scheduled": "待检查", "recorded": "已记录",
    "pending": "待复查", "done": "已整改",
}
FIELD_LABELS: dict[str, str] = {
    "commitment_sha256": "承诺 SHA-256", "beacon": "公开随机数来源", "beacon_value": "公开随机数",
    "quotas": "配额", "unknowns": "条件不确定的企业数", "result_sha256": "结果 SHA-256",
    "inspections": "检查数", "department_ids": "部门", "ratios": "抽查比例",
    "risk_ratios": "风险抽查比例", "quiet_exception": "安静期例外", "quiet_reason": "例外理由",
    "applies": "适用企业条件", "field": "监管领域", "cert_no": "执法证号",
    "cert_valid_until": "执法证有效期", "related_usccs": "回避企业", "outcome": "检查结果",
    "findings": "发现问题", "exemption_id": "包容免罚事项", "rectify_by": "整改期限",
    "publish_due": "公示期限", "published_at": "公示时间", "rectify_status": "整改状态",
    "follow_up": "整改复查", "uscc": "统一社会信用代码", "effective_from": "生效日期",
    "detail": "说明", "grade": "信用等级", "starts_on": "开始日期", "ends_on": "结束日期",
    "imported": "导入行数", "errors": "问题行", "quiet_from": "安静期起始日",
    "quiet_to": "安静期结束日", "year_limit": "每年受检上限", "value": "录入值", "day": "检查日期",
    "row": "行号", "item": "事项",
}

__all__ = [
    "FIELD_LABELS",
    "IMPORTS",
    "VALUE_LABELS",
    "ImportReport",
    "Replay",
    "RowError",
    "commit",
    "coverage",
    "create",
    "enter_beacon",
    "get_plan",
    "import_catalog",
    "inspections_of_enterprise",
    "public_plans",
    "publish_due",
    "published_results",
    "record",
    "replay_plan",
    "visible_inspections",
]


# What `import_catalog` reads: kind → (name, the columns it needs).
IMPORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "items": ("抽查事项清单", catalogs.ITEM_COLUMNS[:6]),
    "officers": ("执法人员名录库", catalogs.OFFICER_COLUMNS),
    "exemptions": ("包容免罚清单", catalogs.EXEMPTION_COLUMNS),
    "grades": ("企业信用等级", credit.COLUMNS),
}


def import_catalog(session: Session, actor: Actor, clock: Clock, kind: str, data: bytes,
                   filename: str) -> ImportReport:
    """Import a catalog from .xlsx/.csv: each bad row reported (row, message, code), the rest
    imported. A file that cannot be read at all raises ValidationFailed."""
    if kind == "items":
        return catalogs.import_items(session, actor, clock, data, filename)
    if kind == "officers":
        return catalogs.import_officers(session, actor, clock, data, filename)
    if kind == "exemptions":
        return catalogs.import_exemptions(session, actor, data, filename)
    if kind == "grades":
        return credit.import_grades(session, actor, clock, data, filename)
    raise NotFound(f"没有“{kind}”这种清单。")


def get_plan(session: Session, plan_id: int) -> Plan:
    plan = repo.plan(session, plan_id)
    if plan is None:
        raise NotFound(f"抽查计划 {plan_id} 不存在。")
    return plan


def replay_plan(session: Session, plan_id: int) -> Replay:
    return plans.replay(get_plan(session, plan_id))


def public_plans(session: Session) -> list[Plan]:
    """Plans whose commitment is published (drafts are not public)."""
    return [p for p in repo.plans(session) if p.commitment_sha256]


def visible_inspections(session: Session, actor: Actor) -> list[Inspection]:
    return access.visible_inspections(session, actor)


def inspections_of_enterprise(session: Session, uscc: str) -> list[Inspection]:
    return repo.inspections(session, uscc=uscc)


def published_results(session: Session) -> list[Inspection]:
    return repo.inspections(session, published=True)

