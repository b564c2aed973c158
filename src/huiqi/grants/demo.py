"""Demo money for `huiqi demo-up`: applications of eligible demo enterprises, through the real
flow (submit → approve → payout batch → paid), so the office dashboard's money tiles (申报测算,
已批准, 待兑现, 已兑现, budget use) and the ledgers they link to agree and are not empty.

Per chosen item, eligible enterprises first, then those unknown only for facts an applicant
fills in (the application supplies them): one application stays submitted (待审核), one is
rejected, the rest are approved (the budget ledger reserves and spends through
the same calls a department makes); half of the approved go into one payout batch, exported and
marked paid by a second office hand. Items under 财政复核 or a second approval are left at that
step (their own states). Runs once (skipped when any application exists); deterministic."""

from __future__ import annotations

from datetime import date

from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.grants import applications as apps
from huiqi.grants import payouts, review
from huiqi.grants.applications import BankInfo
from huiqi.grants.repositories import demo as demo_repo
from huiqi.kit.clock import Clock
from huiqi.kit.db import unit_of_work
from huiqi.kit.errors import HuiqiError
from huiqi.kit.settings import policy_date
from huiqi.matching import service as matching
from huiqi.models.application import Application
from huiqi.models.user import Role
from huiqi.policies import service as policies
from huiqi.registry.service import load_catalog

DEMO_REGION = "420802"  # 东宝区: demo-enterprise is its most eligible (cli.demo_steps)
ITEMS = 4  # items with applications
PER_ITEM = 6  # applications per item: 4 approved (some may wait for a second step), 1
#               rejected, 1 left submitted


def seed_grants(engine: Engine, console: Console) -> dict[str, str] | None:
    clock, as_of = Clock(), policy_date()
    with unit_of_work(engine) as db:
        if demo_repo.has_applications(db):
            console.print("政策资金演示数据已存在")
            return None
        approved = _applications(db, clock, as_of)
        paid, total = _payout(db, clock, approved)
    console.print(f"政策资金：{len(approved)} 笔批准，其中 {paid} 笔已兑付（{total} 元）")
    return None


def _departments(db: Session) -> dict[str, int]:
    return demo_repo.department_ids(db)


# What an applicant fills in for a fact the registry lacks (numbers chosen inside the seed
# items' bounds); an application whose facts still leave it ineligible is not made.
FILLED = {"bool": "true", "money": "500000", "integer": "0", "decimal": "1"}


def _candidates(db: Session, as_of: date) -> list[tuple[str, list[tuple[str, dict[str, str]]]]]:
    """Per in-force item a department reviews: its eligible enterprises, then those unknown
    only for facts an applicant supplies (with the facts they fill in)."""
    departments, catalog = _departments(db), load_catalog()
    # The enterprises with demo logins come last (used only when an item has too few others),
    # so their 礼包 still offers 申报 to the person trying the demo.
    with_login = set(demo_repo.enterprises_with_accounts(db))
    with_login.add(matching.most_eligible_uscc(db, DEMO_REGION) or "")
    out = []
    for iv in policies.published_items(db):
        item = iv.item
        if item.auto_grant or not item.in_force(as_of) or item.department not in departments:
            continue
        rows = demo_repo.candidates(db, item.id)
        found = []
        for uscc, missing in sorted(rows, key=lambda r: r[0] in with_login):
            fields = [f for f in (missing or "").split(";") if f]
            types = [catalog[f].type.value if f in catalog else "" for f in fields]
            if all(t in FILLED for t in types):
                found.append((uscc, {f: FILLED[t] for f, t in zip(fields, types, strict=True)}))
        if len(found) >= 3:
            out.append((item.id, found))
    return sorted(out, key=lambda c: (-len(c[1]), c[0]))


def _applications(db: Session, clock: Clock, as_of: date) -> list[Application]:
    """Per item, by position: approved, approved, rejected, left submitted, approved, …"""
    departments = _departments(db)
    approved: list[Application] = []
    for item_id, found in _candidates(db, as_of)[:ITEMS]:
        dept_name = policies.get_item(db, item_id).item.department
        reviewer = Actor(None, "demo-up", "演示部门审核", Role.DEPARTMENT,
                         department_id=departments[dept_name], via="cli")
        done = 0
        for k, (uscc, facts) in enumerate(found):
            if done == PER_ITEM:
                break
            ent = Actor(None, "demo-up", "演示企业经办", Role.ENTERPRISE, enterprise_uscc=uscc,
                        via="cli")
            try:
                with db.begin_nested():
                    app = apps.submit(db, ent, item_id=item_id, facts=facts, clock=clock,
                                      bank=BankInfo("湖北荆门农村商业银行东宝支行", None,
                                                    f"62284800{k:011d}"))
                    if done == 2:
                        review.reject(db, reviewer, app.id, "演示：经核查不符合申报条件。",
                                      clock=clock)
                    elif done != 3:
                        review.approve(db, reviewer, app.id, clock=clock)
            except HuiqiError:
                continue  # still ineligible, an exclusion or a cap: the next enterprise
            done += 1
            if app.status == "approved":
                approved.append(app)
    return approved


def _payout(db: Session, clock: Clock, approved: list[Application]) -> tuple[int, object]:
    """Half of the approved grants paid in one batch: made and exported by one office hand,
    marked paid by another (审批与复核分离)."""
    chosen = approved[::2]
    if not chosen:
        return 0, 0
    ids = demo_repo.grant_ids(db, [a.id for a in chosen])
    maker = Actor(None, "demo-up", "演示营商办（制单）", Role.OFFICE, via="cli")
    checker = Actor(None, "demo-up-2", "演示营商办（复核）", Role.OFFICE, via="cli")
    batch = payouts.create_batch(db, maker, grant_ids=ids, note="演示兑付批次", clock=clock)
    payouts.export(db, maker, batch.id, clock=clock)
    result = payouts.mark_paid(db, checker, batch.id, "演示回单0001", clock=clock)
    return result.newly_paid, batch.total
