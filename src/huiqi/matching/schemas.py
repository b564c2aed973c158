"""The 政策礼包 over the API: the same three sections as the page, and the facts it asks for."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field

from huiqi.matching import packs
from huiqi.matching.service import PackEntry
from huiqi.registry.service import load_catalog
from huiqi.rules import FieldSpec, Item


class FieldOut(BaseModel):
    name: str
    label: str
    type: str
    unit: str | None = None
    values: dict[str, str] = Field(default_factory=dict, description="允许的取值 → 中文名称")
    needed_by: list[str] = Field(default_factory=list, description="需要该信息的政策事项")

    @classmethod
    def of(cls, spec: FieldSpec, needed_by: list[str] | None = None) -> FieldOut:
        return cls(name=spec.name, label=spec.label, type=spec.type.value, unit=spec.unit,
                   values=dict(spec.values), needed_by=needed_by or [])


class FailedCriterion(BaseModel):
    name: str
    text: str = Field(description="条件说明（政策原文要点或规则）")


class PolicyOut(BaseModel):
    document_id: str
    document_title: str
    doc_no: str | None
    issuer: str
    source: str
    policy_text: str | None = Field(
        None, description="政策原文：带 explain=true 时给出，或见逐条说明接口（与页面一样，"
                          "原文随“为什么”一起给出，礼包本身保持轻量）")
    starts: date
    ends: date | None


class EntryOut(BaseModel):
    item_id: str
    title: str
    department: str
    summary: str
    auto_grant: bool = Field(description="免申即享：无需申报")
    eligible: bool | None
    amount: Decimal | None = Field(
        description="测算金额（元，精确到分），仅符合条件且金额确定时给出")
    amount_note: str | None = Field(
        None, description="符合条件但金额尚不能确定时：“金额待补充：<所需信息>”，所需信息按可能"
                          "影响的金额从大到小排列（见 missing）")
    failed: list[FailedCriterion]
    missing: list[FieldOut]
    materials: list[str]
    apply_url: str | None = Field(description="申报入口；免申即享事项、不在申报期内时为空")
    apply_window: str | None = Field(None, description="申报期（如“2025-03-01 至 2025-05-31”）；"
                                                       "事项未规定申报期时为空")
    policy: PolicyOut
    explanation: list[str] | None = Field(
        None, description="逐条说明（中文）；请求时带 explain=true 才给出")

    @classmethod
    def of(cls, entry: PackEntry, explanation: list[str] | None = None,
           as_of: date | None = None) -> EntryOut:
        """Built without validation (the values come from the engine, not from a caller):
        a pack has up to a few hundred entries per request."""
        item, fields = entry.item, load_catalog()
        static = _static(item)
        return cls.model_construct(
            **{**static, "apply_url": None if item.auto_grant or entry.eligible is False
               or (as_of is not None and not item.in_window(as_of)) else static["apply_url"],
               "policy": static["policy"] if explanation is None else static["policy_text"]},
            eligible=entry.eligible, amount=entry.amount,
            amount_note=packs.amount_pending(entry),
            failed=[FailedCriterion.model_construct(name=n, text=packs.criterion_text(item, n))
                    for n in entry.failed],
            missing=[_field(n) for n in entry.missing if n in fields],
            explanation=explanation)


@lru_cache(maxsize=4096)
def _static(item: Item) -> dict[str, Any]:
    """What an entry says about its item whoever reads it, made once per item (a pure function
    of the item: callers copy what they change)."""
    return {
        "item_id": item.id, "title": item.title, "department": item.department,
        "summary": item.summary, "auto_grant": item.auto_grant,
        "materials": list(item.materials), "apply_url": f"/grants/apply/{item.id}",
        "apply_window": item.window_text,
        "policy": policy_of(item, with_text=False),
        "policy_text": policy_of(item, with_text=True)}


def policy_of(item: Item, *, with_text: bool) -> PolicyOut:
    doc = item.document
    return PolicyOut(document_id=doc.id, document_title=doc.title, doc_no=doc.doc_no,
                     issuer=doc.issuer, source=doc.source,
                     policy_text=item.policy_text if with_text else None,
                     starts=item.starts, ends=item.ends)


@lru_cache(maxsize=512)
def _field(name: str) -> FieldOut:
    return FieldOut.of(load_catalog()[name])


class PackOut(BaseModel):
    uscc: str
    name: str
    as_of: date = Field(description="按此日期有效的政策测算")
    total: Decimal = Field(description="符合条件事项的测算金额合计（元）")
    eligible: list[EntryOut]
    unknown: list[EntryOut] = Field(description="缺少信息、尚不能确定的事项")
    near_misses: list[EntryOut] = Field(description="仅差一项条件的事项")
    fact_fields: list[FieldOut] = Field(description="可由企业补充的申报信息")
    profile_missing: list[FieldOut] = Field(description="需由营商办核实更新的企业信息")

    @classmethod
    def of(cls, v: packs.PackView, explanations: dict[str, list[str]] | None = None) -> PackOut:
        ex = explanations or {}
        return cls.model_construct(
            uscc=v.owner.uscc, name=v.owner.name, as_of=v.as_of, total=v.pack.total,
            eligible=[EntryOut.of(e, ex.get(e.item.id), v.as_of) for e in v.pack.eligible],
            unknown=[EntryOut.of(e, ex.get(e.item.id), v.as_of) for e in v.pack.unknown],
            near_misses=[EntryOut.of(e, ex.get(e.item.id), v.as_of) for e in v.pack.near_misses],
            fact_fields=[FieldOut.of(s, v.needed_by.get(s.name)) for s in v.fact_fields],
            profile_missing=[FieldOut.of(s, v.needed_by.get(s.name)) for s in v.profile_missing])


class FactsIn(BaseModel):
    facts: dict[str, str | int | float | bool | None] = Field(
        description="字段名 → 值（见字段目录；金额单位元，比例填 0.05 或 5%）；空值表示不填")


class FactsOut(BaseModel):
    newly_eligible: list[str] = Field(description="补充信息后新符合条件的事项")
    pack: PackOut


class ExplanationOut(BaseModel):
    item_id: str
    title: str
    lines: list[str]
    policy: PolicyOut = Field(description="政策出处与原文")
