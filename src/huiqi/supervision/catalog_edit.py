"""Editing and removing catalog rows in the browser. A row that history refers to is
deactivated, not deleted: an 抽查事项 of a plan, an officer of a snapshot or an inspection team,
a 包容免罚 entry an inspection applied. Deactivated rows stay readable (past plans replay and
公示 stay whole) but are no longer offered: items to new plans, officers to draws (their
snapshot line carries no valid certificate), entries to findings. Every change is audited.

Credit grades are not edited here: a grade record is history; a correction is a 信用修复
(credit.repair), which keeps the record it repairs.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.models.supervision import Exemption, Officer, SupervisionItem
from huiqi.supervision import access, catalogs
from huiqi.supervision import repository as repo
from huiqi.supervision.scope import compile_scope
from huiqi.supervision.sheets import Refused

Removed = Literal["deleted", "deactivated"]
ITEM_FIELDS = ("department_id", "name", "legal_basis", "content", "applies", "frequency",
               "field", "active")
OFFICER_FIELDS = ("name", "department_id", "cert_no", "cert_valid_until", "fields",
                  "related_usccs", "user_id", "active")
EXEMPTION_FIELDS = ("department_id", "item", "legal_basis", "conditions", "keywords", "active")


def _mine(actor: Actor, row: SupervisionItem | Officer | Exemption | None, what: str
          ) -> None:
    if row is None or not access.may_manage_department(actor, row.department_id):
        raise NotFound(f"{what}不存在，或不属于您的部门。")


def get_item(session: Session, actor: Actor, item_id: int) -> SupervisionItem:
    row = repo.item(session, item_id)
    _mine(actor, row, "抽查事项")
    assert row is not None
    return row


def get_officer(session: Session, actor: Actor, officer_id: int) -> Officer:
    row = repo.officer(session, officer_id)
    _mine(actor, row, "执法人员")
    assert row is not None
    return row


def get_exemption(session: Session, actor: Actor, exemption_id: int) -> Exemption:
    row = repo.exemption(session, exemption_id)
    _mine(actor, row, "包容免罚事项")
    assert row is not None
    return row


# -- edit ----------------------------------------------------------------------------------

def update_item(session: Session, actor: Actor, clock: Clock, item_id: int,
                data: catalogs.ItemIn) -> SupervisionItem:
    item = get_item(session, actor, item_id)
    if not data.name.strip():
        raise Refused("请填写抽查事项名称。", "missing_value", "name")
    if not data.legal_basis.strip():
        raise Refused("请填写检查依据。", "missing_value", "legal_basis")
    try:
        compile_scope(data.applies)
    except ValidationFailed as exc:
        raise Refused(exc.message, "bad_scope", "applies") from exc
    before = audit.snapshot(item, *ITEM_FIELDS)
    item.department_id = catalogs.department_id(session, actor, data.department)
    item.name, item.legal_basis = data.name.strip(), data.legal_basis.strip()
    item.content, item.applies = data.content.strip(), data.applies.strip()
    item.frequency = data.frequency.strip() or "每年一次"
    item.field, item.updated_at = catalogs.field_code(data.field or "general"), clock.now()
    audit.record(session, actor, "supervision.item_update", item, before=before,
                 after=audit.snapshot(item, *ITEM_FIELDS))
    return item


def update_officer(session: Session, actor: Actor, clock: Clock, officer_id: int,
                   data: catalogs.OfficerIn) -> Officer:
    officer = get_officer(session, actor, officer_id)
    values = catalogs.officer_values(session, actor, clock, data, officer_id)
    before = audit.snapshot(officer, *OFFICER_FIELDS)
    for key, value in values.items():
        setattr(officer, key, value)
    officer.updated_at = clock.now()
    audit.record(session, actor, "supervision.officer_update", officer, before=before,
                 after=audit.snapshot(officer, *OFFICER_FIELDS))
    return officer


def update_exemption(session: Session, actor: Actor, exemption_id: int,
                     data: catalogs.ExemptionIn) -> Exemption:
    row = get_exemption(session, actor, exemption_id)
    values = catalogs.exemption_values(session, actor, data)
    before = audit.snapshot(row, *EXEMPTION_FIELDS)
    for key, value in values.items():
        setattr(row, key, value)
    audit.record(session, actor, "supervision.exemption_update", row, before=before,
                 after=audit.snapshot(row, *EXEMPTION_FIELDS))
    return row


# -- remove (delete, or deactivate what history refers to) / restore ------------------------

def _remove(session: Session, actor: Actor, row: SupervisionItem | Officer | Exemption,
            kind: str, used: bool, fields: tuple[str, ...]) -> Removed:
    before = audit.snapshot(row, *fields)
    if used:
        row.active = False
        audit.record(session, actor, f"supervision.{kind}_deactivate", row, before=before,
                     after={"active": False})
        return "deactivated"
    audit.record(session, actor, f"supervision.{kind}_delete", row, before=before)
    session.delete(row)
    session.flush()
    return "deleted"


def remove_item(session: Session, actor: Actor, item_id: int) -> Removed:
    item = get_item(session, actor, item_id)
    return _remove(session, actor, item, "item", repo.item_in_plans(session, item.id),
                   ITEM_FIELDS)


def remove_officer(session: Session, actor: Actor, officer_id: int) -> Removed:
    officer = get_officer(session, actor, officer_id)
    return _remove(session, actor, officer, "officer",
                   repo.officer_in_history(session, officer.id), OFFICER_FIELDS)


def remove_exemption(session: Session, actor: Actor, exemption_id: int) -> Removed:
    row = get_exemption(session, actor, exemption_id)
    return _remove(session, actor, row, "exemption", repo.exemption_applied(session, row.id),
                   EXEMPTION_FIELDS)


def restore(session: Session, actor: Actor, kind: str, row_id: int) -> None:
    row: SupervisionItem | Officer | Exemption
    if kind == "item":
        row = get_item(session, actor, row_id)
    elif kind == "officer":
        row = get_officer(session, actor, row_id)
    elif kind == "exemption":
        row = get_exemption(session, actor, row_id)
    else:
        raise NotFound("页面不存在。")
    if row.active:
        raise ValidationFailed("该条目未停用。")
    row.active = True
    audit.record(session, actor, f"supervision.{kind}_restore", row, before={"active": False},
                 after={"active": True})
