"""Tiers (层级) of the 百千万 system and which enterprises belong to each: a tier's `rule` is a
criterion over the catalog's profile fields, checked and compiled by `rules` exactly like a
policy criterion (a one-item policy document built in memory), then run where the data lives."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

import yaml
from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.liaison import repository as repo
from huiqi.models.liaison import LiaisonTier
from huiqi.registry.service import load_catalog
from huiqi.rules import PolicyError, compile_item, load_policy_text

ALL = "TRUE"  # the rule of a tier that holds every market entity
CODE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_AS_OF = date(2000, 1, 1)  # tier rules have no dated parameters


def _document(rule: str) -> str:
    doc = {"policy": {"id": "liaison.tier", "title": "包联层级", "doc_no": None,
                      "issuer": "营商办", "region": "100000", "source": "liaison",
                      "effective_from": "2000-01-01"},
           "parameters": {},
           "items": [{"id": "liaison.tier.rule", "title": "层级范围", "department": "营商办",
                      "policy_text": "层级范围", "criteria": {"范围": rule}, "amount": None,
                      "caps": {}}]}
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def compile_rule(rule: str, dialect: str) -> str:
    """SQL (1 / 0 / NULL) over `e` for `rule`; ValidationFailed in Chinese when it is refused."""
    rule = (rule or "").strip()
    if not rule or rule.upper() == ALL:
        return "1"
    catalog = load_catalog()
    facts = [s.name for s in catalog if s.kind != "profile" and
             re.search(rf"\b{re.escape(s.name)}\b", rule)]
    if facts:
        labels = "、".join(f"{catalog[n].label}（{n}）" for n in facts)
        raise ValidationFailed(f"层级范围只能使用企业画像字段，不能使用申报信息：{labels}。",
                               details={"rule": "只能使用企业画像字段"})
    try:
        item = load_policy_text(_document(rule), "tier.yaml", catalog).items[0]
    except PolicyError as exc:
        text = "；".join(p.message for p in exc.problems)
        raise ValidationFailed(f"层级范围表达式有误：{text}", details={"rule": text}) from None
    engine = "postgres" if dialect == "postgresql" else "sqlite"
    return compile_item(item, _AS_OF, engine, table="e").criteria["范围"]


def rule_sql(session: Session, tier: LiaisonTier) -> str:
    return _compiled(tier.rule, session.get_bind().dialect.name)


@lru_cache(maxsize=128)
def _compiled(rule: str, dialect: str) -> str:
    """compile_rule, kept: the rates and the coverage page read every tier's rule per request
    (a rule is a pure function of its text and the packaged catalog)."""
    return compile_rule(rule, dialect)


def require(session: Session, tier_id: int) -> LiaisonTier:
    found = repo.tier(session, tier_id)
    if found is None:
        raise NotFound("未找到该包联层级。")
    return found


def save(session: Session, actor: Actor, clock: Clock, *, code: str, name: str,
         official_label: str, rule: str, stale_days: int, position: int = 0,
         tier_id: int | None = None) -> LiaisonTier:
    """Create or update a tier (the office); the rule is checked before anything is saved."""
    errors: dict[str, str] = {}
    if not CODE.match(code or ""):
        errors["code"] = "代码为小写字母开头的字母、数字、下划线，最长32位"
    if not (name or "").strip():
        errors["name"] = "请填写层级名称"
    if not 1 <= stale_days <= 3650:
        errors["stale_days"] = "未联系提醒天数应在 1 至 3650 之间"
    try:
        compile_rule(rule, session.get_bind().dialect.name)
    except ValidationFailed as exc:
        errors["rule"] = exc.message
    if errors:
        raise ValidationFailed("层级设置有误：" + "；".join(errors.values()), details=errors)
    now = clock.now()
    tier = require(session, tier_id) if tier_id else repo.tier_by_code(session, code)
    before = None if tier is None else audit.snapshot(tier, "name", "rule", "stale_days")
    if tier is None:
        tier = LiaisonTier(code=code, created_at=now)
        session.add(tier)
    tier.name, tier.official_label = name.strip(), (official_label or "").strip()
    tier.rule, tier.stale_days, tier.position = (rule or ALL).strip(), stale_days, position
    tier.updated_at = now
    session.flush()
    audit.record(session, actor, "liaison.tier_save", ("liaison_tier", tier.id), before=before,
                 after=audit.snapshot(tier, "code", "name", "rule", "stale_days"), at=now)
    return tier
