"""抽查事项清单 and 执法人员名录库 (and the 包容免罚清单): maintained in the browser and imported
from Excel; an import reports each bad row and imports the rest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.models.supervision import Exemption, Officer, SupervisionItem
from huiqi.registry.service import load_catalog
from huiqi.supervision import access
from huiqi.supervision import repository as repo
from huiqi.supervision.scope import compile_scope
from huiqi.supervision.sheets import (
    ImportReport,
    Refused,
    parse_date,
    pick,
    read_rows,
    split_list,
)
from huiqi.supervision.vocab import FIELDS

ITEM_COLUMNS = ("部门", "抽查事项", "检查依据", "检查内容", "适用企业条件", "抽查频次", "监管领域")
OFFICER_COLUMNS = ("姓名", "部门", "执法证号", "有效期至")
EXEMPTION_COLUMNS = ("部门", "事项", "法律依据", "适用条件")


def department_id(session: Session, actor: Actor, key: str) -> int:
    dept = repo.department_by_key(session, key) if key else None
    if dept is None:
        raise Refused(f"部门“{key}”不存在（填写部门代码或全称）。", "unknown_department",
                      "department")
    if not access.may_manage_department(actor, dept.id):
        raise Refused(f"您不能维护“{dept.name}”的清单。", "not_your_department", "department")
    return dept.id


def field_code(text: str, form_field: str = "field") -> str:
    for code, label in FIELDS.items():
        if text in (code, label):
            return code
    raise Refused(f"监管领域“{text}”不在清单内（{'、'.join(FIELDS.values())}）。",
                  "unknown_field", form_field)


@dataclass(frozen=True)
class ItemIn:
    department: str
    name: str
    legal_basis: str
    content: str
    applies: str
    frequency: str
    field: str


def add_item(session: Session, actor: Actor, clock: Clock, data: ItemIn) -> SupervisionItem:
    if not data.name.strip() or not data.legal_basis.strip():
        raise Refused("抽查事项名称和检查依据不能为空。", "missing_value",
                      "name" if not data.name.strip() else "legal_basis")
    try:
        compile_scope(data.applies)
    except ValidationFailed as exc:
        raise Refused(exc.message, "bad_scope", "applies") from exc
    item = SupervisionItem(
        department_id=department_id(session, actor, data.department), name=data.name.strip(),
        legal_basis=data.legal_basis.strip(), content=data.content.strip(),
        applies=data.applies.strip(), frequency=data.frequency.strip() or "每年一次",
        field=field_code(data.field or "general"), updated_at=clock.now())
    session.add(item)
    audit.record(session, actor, "supervision.item_add", item,
                 after=audit.snapshot(item, "name", "department_id", "applies", "field"))
    return item


@dataclass(frozen=True)
class OfficerIn:
    name: str
    department: str
    cert_no: str
    valid_until: date | None
    fields: list[str]
    related_usccs: list[str]
    username: str = ""


def officer_values(session: Session, actor: Actor, clock: Clock, data: OfficerIn,
                   officer_id: int | None = None) -> dict[str, Any]:
    """The checked columns of an officer (a new one, or `officer_id` edited)."""
    if not data.name.strip():
        raise Refused("请填写执法人员姓名。", "missing_value", "name")
    if not data.cert_no.strip():
        raise Refused("请填写执法证号。", "missing_value", "cert_no")
    same = repo.officer_by_cert(session, data.cert_no.strip())
    if same is not None and same.id != officer_id:
        raise Refused(f"执法证号 {data.cert_no} 已在名录库中（{same.name}）。", "duplicate_cert",
                      "cert_no")
    if data.valid_until is None:
        raise Refused("请填写执法证有效期；无有效执法证的人员不能被抽取。", "no_certificate",
                      "valid_until")
    if data.valid_until < clock.today_local():
        raise Refused(f"执法证已于 {data.valid_until.isoformat()} 过期：无有效执法证的人员不能"
                      "列入名录库（已离岗的人员请停用）。", "expired_certificate", "valid_until")
    unknown = sorted(set(data.related_usccs) - repo.known_usccs(session, data.related_usccs))
    if unknown:
        raise Refused(f"关联企业统一社会信用代码不在企业库中：{'、'.join(unknown)}",
                      "unknown_uscc", "related")
    user_id = None
    if data.username:
        user_id = repo.user_id_by_username(session, data.username)
        if user_id is None:
            raise Refused(f"账号 {data.username} 不存在。", "unknown_account", "username")
    return {"name": data.name.strip(),
            "department_id": department_id(session, actor, data.department),
            "cert_no": data.cert_no.strip(), "cert_valid_until": data.valid_until,
            "fields": sorted({field_code(f, "fields") for f in data.fields}),
            "related_usccs": sorted(set(data.related_usccs)), "user_id": user_id}


def add_officer(session: Session, actor: Actor, clock: Clock, data: OfficerIn) -> Officer:
    officer = Officer(**officer_values(session, actor, clock, data), updated_at=clock.now())
    session.add(officer)
    audit.record(session, actor, "supervision.officer_add", officer,
                 after=audit.snapshot(officer, "name", "department_id", "cert_no",
                                      "cert_valid_until", "related_usccs"))
    return officer


def set_certificate(session: Session, actor: Actor, clock: Clock, officer_id: int,
                    valid_until: date | None) -> Officer:
    officer = repo.officer(session, officer_id)
    if officer is None or not access.may_manage_department(actor, officer.department_id):
        raise NotFound(access.MISSING)
    before = audit.snapshot(officer, "cert_valid_until")
    officer.cert_valid_until, officer.updated_at = valid_until, clock.now()
    audit.record(session, actor, "supervision.officer_certificate", officer, before=before,
                 after=audit.snapshot(officer, "cert_valid_until"))
    return officer


@dataclass(frozen=True)
class ExemptionIn:
    department: str
    item: str
    legal_basis: str
    conditions: str
    keywords: list[str]


def exemption_values(session: Session, actor: Actor, data: ExemptionIn) -> dict[str, Any]:
    for name, value, label in (("item", data.item, "包容免罚事项"),
                               ("legal_basis", data.legal_basis, "法律依据"),
                               ("conditions", data.conditions, "适用条件")):
        if not value.strip():
            raise Refused(f"请填写{label}。", "missing_value", name)
    return {"department_id": department_id(session, actor, data.department),
            "item": data.item.strip(), "legal_basis": data.legal_basis.strip(),
            "conditions": data.conditions.strip(),
            "keywords": data.keywords or split_list(data.item)}


def add_exemption(session: Session, actor: Actor, data: ExemptionIn) -> Exemption:
    row = Exemption(**exemption_values(session, actor, data))
    session.add(row)
    audit.record(session, actor, "supervision.exemption_add", row,
                 after=audit.snapshot(row, "item", "department_id"))
    return row


# -- imports ---------------------------------------------------------------------------------

def _import(session: Session, rows: list[tuple[int, dict[str, str]]],
            one: Callable[[dict[str, str]], object]) -> ImportReport:
    report = ImportReport()
    for number, values in rows:
        try:
            with session.begin_nested():
                one(values)
                session.flush()
            report.imported += 1
        except (ValidationFailed, ValueError) as exc:
            report.refuse(number, exc)
    return report


def import_items(session: Session, actor: Actor, clock: Clock, data: bytes,
                 filename: str) -> ImportReport:
    rows = read_rows(data, filename, ITEM_COLUMNS[:6])
    report = _import(session, rows, lambda v: add_item(session, actor, clock, ItemIn(
        v["部门"], v["抽查事项"], v["检查依据"], v["检查内容"], v["适用企业条件"],
        v["抽查频次"], v.get("监管领域", "") or "general")))
    audit.record(session, actor, "supervision.item_import", None, after=report.as_dict())
    return report


def import_officers(session: Session, actor: Actor, clock: Clock, data: bytes,
                    filename: str) -> ImportReport:
    rows = read_rows(data, filename, OFFICER_COLUMNS)

    def one(v: dict[str, str]) -> Officer:
        valid = parse_date(v["有效期至"], "有效期至") if v["有效期至"] else None
        return add_officer(session, actor, clock, OfficerIn(
            v["姓名"], v["部门"], v["执法证号"], valid, split_list(v.get("执法领域", "")),
            split_list(pick(v, "关联企业", "回避企业")), v.get("账号", "")))

    report = _import(session, rows, one)
    audit.record(session, actor, "supervision.officer_import", None, after=report.as_dict())
    return report


def import_exemptions(session: Session, actor: Actor, data: bytes,
                      filename: str) -> ImportReport:
    rows = read_rows(data, filename, EXEMPTION_COLUMNS)
    report = _import(session, rows, lambda v: add_exemption(session, actor, ExemptionIn(
        v["部门"], v["事项"], v["法律依据"], v["适用条件"], split_list(v.get("关键词", "")))))
    audit.record(session, actor, "supervision.exemption_import", None, after=report.as_dict())
    return report


def catalog_field_names() -> list[str]:
    return [f.name for f in load_catalog()]
