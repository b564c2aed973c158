"""One enterprise's amount, to the fen, from the policy file to every place it is shown or
stored: the reference evaluator and its explanation, the stored match result, the 政策礼包 page
and API (entry and total), the application, the approval and its notification, the payout
batch, its Excel file and the paid notification (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from huiqi.grants import applications as apps
from huiqi.grants import payouts, review
from huiqi.grants.applications import BankInfo
from huiqi.models.match_result import MatchResult
from huiqi.models.notification import Notification
from huiqi.registry import service as registry
from huiqi.registry.catalog import load_catalog
from huiqi.rules import evaluate, explain, load_policy_files
from tests.grants.conftest import POLICY, START, World, upload

RENT = "11062.46"  # × 3 months = 33,187.38 元: the fen must survive everywhere
FEN = Decimal("33187.38")


def test_one_amount_is_the_same_fen_everywhere(world: World, web: object) -> None:
    ent = world.enterprise(7, monthly_rent=RENT)
    world.actors["ent_fen"] = ent
    item = load_policy_files([POLICY], load_catalog()).item("testville.rent")
    with world.tx() as s:
        facts = registry.get_facts(s, registry.require_by_uscc(s, ent.enterprise_uscc))
    profile = {"region": "500105", "rents_state_property": True, "monthly_rent": RENT}
    assert evaluate(item, {**facts, **profile}, START.date()).amount == FEN
    assert any("33,187.38" in line for line in
               explain(item, profile, START.date(), load_catalog()).lines)

    pack = web.api("ent_fen").get("/api/v1/gift-pack").json()  # type: ignore[attr-defined]
    entry = next(e for e in pack["eligible"] if e["item_id"] == "testville.rent")
    assert Decimal(entry["amount"]) == FEN and entry["amount_note"] is None
    assert Decimal(pack["total"]) == sum(Decimal(e["amount"]) for e in pack["eligible"])
    with world.tx() as s:
        stored = s.scalars(select(MatchResult.amount).where(
            MatchResult.item_id == "testville.rent",
            MatchResult.enterprise_id == registry.require_by_uscc(
                s, ent.enterprise_uscc).id)).one()
    assert stored == FEN
    html = web.page("ent_fen").get("/gift-pack").text  # type: ignore[attr-defined]
    assert "测算 33,187.38元" in html

    bank = BankInfo("重庆农村商业银行江北支行", "测试企业7有限公司", "6228480012345678")
    app = world.do(apps.submit, ent, item_id="testville.rent", bank=bank,
                   files=[upload("房屋租赁合同"), upload("营业执照")])
    assert app.estimated_amount == FEN
    world.do(review.approve, world.dept, app.id)
    assert world.do(apps.get, ent, app.id).approved_amount == FEN
    batch = world.do(payouts.create_batch, world.office)
    assert batch.total == FEN
    rows = [tuple(r) for r in load_workbook(BytesIO(world.do(
        payouts.export, world.office, batch.id))).active.iter_rows(values_only=True)]
    assert any(Decimal(str(v)) == FEN for r in rows for v in r
               if isinstance(v, int | float | Decimal)), rows
    world.do(payouts.mark_paid, world.office2, batch.id, "回单20250603009")
    with world.tx() as s:
        bodies = list(s.scalars(select(Notification.body).where(
            Notification.user_id == ent.user_id)))
    assert sum("33187.38" in b for b in bodies) == 2, bodies  # approved, then paid
