"""The registry's public API: enterprises by USCC, upsert, search, application facts, bulk import.

Services flush at most; the caller's unit of work commits (huiqi.kit.db.unit_of_work).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.kit.pagination import Page
from huiqi.models.enterprise import Enterprise
from huiqi.registry import repository, size_class
from huiqi.registry.canonical_sql import USCC_FUNCTION, CanonicalSql, canonical_sql, uscc_ok
from huiqi.registry.catalog import (
    CoercionError,
    coerce,
    fact_fields,
    is_blank,
    load_catalog,
    profile_fields,
    to_text,
)
from huiqi.registry.importer import Progress, import_enterprises
from huiqi.registry.industry import name as industry_name
from huiqi.registry.profile_edit import (
    SELF_DECLARED,
    SOURCES,
    EditResult,
    current_values,
    decide,
    display,
    edit,
    editable_fields,
    enterprise_for,
    history,
    proposal_queue,
    proposals,
    propose,
)
from huiqi.registry.profile_edit import (
    parse_values as parse_profile_values,
)
from huiqi.registry.reader import ImportFileError, read_table, read_upload
from huiqi.registry.records import Records, arrow_type, read_records
from huiqi.registry.report import ImportReport, RowError
from huiqi.registry.uscc import InvalidUSCC
from huiqi.registry.uscc import validate as validate_uscc


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
            problems[name] = "不是企业画像字段"
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
        raise ValidationFailed("缺少统一社会信用代码",
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
                     page: int = 1, per_page: int = 20) -> Page[Enterprise]:
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


@dataclass(frozen=True)
class CoercedFacts:
    values: dict[str, Any]  # name → canonical value (None: blank)
    problems: dict[str, str]  # name → why its value was refused
    unknown: list[str]  # names that are not application facts


def coerce_facts(raw: Mapping[str, Any]) -> CoercedFacts:
    """Application facts (catalog kind=fact) coerced to their canonical values, every problem
    collected (callers word the refusal)."""
    specs = {s.name: s for s in fact_fields()}
    found = CoercedFacts({}, {}, [])
    for name, value in raw.items():
        spec = specs.get(name)
        if spec is None:
            found.unknown.append(name)
            continue
        try:
            found.values[name] = coerce(spec, value)
        except CoercionError as exc:
            found.problems[name] = str(exc)
    return found


def set_facts(session: Session, enterprise: Enterprise, facts: Mapping[str, Any]) -> dict[str, Any]:
    """Store application facts (catalog kind=fact); None removes a fact (back to unknown)."""
    coerced = coerce_facts(facts)
    values = coerced.values
    problems = {**coerced.problems, **{
        n: "不是申报事实字段" for n in coerced.unknown}}
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


__all__ = [
    "SELF_DECLARED",
    "SOURCES",
    "USCC_FUNCTION",
    "CanonicalSql",
    "CoercedFacts",
    "CoercionError",
    "EditResult",
    "ImportFileError",
    "ImportReport",
    "InvalidUSCC",
    "Page",
    "Progress",
    "Records",
    "RowError",
    "arrow_type",
    "canonical_sql",
    "coerce",
    "coerce_facts",
    "current_values",
    "decide",
    "display",
    "edit",
    "editable_fields",
    "enterprise_for",
    "fact_fields",
    "get_by_uscc",
    "get_facts",
    "history",
    "import_enterprises",
    "industry_name",
    "is_blank",
    "list_enterprises",
    "load_catalog",
    "parse_profile_values",
    "profile_dict",
    "proposal_queue",
    "proposals",
    "propose",
    "read_records",
    "read_table",
    "read_upload",
    "require_by_uscc",
    "set_facts",
    "to_text",
    "upsert",
    "uscc_ok",
    "validate_profile",
    "validate_uscc",
]
