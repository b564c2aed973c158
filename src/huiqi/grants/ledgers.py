"""台账: applications, grants, payouts, budget — the same filtered query for the page and the
Excel file, always narrowed to what the caller may see; the file states the filters applied."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, or_
from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.grants import access
from huiqi.grants.budget import BudgetView
from huiqi.grants.repositories import money as money_repo
from huiqi.grants.states import Status
from huiqi.kit import excel
from huiqi.kit.clock import Clock, local_day_bounds
from huiqi.kit.errors import ValidationFailed
from huiqi.models.application import Application
from huiqi.models.grant import Grant
from huiqi.models.payout import PayoutBatch
from huiqi.models.payout_line import PayoutLine
from huiqi.models.user import Role
from huiqi.policies import service as policies

LABELS = {"status": "状态", "item_id": "政策事项", "department": "主管部门", "year": "年度",
          "enterprise": "企业", "source": "来源", "date_from": "起始日期", "date_to": "截止日期"}
GRANT_STATUS = {"approved": "已批准·待兑现", "paid": "已兑现"}
SOURCE = {"apply": "企业申报", "auto": "免申即享"}
STATUS_TEXT = {**{s.value: s.label for s in Status}, **GRANT_STATUS}
SYSTEM_CLOCK = Clock()


@dataclass(frozen=True)
class LedgerFilter:
    status: str | None = None
    item_id: str | None = None
    department: str | None = None
    year: int | None = None
    enterprise: str | None = None  # USCC or part of the name
    source: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def shown(self) -> list[tuple[str, str]]:
        out = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value not in (None, ""):
                label = STATUS_TEXT.get(value, value) if f.name == "status" else value
                out.append((LABELS[f.name], str(label)))
        return out


def _common(stmt: Select[Any], model: Any, flt: LedgerFilter, at_col: Any) -> Select[Any]:
    if flt.item_id:
        stmt = stmt.where(model.item_id == flt.item_id)
    if flt.department:
        stmt = stmt.where(model.department == flt.department)
    if flt.year:
        stmt = stmt.where(model.year == flt.year)
    if flt.source:
        stmt = stmt.where(model.source == flt.source)
    if flt.enterprise:
        text = flt.enterprise.strip()
        stmt = stmt.where(or_(model.enterprise_uscc == text.upper(),
                              model.enterprise_name.contains(text, autoescape=True)))
    if flt.date_from:
        stmt = stmt.where(at_col >= local_day_bounds(flt.date_from)[0])
    if flt.date_to:
        stmt = stmt.where(at_col < local_day_bounds(flt.date_to)[1])
    return stmt


def applications_query(session: Session, actor: Actor, flt: LedgerFilter) -> Select[Any]:
    stmt = access.visible_applications(session, actor)
    if flt.status:
        stmt = stmt.where(Application.status == flt.status)
    stmt = _common(stmt, Application, flt, Application.submitted_at)
    return stmt.order_by(Application.submitted_at.desc(), Application.id.desc())


def grants_query(session: Session, actor: Actor, flt: LedgerFilter) -> Select[Any]:
    stmt = access.visible_grants(session, actor)
    if flt.status:
        stmt = stmt.where(Grant.status == flt.status)
    stmt = _common(stmt, Grant, flt, Grant.approved_at)
    return stmt.order_by(Grant.approved_at.desc(), Grant.id.desc())


def payouts_query(session: Session, actor: Actor, flt: LedgerFilter) -> Select[Any]:
    if actor.role not in access.STAFF_READ:
        raise access.NotFound("页面不存在，或您没有访问权限。")
    stmt = money_repo.payout_lines()
    if flt.status:
        stmt = stmt.where(PayoutBatch.status == flt.status)
    stmt = _common(stmt, Grant, flt, PayoutBatch.created_at)
    return stmt.order_by(PayoutBatch.id.desc(), PayoutLine.id)


def budget_views(session: Session, actor: Actor, flt: LedgerFilter) -> list[tuple[str, BudgetView]]:
    """(item title, view) for every item-year with an account, plus in-force items of the year
    that have none yet (nothing used); a department sees its own items."""
    if actor.role is Role.ENTERPRISE or actor.role is None:
        raise access.NotFound("页面不存在，或您没有访问权限。")
    sc = access.scope(session, actor)
    year = flt.year or SYSTEM_CLOCK.today_local().year
    accounts = money_repo.budget_accounts(session, year)
    out = []
    for iv in sorted(policies.published_items(session), key=lambda v: v.item.id):
        item = iv.item
        if flt.item_id and item.id != flt.item_id:
            continue
        if flt.department and item.department != flt.department:
            continue
        if actor.role is Role.DEPARTMENT and item.department not in sc.departments:
            continue
        acct = accounts.get(item.id)
        if acct is None and not item.in_force(date(year, 12, 31)) and \
                not item.in_force(date(year, 1, 1)):
            continue
        view = BudgetView(item.id, year, acct.total if acct else item.budget_per_year,
                          acct.reserved if acct else Decimal("0.00"),
                          acct.committed if acct else Decimal("0.00"))
        out.append((item.title, view))
    return out


def export_applications(session: Session, actor: Actor, flt: LedgerFilter) -> bytes:
    rows = money_repo.ledger_objects(session, applications_query(session, actor, flt))
    return excel.ledger_bytes("政策申报台账", flt.shown(), [
        "申报编号", "来源", "企业名称", "统一社会信用代码", "政策事项", "主管部门", "年度", "状态",
        "测算金额（元）", "批准金额（元）", "调减/驳回理由", "提交时间", "办结时间"], (
        (a.id, SOURCE.get(a.source, a.source), a.enterprise_name, a.enterprise_uscc, a.item_title,
         a.department, a.year, Status(a.status).label, a.estimated_amount, a.approved_amount,
         a.amount_reason or a.decision_reason or "", a.submitted_at, a.decided_at)
        for a in rows), sheet="申报台账")


def export_grants(session: Session, actor: Actor, flt: LedgerFilter) -> bytes:
    rows = money_repo.ledger_objects(session, grants_query(session, actor, flt))
    return excel.ledger_bytes("政策兑现台账", flt.shown(), [
        "兑现编号", "来源", "企业名称", "统一社会信用代码", "政策事项", "主管部门", "年度",
        "金额（元）", "状态", "批准时间", "兑付时间"], (
        (g.id, SOURCE.get(g.source, g.source), g.enterprise_name, g.enterprise_uscc, g.item_title,
         g.department, g.year, g.amount, GRANT_STATUS.get(g.status, g.status), g.approved_at,
         g.paid_at) for g in rows), sheet="兑现台账")


def export_payouts(session: Session, actor: Actor, flt: LedgerFilter) -> bytes:
    from huiqi.grants.payouts import BATCH_LABELS

    rows = money_repo.ledger_rows(session, payouts_query(session, actor, flt))
    return excel.ledger_bytes("兑付台账", flt.shown(), [
        "批次号", "批次状态", "业务编号", "企业名称", "统一社会信用代码", "政策事项", "金额（元）",
        "明细状态", "导出时间", "兑付时间", "银行回单号"], (
        (b.reference, BATCH_LABELS.get(b.status, b.status), line.idempotency_key,
         g.enterprise_name, g.enterprise_uscc, g.item_title, line.amount,
         "已兑付" if line.status == "paid" else "待兑付", b.exported_at, line.paid_at,
         b.bank_reference or "") for line, b, g in rows), sheet="兑付台账")


def export_budget(session: Session, actor: Actor, flt: LedgerFilter) -> bytes:
    views = budget_views(session, actor, flt)
    return excel.ledger_bytes("预算台账", flt.shown(), [
        "政策事项编号", "政策事项", "年度", "年度预算（元）", "已预留（元）", "已批准（元）",
        "剩余（元）"], (
        (v.item_id, title, v.year, v.total if v.total is not None else "不限额", v.reserved,
         v.committed, v.remaining if v.remaining is not None else "不限额")
        for title, v in views), sheet="预算台账")


def parse_year(value: str | None) -> int | None:
    if not value:
        return None
    if not re.fullmatch(r"[0-9]{4}", value) or not 2000 <= int(value) <= 2100:
        raise ValidationFailed("年度应为四位数字（半角），例如 2025。")
    return int(value)
