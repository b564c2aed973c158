"""Payout batches: idempotent, exported for the bank, paid → 已兑现; the whole closed loop."""

from __future__ import annotations

import threading
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from huiqi.grants import applications as apps
from huiqi.grants import evaluations, payouts, review
from huiqi.grants.applications import BankInfo
from huiqi.kit.db import make_engine, unit_of_work
from huiqi.kit.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from huiqi.models.grant import Grant
from huiqi.models.notification import Notification
from huiqi.models.payout_line import PayoutLine
from tests.grants.conftest import World, upload


def _approved(w: World, who: str = "ent_a", bank: BankInfo | None = None) -> int:
    app = w.do(apps.submit, w.actors[who], item_id="testville.rent", bank=bank,
               files=[upload("房屋租赁合同"), upload("营业执照")])
    w.do(review.approve, w.dept, app.id)
    return app.id


def _rows(data: bytes) -> list[tuple[object, ...]]:
    ws = load_workbook(BytesIO(data)).active
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def test_full_loop_apply_gaps_upload_approve_batch_export_paid_evaluate(world: World) -> None:
    bank = BankInfo("重庆农村商业银行江北支行", "测试企业1有限公司", "6228 4800 1234 5678 9")
    app = world.do(apps.submit, world.ent_a, item_id="testville.rent", bank=bank,
                   files=[upload("房屋租赁合同")])
    world.do(review.accept_with_gaps, world.dept, app.id, ["营业执照"], workdays=3)
    world.do(apps.upload_material, world.ent_a, app.id, upload("营业执照", "执照.pdf"))
    world.do(review.approve, world.dept, app.id)
    batch = world.do(payouts.create_batch, world.office)
    assert (batch.status, batch.lines, batch.total) == ("draft", 1, Decimal("30000.00"))
    data = world.do(payouts.export, world.office, batch.id)
    rows = _rows(data)
    header = rows.index(next(r for r in rows if r[0] == "序号"))
    line = rows[header + 1]
    assert line[2:8] == ("测试企业1有限公司", world.ent_a.enterprise_uscc,
                         "重庆农村商业银行江北支行", "测试企业1有限公司", "62284800123456789",
                         30000)
    assert str(line[1]).startswith("HQG")
    paid = world.do(payouts.mark_paid, world.office2, batch.id, "回单20250603001")
    assert paid.newly_paid == 1 and paid.batch.status == "paid"
    got = world.do(apps.get, world.ent_a, app.id)
    assert got.status == "paid"
    with world.tx() as s:
        kinds = [e.kind for e in apps.timeline(s, world.ent_a, app.id)]
        titles = list(s.scalars(select(Notification.title).where(
            Notification.user_id == world.ent_a.user_id).order_by(Notification.id)))
        grant = s.scalars(select(Grant)).one()
    assert kinds == ["submit", "accept_with_gaps", "upload", "supply", "approve", "pay"]
    assert titles == ["容缺受理：请补齐材料", "申报已批准", "政策资金已兑现"]
    ev = world.do(evaluations.record, world.dept, grant.id, 92, "减免后门店保持营业，吸纳就业3人")
    assert ev.rating == "优" and ev.evaluator_label.startswith("江北区商务委员会")
    with pytest.raises(NotFound):
        world.do(evaluations.record, world.other_dept, grant.id, 80, "不是本部门")


def test_rerunning_a_batch_pays_nothing_twice(world: World) -> None:
    _approved(world, "ent_a")
    _approved(world, "ent_b")
    batch = world.do(payouts.create_batch, world.office)
    with pytest.raises(Conflict, match="没有可纳入批次"):
        world.do(payouts.create_batch, world.office)  # the same grants cannot be batched again
    with pytest.raises(Conflict, match="须先导出"):
        world.do(payouts.mark_paid, world.office2, batch.id)
    world.do(payouts.export, world.office, batch.id)
    first = world.do(payouts.mark_paid, world.office2, batch.id, "B1")
    again = world.do(payouts.mark_paid, world.office2, batch.id, "B1")
    assert (first.newly_paid, again.newly_paid) == (2, 0)
    with world.tx() as s:
        assert s.scalars(select(PayoutLine.status)).all() == ["paid", "paid"]
        notes = s.scalars(select(Notification.title).where(
            Notification.title == "政策资金已兑现")).all()
        assert len(notes) == 2  # one per enterprise, not one per run
    with pytest.raises(Conflict):
        world.do(payouts.cancel, world.office, batch.id, "已兑付不能作废")


def test_cancelled_batch_releases_grants_with_the_same_idempotency_key(world: World) -> None:
    _approved(world)
    first = world.do(payouts.create_batch, world.office)
    with world.tx() as s:
        key = s.scalars(select(PayoutLine.idempotency_key)).one()
    with pytest.raises(ValidationFailed):
        world.do(payouts.cancel, world.office, first.id, "")
    world.do(payouts.cancel, world.office, first.id, "账户信息有误，重新生成")
    second = world.do(payouts.create_batch, world.office)
    with world.tx() as s:
        lines = s.scalars(select(PayoutLine)).all()
    assert [(ln.batch_id, ln.idempotency_key) for ln in lines] == [(second.id, key)]


def test_a_grant_is_in_one_batch_only(world: World) -> None:
    _approved(world)
    batch = world.do(payouts.create_batch, world.office)
    with pytest.raises(IntegrityError), world.tx() as s:
        grant_id = s.scalars(select(Grant.id)).one()
        s.add(PayoutLine(batch_id=batch.id, grant_id=grant_id, amount=Decimal("1"),
                         idempotency_key="HQGX", status="pending"))
        s.flush()


def test_two_batches_built_at_once_take_each_grant_once(world: World) -> None:
    for n in range(20, 25):
        app = world.do(apps.submit, world.enterprise(n), item_id="testville.rent")
        if n < 23:
            world.do(review.approve, world.dept, app.id)
    engine = make_engine(world.engine.url.render_as_string(hide_password=False))
    barrier, outcomes = threading.Barrier(2), []

    def build() -> None:
        barrier.wait()
        try:
            with unit_of_work(engine) as s:
                outcomes.append(payouts.create_batch(s, world.office, clock=world.clock).lines)
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=build) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    engine.dispose()
    assert sorted(outcomes, key=str) == [3, "conflict"]
    with world.tx() as s:
        assert len(set(s.scalars(select(PayoutLine.grant_id)))) == 3


def test_batches_are_for_the_office(world: World) -> None:
    _approved(world)
    with pytest.raises(PermissionDenied):
        world.do(payouts.create_batch, world.dept)
    batch = world.do(payouts.create_batch, world.office)
    for who in ("dept", "ent_a"):
        with pytest.raises(NotFound):
            world.do(payouts.export, world.actors[who], batch.id)
    # the auditor reads (exports) but the state does not move
    world.do(payouts.export, world.auditor, batch.id)
    with world.tx() as s:
        assert payouts.lines(s, world.office, batch.id)[0][0].status == "pending"
    assert world.do(payouts.batches, world.office)[0].status == "draft"
    with pytest.raises(PermissionDenied):
        world.do(payouts.mark_paid, world.auditor, batch.id)


def test_excel_never_turns_names_into_formulas(world: World) -> None:
    world.enterprise(7, name="=HYPERLINK(\"http://evil\",\"点我\")")
    from huiqi.auth.actor import Actor
    from huiqi.models.user import User

    with world.tx() as s:
        ent7 = Actor.of(s.scalars(select(User).where(User.username == "ent7")).one())
    app = world.do(apps.submit, ent7, item_id="testville.rent")
    world.do(review.approve, world.dept, app.id)
    batch = world.do(payouts.create_batch, world.office)
    data = world.do(payouts.export, world.office, batch.id)
    ws = load_workbook(BytesIO(data)).active
    cells = [c for row in ws.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" for c in cells)


def test_control_characters_and_formulas_in_any_field_give_valid_exports(world: World) -> None:
    """A `\\x01` in a bank name made openpyxl refuse the bank file for everyone (a 500); a value
    starting with = must stay text. Every text column of the bank file and the four ledgers."""
    from huiqi.grants import ledgers
    from huiqi.models.application import Application

    bank = BankInfo("农商行\x01江北支行", "=HYPERLINK(\"http://evil\",\"点我\")",
                    "6228480012345678")
    _approved(world, bank=bank)
    with world.tx() as s:  # names as an import could have stored them (before the batch is
        # made: a payee changed afterwards fails the batch's MAC, test_payout_mac.py)
        for row in [*s.scalars(select(Application)), *s.scalars(select(Grant))]:
            row.enterprise_name, row.item_title = "企业\x02\x1f名", "@SUM(A1)\x0b事项"
    batch = world.do(payouts.create_batch, world.office)
    files = [world.do(payouts.export, world.office, batch.id)] + [
        world.do(fn, world.office, ledgers.LedgerFilter())
        for fn in (ledgers.export_applications, ledgers.export_grants,
                   ledgers.export_payouts, ledgers.export_budget)]
    for data in files:
        ws = load_workbook(BytesIO(data)).active  # a valid workbook
        cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert not any(ch in c.value for c in cells for ch in "\x01\x02\x0b\x1f")
        for c in cells:
            if c.value[:1] in "=+-@":
                assert c.data_type == "s" and c.quotePrefix, c.value
    bank_file = _rows(files[0])
    line = next(r for r in bank_file if r[0] == 1)
    assert line[2] == "企业名" and line[4] == "农商行江北支行"
    assert line[5] == "=HYPERLINK(\"http://evil\",\"点我\")" and line[8] == "@SUM(A1)事项"
