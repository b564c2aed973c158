"""Ask and eval: cited extractive answers, 不知道 below the threshold, the offline targets of the
evaluation set on SQLite and PostgreSQL, and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from huiqi.cli import knowledge_cmd
from huiqi.cli.main import app
from huiqi.kit.db import unit_of_work
from huiqi.kit.errors import ValidationFailed
from huiqi.knowledge import evaluation, service
from huiqi.knowledge.answer import DONT_KNOW

EVAL = Path(__file__).with_name("eval_questions.yaml")


def test_an_answer_cites_the_clauses_it_is_built_from(corpus: Engine) -> None:
    with unit_of_work(corpus) as s:
        answer = service.ask(s, "301首贷户贷款贴息是多少？")
    assert answer.answered and answer.citations
    assert "2%" in answer.text and answer.text.endswith("]")
    retrieved = {h.clause_id for h in answer.retrieved}
    for n, sentence in enumerate(answer.sentences, start=1):
        assert sentence.cites == n
        assert sentence.text.replace(" ", "") in answer.citations[n - 1].text.replace(" ", "")
    assert {c.clause_id for c in answer.citations} <= retrieved
    assert all(" § " in c.citation for c in answer.citations)


def test_nothing_relevant_gives_dont_know(corpus: Engine) -> None:
    with unit_of_work(corpus) as s:
        answer = service.ask(s, "外籍人员工作许可怎么申请？")
        assert not answer.answered and answer.text == DONT_KNOW and not answer.citations
        with pytest.raises(ValidationFailed, match="请输入问题"):
            service.ask(s, "   ")
        with pytest.raises(ValidationFailed, match="过长"):
            service.ask(s, "补助" * 200)


def test_the_evaluation_meets_its_offline_targets(corpus: Engine) -> None:
    questions = evaluation.load(EVAL)
    assert len(questions) == 50 and sum(not q.expect for q in questions) >= 8
    with unit_of_work(corpus) as s:
        report = evaluation.run(s, questions)
    assert report.recall_at_5 >= 0.8, report.misses
    assert report.citation_precision >= 0.9, report.misses
    assert report.refusal_accuracy >= 0.9, report.misses
    assert report.grounded_share == 1.0


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_cli_ask_search_and_eval(corpus: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(knowledge_cmd, "default_engine", lambda: corpus)
    runner = CliRunner()
    asked = runner.invoke(app, ["knowledge", "ask", "知识价值贷为多少家科技型企业发放了贷款？"])
    assert asked.exit_code == 0, asked.output
    flat = "".join(asked.output.split())
    assert "383家" in flat and "[1]黨的二十大報告指出" in flat and "§二(三)" in flat
    unknown = runner.invoke(app, ["knowledge", "ask", "商标注册需要多长时间？"])
    assert "不知道" in unknown.output and "诉求" in unknown.output
    found = runner.invoke(app, ["knowledge", "search", "知识价值贷"])
    assert found.exit_code == 0 and "【知識價值貸】" in "".join(found.output.split())
    scored = runner.invoke(app, ["knowledge", "eval"])
    assert scored.exit_code == 0 and "recall@5 0.9" in scored.output
    empty = runner.invoke(app, ["knowledge", "search", " "])
    assert empty.exit_code == 1 and "请输入" in empty.output
