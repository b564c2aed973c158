"""公示 (no personal data) and the Excel ledgers with filters."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from huiqi.grants import applications as apps
from huiqi.grants import ledgers, payouts, publicity, review
from huiqi.grants.ledgers import LedgerFilter
from huiqi.kit.errors import NotFound
from huiqi.kit.pagination import PageParams
from tests.grants.conftest import World


@pytest.mark.parametrize(("name", "form", "shown"), [
    ("重庆市江北区吴茂均火锅馆", "individual", "重庆市江北区***火锅馆"),
    ("江北区张三", "individual", "江北区个体工商户***"),
    ("李四", "individual", "个体工商户***"),
    ("重庆满益餐饮有限公司", "enterprise", "重庆满益餐饮有限公司"),
])
def test_public_name_masks_individual_businesses(name: str, form: str, shown: str) -> None:
    assert publicity.public_name(name, form) == shown


def _grant(w: World, n: int, **profile: object) -> None:
    ent = w.enterprise(n, **profile)
    app = w.do(apps.submit, ent, item_id="testville.rent")
    w.do(review.approve, w.dept, app.id)


def test_public_list_shows_names_amounts_items_dates_only(world: World) -> None:
    _grant(world, 30, name="重庆市江北区吴茂均火锅馆", legal_form="individual")
    _grant(world, 31, name="重庆满益餐饮有限公司")
    app = world.do(apps.submit, world.ent_a, item_id="testville.rent")  # not approved: not shown
    assert app.status == "submitted"
    with world.tx() as s:
        page = publicity.public_list(s, PageParams(1, 50), year=2025)
    assert page.total == 2
    assert {(r.name, str(r.amount), r.item_title, r.status) for r in page.items} == {
        ("重庆市江北区***火锅馆", "30000.00", "承租国有房屋减免租金", "已批准"),
        ("重庆满益餐饮有限公司", "30000.00", "承租国有房屋减免租金", "已批准")}
    assert all(r.approved_on.isoformat() == "2025-06-02" for r in page.items)
    assert not any(hasattr(r, "enterprise_uscc") for r in page.items)


def _sheet(data: bytes) -> list[tuple[object, ...]]:
    return [tuple(r) for r in load_workbook(BytesIO(data)).active.iter_rows(values_only=True)]


def test_ledgers_export_with_filters_and_scope(world: World) -> None:
    _grant(world, 40)
    world.do(apps.submit, world.ent_a, item_id="testville.rent")
    flt = LedgerFilter(status="approved", year=2025)
    rows = _sheet(world.do(ledgers.export_applications, world.dept, flt))
    assert rows[0][0] == "政策申报台账"
    assert rows[1][0] == "筛选条件：状态：已批准·待兑现；年度：2025"
    data = [r for r in rows[4:] if r[0] is not None]
    assert len(data) == 1 and data[0][2] == "测试企业40有限公司" and data[0][7] == "已批准·待兑现"
    # an enterprise's ledger holds only its own applications
    own = [r for r in _sheet(world.do(ledgers.export_applications, world.ent_a, LedgerFilter()))[4:]
           if r[0] is not None]
    assert [r[3] for r in own] == [world.ent_a.enterprise_uscc]
    # another department sees nothing of commerce's
    other = _sheet(world.do(ledgers.export_grants, world.other_dept, LedgerFilter()))
    assert [r for r in other[4:] if r[0] is not None] == []
    grants = _sheet(world.do(ledgers.export_grants, world.office, LedgerFilter(enterprise="40")))
    assert [r[2] for r in grants[4:] if r[0] is not None] == ["测试企业40有限公司"]


def test_budget_and_payout_ledgers(world: World) -> None:
    _grant(world, 41)
    batch = world.do(payouts.create_batch, world.office)
    world.do(payouts.export, world.office, batch.id)
    world.do(payouts.mark_paid, world.office2, batch.id, "回单1")
    pay = _sheet(world.do(ledgers.export_payouts, world.office, LedgerFilter(status="paid")))
    line = next(r for r in pay[4:] if r[0])
    assert (line[1], line[6], line[7], line[10]) == ("已兑付", 30000, "已兑付", "回单1")
    with pytest.raises(NotFound):
        world.do(ledgers.export_payouts, world.dept, LedgerFilter())
    bud = _sheet(world.do(ledgers.export_budget, world.dept, LedgerFilter(year=2025)))
    by_item = {r[0]: r for r in bud[4:] if r[0]}
    assert by_item["testville.rent"][3:] == (100000, 0, 30000, 70000)
    assert by_item["testville.excl-b"][3] == "不限额"
    assert "testville.auto" not in by_item  # HR's item, not commerce's
    with pytest.raises(NotFound):
        world.do(ledgers.export_budget, world.ent_a, LedgerFilter())
