"""`huiqi knowledge eval`: retrieval recall@5, precision of the cited clauses, the share of
answers citing only retrieved clauses, refusal accuracy — over a YAML set of questions with the
clauses that answer them (`expect`: substrings of those clauses; empty = unanswerable)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from huiqi.knowledge.answer import Answer, extractive
from huiqi.knowledge.search import Hit


@dataclass
class Question:
    q: str
    expect: list[str]


@dataclass
class Report:
    questions: int = 0
    answerable: int = 0
    recall_hits: int = 0
    cited: int = 0
    cited_relevant: int = 0
    answered: int = 0
    grounded: int = 0  # answers whose citations were all retrieved
    refusals_right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def recall_at_5(self) -> float:
        return self.recall_hits / self.answerable if self.answerable else 0.0

    @property
    def citation_precision(self) -> float:
        return self.cited_relevant / self.cited if self.cited else 0.0

    @property
    def grounded_share(self) -> float:
        return self.grounded / self.answered if self.answered else 1.0

    @property
    def refusal_accuracy(self) -> float:
        return self.refusals_right / self.questions if self.questions else 0.0


def load(path: Path) -> list[Question]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Question(str(e["q"]), [str(x).lower() for x in e.get("expect") or []])
            for e in data["questions"]]


def _relevant(hit: Hit, expect: list[str]) -> bool:
    text = hit.simplified.lower()
    return any(e in text for e in expect)


def run(session: Session, questions: list[Question],
        ask: Callable[[Session, str], Answer] = extractive) -> Report:
    report = Report()
    for question in questions:
        answer = ask(session, question.q)
        report.questions += 1
        answerable = bool(question.expect)
        if answer.answered == answerable:
            report.refusals_right += 1
        else:
            report.misses.append(f"{'应答未答' if answerable else '应拒未拒'}：{question.q}")
        if answer.answered:
            report.answered += 1
            retrieved = {h.clause_id for h in answer.retrieved}
            report.grounded += all(c.clause_id in retrieved for c in answer.citations)
        if not answerable:
            continue
        report.answerable += 1
        if any(_relevant(h, question.expect) for h in answer.retrieved[:5]):
            report.recall_hits += 1
        else:
            report.misses.append(f"前5未检索到：{question.q}")
        if answer.answered:
            report.cited += len(answer.citations)
            report.cited_relevant += sum(_relevant(c, question.expect) for c in answer.citations)
    return report
