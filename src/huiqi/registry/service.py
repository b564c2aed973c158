"""The registry's public API: enterprises by USCC, upsert, search, application facts, bulk import.

Services flush at most; the caller's unit of work commits (huiqi.kit.db.unit_of_work).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.models.enterprise import Enterprise
from huiqi.registry import repository, size_class
from huiqi.registry.catalog import (
    CoercionError,
    coerce,
    fact_fields,
    load_catalog,
    profile_fields,
    to_text,
)
from huiqi.registry.importer import Progress, import_enterprises
from huiqi.registry.reader import ImportFileError
from huiqi.registry.report import ImportReport, RowError
from huiqi.registry.uscc import InvalidUSCC
from huiqi.registry.uscc import validate as validate_uscc


@dataclass(frozen=True)
class Page:
    items: list[Enterprise]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _uscc(raw: str) -> str:
    try:
        return validate_uscc(raw)
    except InvalidUSCC as exc:
        raise ValidationFailed(str(exc), details={"field": "uscc"}) from None


def get_by_uscc(session: Session, uscc: str) -> Enterprise | None:
    try:
        code = validate_uscc(uscc)
    except InvalidUSCC:
        return None
    return repository.get_by_uscc(session, code)


def require_by_uscc(session: Session, uscc: str) -> Enterprise:
    enterprise = get_by_uscc(session, uscc)
    if enterprise is None:
        raise NotFound(f"未找到统一社会信用代码为 {uscc} 的企业")
    return enterprise


def validate_profile(data: Mapping[str, Any]) -> dict[str, Any]:
    """Coerce every given profile field; ValidationFailed lists every bad field."""
    catalog = load_catalog()
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, raw in data.items():
        spec = catalog.get(name)
        if spec is None or spec.kind != "profile":
            problems[name] = f"不是企业画像字段（not a profile field: {name}）"
            continue
        try:
            values[name] = coerce(spec, raw)
        except CoercionError as exc:
            problems[name] = str(exc)
    if problems:
        text = "；".join(f"{catalog[n].label if n in catalog else n}：{m}"
                         for n, m in problems.items())
        raise ValidationFailed(f"企业信息有误：{text}", details=problems)
    return values


def upsert(session: Session, data: Mapping[str, Any]) -> Enterprise:
    """Create or update one enterprise by USCC with the given profile fields (others untouched).

    size_class is derived from the 划型标准 when it is not given and can be derived.
    """
    values = validate_profile(data)
    if values.get("uscc") is None:
        raise ValidationFailed("缺少统一社会信用代码（uscc is required）",
                               details={"uscc": "required"})
    enterprise = repository.get_by_uscc(session, values["uscc"])
    if enterprise is None:
        enterprise = Enterprise(uscc=values["uscc"], size_class_derived=False)
        session.add(enterprise)
    for name, value in values.items():
        setattr(enterprise, name, value)
    if values.get("size_class") is not None:
        enterprise.size_class_derived = False
    elif "size_class" in values or enterprise.size_class is None or enterprise.size_class_derived:
        derived = size_class.classify(enterprise.industry_code, enterprise.employees,
                                      enterprise.revenue, enterprise.total_assets)
        enterprise.size_class = derived
        enterprise.size_class_derived = derived is not None
    session.flush()
    return enterprise


def list_enterprises(session: Session, *, query: str | None = None, region: str | None = None,
                     industry_prefix: str | None = None, size: str | None = None,
                     page: int = 1, per_page: int = 20) -> Page:
    page, per_page = max(1, page), min(max(1, per_page), 200)
    items, total = repository.search(session, query=query, region=region,
                                     industry_prefix=industry_prefix, size_class=size,
                                     offset=(page - 1) * per_page, limit=per_page)
    return Page(items, total, page, per_page)


def get_facts(session: Session, enterprise: Enterprise) -> dict[str, Any]:
    """The enterprise's stored application facts, coerced back to canonical values."""
    catalog = load_catalog()
    stored = repository.fetch_facts(session, [enterprise.id]).get(enterprise.id, {})
    return {name: coerce(catalog[name], text) for name, text in stored.items() if name in catalog}


def set_facts(session: Session, enterprise: Enterprise, facts: Mapping[str, Any]) -> dict[str, Any]:
    """Store application facts (catalog kind=fact); None removes a fact (back to unknown)."""
    names = {s.name for s in fact_fields()}
    catalog = load_catalog()
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, raw in facts.items():
        if name not in names:
            problems[name] = f"不是申报事实字段（not an application fact: {name}）"
            continue
        try:
            values[name] = coerce(catalog[name], raw)
        except CoercionError as exc:
            problems[name] = str(exc)
    if problems:
        text = "；".join(f"{n}：{m}" for n, m in problems.items())
        raise ValidationFailed(f"申报信息有误：{text}", details=problems)
    upserts = [{"enterprise_id": enterprise.id, "field": n, "value": to_text(v)}
               for n, v in values.items() if v is not None]
    repository.upsert_facts(session, upserts)
    repository.delete_facts(session, [(enterprise.id, n) for n, v in values.items() if v is None])
    session.flush()
    return get_facts(session, enterprise)


def profile_dict(enterprise: Enterprise) -> dict[str, Any]:
    return {spec.name: getattr(enterprise, spec.name) for spec in profile_fields()}


__all__ = ["ImportFileError", "ImportReport", "Page", "Progress", "RowError", "get_by_uscc",
           "get_facts", "import_enterprises", "list_enterprises", "profile_dict",
           "require_by_uscc", "set_facts", "upsert", "validate_profile"]
