"""Catalog rows are edited, deleted — or deactivated when history refers to them — and
restored; every change is audited; refused edits re-render with the message by the field."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from huiqi.kit.errors import NotFound
from huiqi.models.audit import AuditLog
from huiqi.models.supervision import Exemption, Officer, Plan, SupervisionItem
from huiqi.supervision import catalog_edit, catalogs
from huiqi.supervision.sheets import Refused
from tests.supervision.test_plans import commit, make_plan
from tests.supervision.test_web import post, text


def _officer_in(**kw):
    base = dict(name="market执法员2", department="market", cert_no="MARKET-0002",
                valid_until=date(2028, 6, 30), fields=["市场监管", "食品卫生"], related_usccs=[],
                username="insp_market2")
    base.update(kw)
    return catalogs.OfficerIn(**base)


def _ids(world):
    with world.tx() as s:
        officer = s.scalar(select(Officer).where(Officer.cert_no == "MARKET-0002"))
        item = s.scalar(select(SupervisionItem).where(SupervisionItem.name.like("食品%")))
        ex = s.scalar(select(Exemption).where(Exemption.item.like("未按规定%")))
        return officer.id, item.id, ex.id


def _last_audit(world) -> int:
    from sqlalchemy import func
    with world.tx() as s:
        return s.scalar(select(func.max(AuditLog.id))) or 0


def _actions(world, after: int) -> list[str]:
    with world.tx() as s:
        return [a for a in s.scalars(select(AuditLog.action).where(AuditLog.id > after)
                                     .order_by(AuditLog.id))
                if a.startswith("supervision.") and a.split("_")[-1] in (
                    "update", "delete", "deactivate", "restore")]


def test_edit_checks_like_add_and_is_audited(world) -> None:
    officer_id, item_id, _ = _ids(world)
    for bad, code, field in ((dict(valid_until=None), "no_certificate", "valid_until"),
                             (dict(valid_until=date(2026, 1, 1)), "expired_certificate",
                              "valid_until"),
                             (dict(cert_no="ENV-0001"), "duplicate_cert", "cert_no"),
                             (dict(fields=["航天"]), "unknown_field", "fields"),
                             (dict(department="env"), "not_your_department", "department")):
        with pytest.raises(Refused) as caught:
            world.do(lambda s, bad=bad: catalog_edit.update_officer(
                s, world.sup_market, world.clock, officer_id, _officer_in(**bad)))
        assert (caught.value.code, caught.value.details["field"]) == (code, field)
    world.do(lambda s: catalog_edit.update_officer(s, world.sup_market, world.clock, officer_id,
                                                   _officer_in()))
    with world.tx() as s:
        row = s.get(Officer, officer_id)
        assert (row.cert_valid_until, row.fields) == (date(2028, 6, 30), ["food", "market"])
        log = s.scalars(select(AuditLog).where(AuditLog.action == "supervision.officer_update")
                        .order_by(AuditLog.id.desc())).first()
        assert log.before["fields"] == ["market"] and log.after["fields"] == ["food", "market"]
    with pytest.raises(NotFound):  # another department's officer looks missing
        world.do(lambda s: catalog_edit.remove_officer(s, world.sup_env, officer_id))
    with pytest.raises(Refused, match="适用企业条件"):
        world.do(lambda s: catalog_edit.update_item(s, world.office, world.clock, item_id,
                                                    catalogs.ItemIn("market", "x", "y", "", "(",
                                                                    "", "market")))


def test_rows_history_refers_to_are_deactivated_others_deleted(world) -> None:
    officer_id, item_id, ex_id = _ids(world)
    start = _last_audit(world)
    spare = world.do(lambda s: catalogs.add_officer(s, world.office, world.clock, _officer_in(
        name="新人", cert_no="MARKET-0099", username="")).id)
    assert world.do(lambda s: catalog_edit.remove_officer(s, world.office, spare)) == "deleted"
    plan_id = make_plan(world)
    commit(world, plan_id)  # the snapshot names every officer and item of the plan
    assert world.do(lambda s: catalog_edit.remove_officer(s, world.office, officer_id)) \
        == "deactivated"
    assert world.do(lambda s: catalog_edit.remove_item(s, world.office, item_id)) \
        == "deactivated"
    assert world.do(lambda s: catalog_edit.remove_exemption(s, world.office, ex_id)) \
        == "deleted"  # no inspection applied it yet
    with world.tx() as s:
        assert s.get(Officer, spare) is None and s.get(Exemption, ex_id) is None
        assert s.get(Officer, officer_id).active is False
        assert s.get(SupervisionItem, item_id).active is False
        assert s.get(Plan, plan_id).commitment  # the published plan is untouched
    from huiqi.kit.errors import ValidationFailed
    with pytest.raises(ValidationFailed, match="已停用"):
        make_plan(world, item_ids=[item_id])
    world.do(lambda s: catalog_edit.restore(s, world.office, "item", item_id))
    make_plan(world, item_ids=[item_id])
    assert _actions(world, start) == [
        "supervision.officer_delete", "supervision.officer_deactivate",
        "supervision.item_deactivate", "supervision.exemption_delete", "supervision.item_restore"]


def test_deactivated_officer_is_never_drawn(world) -> None:
    from huiqi.supervision import plans
    officer_id, _, _ = _ids(world)
    plan_id = make_plan(world)
    commit(world, plan_id)
    world.do(lambda s: catalog_edit.remove_officer(s, world.office, officer_id))
    second = make_plan(world)
    with world.tx() as s:
        snap = plans.snapshot(s, s.get(Plan, second))
    assert next(o for o in snap.officers if o.id == officer_id).valid_until is None


def test_edit_page_shows_the_refusal_beside_the_field_and_keeps_the_input(
        world, pages) -> None:
    officer_id, item_id, _ = _ids(world)
    office = pages("office")
    form = office.get(f"/supervision/catalog/officers/{officer_id}/edit")
    assert form.status_code == 200 and "MARKET-0002" in form.text
    refused = post(office, f"/supervision/catalog/officers/{officer_id}", {
        "department": "market", "name": "改名后", "cert_no": "MARKET-0002",
        "valid_until": "2025-01-01", "fields": "市场监管", "related": "", "username": ""})
    assert refused.status_code == 422
    assert 'id="f-valid_until-help">执法证已于 2025-01-01 过期' in refused.text
    assert 'value="改名后"' in refused.text  # what was typed is kept
    saved = post(office, f"/supervision/catalog/officers/{officer_id}", {
        "department": "market", "name": "改名后", "cert_no": "MARKET-0002",
        "valid_until": "2028-01-31", "fields": "市场监管，食品卫生", "related": "",
        "username": "insp_market2"})
    assert saved.status_code in (200, 303)
    page = office.get("/supervision/catalogs")
    assert "改名后" in page.text and "食品卫生" in page.text
    gone = post(office, f"/supervision/catalog/items/{item_id}/remove")
    assert gone.status_code in (200, 303)
    assert "抽查事项已删除" in text(office.get("/supervision/catalogs"))
    remove = f"/supervision/catalog/officers/{officer_id}/remove"
    assert post(pages("sup_env"), remove).status_code == 404
    assert post(pages("insp_market1"), f"/supervision/catalog/officers/{officer_id}/remove"
                ).status_code == 404
