"""The knowledge API's payloads."""

from __future__ import annotations

from pydantic import BaseModel, Field

from huiqi.knowledge.answer import Answer
from huiqi.knowledge.search import Hit


class HitOut(BaseModel):
    clause_id: int
    document_id: int
    citation: str
    title: str
    number: str
    text: str
    highlighted: str
    score: float
    source: str
    issuer: str | None
    region: str | None
    item_ids: list[str]
    link: str

    @classmethod
    def of(cls, hit: Hit) -> HitOut:
        return cls(clause_id=hit.clause_id, document_id=hit.document_id, citation=hit.citation,
                   title=hit.title, number=hit.number, text=hit.text,
                   highlighted=hit.highlighted, score=hit.score, source=hit.source,
                   issuer=hit.issuer, region=hit.region, item_ids=hit.item_ids,
                   link=f"/api/v1/knowledge/clauses/{hit.clause_id}")


class AskIn(BaseModel):
    question: str = Field(..., max_length=300, examples=["技改项目补助比例是多少？"])
    uscc: str | None = Field(None, max_length=18, description="营商办代某企业提问时填写")


class SentenceOut(BaseModel):
    text: str
    cites: int


class AnswerOut(BaseModel):
    answered: bool
    text: str
    sentences: list[SentenceOut]
    citations: list[HitOut]
    eligibility: list[str]
    mode: str

    @classmethod
    def of(cls, answer: Answer) -> AnswerOut:
        return cls(answered=answer.answered, text=answer.text,
                   sentences=[SentenceOut(text=s.text, cites=s.cites) for s in answer.sentences],
                   citations=[HitOut.of(h) for h in answer.citations],
                   eligibility=answer.eligibility, mode=answer.mode)


class AppealFromQuestionIn(BaseModel):
    question: str = Field(..., max_length=300)
    category: str | None = Field(None, max_length=100, description="诉求类别；默认第一个类别")


class AppealCreatedOut(BaseModel):
    appeal_id: int
    link: str


class ClauseOut(BaseModel):
    clause_id: int
    document_id: int
    citation: str
    number: str
    heading: str | None
    text: str
    document_title: str
    doc_no: str | None
    issuer: str | None
    source: str
    status: str
    item_ids: list[str] = []


class DraftIn(BaseModel):
    clause_ids: list[int] = Field(..., min_length=1, max_length=200,
                                  description="起草所依据的条款（同一政策原文中的条款）")


class DraftElementOut(BaseModel):
    kind: str = Field(description="criterion 条件 | rate 比例 | cap 上限 | budget 预算 | "
                                  "guidance 原则性表述")
    words: str = Field(description="原文中的词句")
    rule: str | None = Field(description="建议的规则（无法确定时为空）")
    field: str | None
    todo: str | None = Field(description="须由编辑者决定的事项；为空表示原文明确")


class DraftOut(BaseModel):
    document_id: int
    clause_ids: list[int]
    filename: str
    source: str = Field(description="政策文件草稿（YAML），可直接在政策编辑器中检查和保存")
    rules: int
    pending: int
    elements: list[DraftElementOut]
