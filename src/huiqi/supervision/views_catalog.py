"""Editing, removing (or deactivating) and restoring catalog rows: 抽查事项, 执法人员, 包容免罚.
A refused edit re-renders its form (422) with the message beside the field and what was typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData
from starlette.responses import Response

from huiqi.auth.actor import Actor
from huiqi.kit import web
from huiqi.kit.errors import HuiqiError, NotFound, ValidationFailed
from huiqi.kit.web import ClockDep, DBSession, FormDep
from huiqi.supervision import access, catalog_edit, catalogs
from huiqi.supervision import repository as repo
from huiqi.supervision.sheets import split_list
from huiqi.supervision.vocab import FIELDS
from huiqi.supervision.webforms import Planner, optional_day, text
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
BACK = "/supervision/catalogs"
KINDS = {"items": "item", "officers": "officer", "exemptions": "exemption"}
TITLES = {"items": "抽查事项", "officers": "执法人员", "exemptions": "包容免罚事项"}
# (form name, label, input type, required, hint) per kind; "department" and "field" are selects.
FORMS: dict[str, list[tuple[str, str, str, bool, str]]] = {
    "items": [("name", "抽查事项", "text", True, ""), ("legal_basis", "检查依据", "text", True, ""),
              ("content", "检查内容", "text", False, ""),
              ("applies", "适用企业条件", "text", True, "与政策条件相同的表达式"),
              ("frequency", "抽查频次", "text", False, "")],
    "officers": [("name", "姓名", "text", True, ""), ("cert_no", "执法证号", "text", True, ""),
                 ("valid_until", "有效期至", "date", True, ""),
                 ("fields", "执法领域", "text", False,
                  "多个用逗号分隔：" + "、".join(FIELDS.values())),
                 ("related", "回避企业（统一社会信用代码）", "text", False, "多个用逗号分隔"),
                 ("username", "登录账号（执法检查人员）", "text", False, "")],
    "exemptions": [("item", "事项", "text", True, ""),
                   ("legal_basis", "法律依据", "text", True, ""),
                   ("conditions", "适用条件", "text", True, ""),
                   ("keywords", "匹配关键词", "text", False, "多个用逗号分隔")],
}


def _row(db: DBSession, actor: Actor, kind: str, row_id: int) -> Any:
    getters: dict[str, Callable[[Any, Actor, int], Any]] = {
        "items": catalog_edit.get_item, "officers": catalog_edit.get_officer,
        "exemptions": catalog_edit.get_exemption}
    if kind not in getters:
        raise NotFound("页面不存在。")
    return getters[kind](db, actor, row_id)


def _values(db: DBSession, kind: str, row: Any) -> dict[str, str]:
    dept = repo.department(db, row.department_id)
    values = {"department": dept.code if dept else ""}
    if kind == "items":
        values.update(name=row.name, legal_basis=row.legal_basis, content=row.content,
                      applies=row.applies, frequency=row.frequency, field=row.field)
    elif kind == "officers":
        username = repo.username_of(db, row.user_id)
        values.update(name=row.name, cert_no=row.cert_no, valid_until=(
            row.cert_valid_until.isoformat() if row.cert_valid_until else ""),
            fields="，".join(FIELDS.get(f, f) for f in row.fields or []),
            related="，".join(row.related_usccs or []), username=username or "")
    else:
        values.update(item=row.item, legal_basis=row.legal_basis, conditions=row.conditions,
                      keywords="，".join(row.keywords or []))
    return values


def _page(request: Request, db: DBSession, actor: Actor, kind: str, row: Any,
          values: dict[str, str], errors: dict[str, str], status_code: int = 200) -> Response:
    scope = access.departments_of(actor)
    return render(request, "supervision/catalog_edit.html", {
        "title": f"编辑{TITLES[kind]}", "kind": kind, "row": row, "values": values,
        "errors": errors, "form": FORMS[kind], "fields": FIELDS,
        "departments": [d for d in repo.departments(db) if scope is None or d.id in scope]},
        status_code=status_code)


@router.get("/supervision/catalog/{kind}/{row_id:int}/edit")
def edit_page(request: Request, db: DBSession, actor: Planner, kind: str,
              row_id: int) -> Response:
    row = _row(db, actor, kind, row_id)
    return _page(request, db, actor, kind, row, _values(db, kind, row), {})


def _typed(form: FormData, kind: str) -> dict[str, str]:
    names = ["department", *(f[0] for f in FORMS[kind])] + (["field"] if kind == "items" else [])
    return {n: text(form, n) for n in names}


def _save(db: DBSession, actor: Actor, clock: ClockDep, kind: str, row_id: int,
          form: FormData) -> None:
    v = _typed(form, kind)
    if kind == "items":
        catalog_edit.update_item(db, actor, clock, row_id, catalogs.ItemIn(
            v["department"], v["name"], v["legal_basis"], v["content"], v["applies"],
            v["frequency"], v["field"]))
    elif kind == "officers":
        catalog_edit.update_officer(db, actor, clock, row_id, catalogs.OfficerIn(
            v["name"], v["department"], v["cert_no"],
            optional_day(form, "valid_until", "执法证有效期"), split_list(v["fields"]),
            [u.upper() for u in split_list(v["related"])], v["username"]))
    else:
        catalog_edit.update_exemption(db, actor, row_id, catalogs.ExemptionIn(
            v["department"], v["item"], v["legal_basis"], v["conditions"],
            split_list(v["keywords"])))


@router.post("/supervision/catalog/{kind}/{row_id:int}")
def save(request: Request, db: DBSession, clock: ClockDep, actor: Planner, kind: str,
         row_id: int, form: FormDep) -> Response:
    row = _row(db, actor, kind, row_id)
    try:
        _save(db, actor, clock, kind, row_id, form)
        db.flush()
    except ValidationFailed as exc:
        db.rollback()
        return _refused(request, db, actor, kind, row_id, form, exc)
    flash(request, f"{TITLES[kind]}“{getattr(row, 'name', None) or getattr(row, 'item', '')}”"
          "已保存。")
    return redirect(request, BACK)


def _refused(request: Request, db: DBSession, actor: Actor, kind: str, row_id: int,
             form: FormData, exc: HuiqiError) -> Response:
    details = exc.details if isinstance(exc.details, dict) else {}
    field = details.get("field") or ("valid_until" if "有效期" in exc.message else
                                     FORMS[kind][0][0])
    row = _row(db, actor, kind, row_id)
    return _page(request, db, actor, kind, row, _typed(form, kind), {str(field): exc.message},
                 status_code=422)


@router.post("/supervision/catalog/{kind}/{row_id:int}/remove")
def remove(request: Request, db: DBSession, actor: Planner, kind: str,
           row_id: int) -> Response:
    removers: dict[str, Callable[[Any, Actor, int], str]] = {
        "items": catalog_edit.remove_item, "officers": catalog_edit.remove_officer,
        "exemptions": catalog_edit.remove_exemption}
    if kind not in removers:
        raise NotFound("页面不存在。")
    done = removers[kind](db, actor, row_id)
    flash(request, f"{TITLES[kind]}已删除。" if done == "deleted" else
          f"{TITLES[kind]}已停用：历史计划或检查记录引用了它，故保留记录、不再使用。")
    return redirect(request, BACK)


@router.post("/supervision/catalog/{kind}/{row_id:int}/restore")
def restore(request: Request, db: DBSession, actor: Planner, kind: str,
            row_id: int) -> Response:
    if kind not in KINDS:
        raise NotFound("页面不存在。")
    catalog_edit.restore(db, actor, KINDS[kind], row_id)
    flash(request, f"{TITLES[kind]}已重新启用。")
    return redirect(request, BACK)
