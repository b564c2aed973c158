"""The optional LLM path against a fake OpenAI-compatible server on 127.0.0.1 (nothing leaves the
machine): a cited answer is used; a hallucinated citation, an uncited sentence, garbage and a
timeout are rejected and the extractive answer is returned instead."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import Engine

from huiqi.kit.db import unit_of_work
from huiqi.knowledge import llm, service

QUESTION = "301首贷户贷款贴息是多少？"


class Fake:
    reply: Any = ""
    delay = 0.0
    requests: list[dict[str, Any]] = []  # noqa: RUF012 - one fake per test module


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Fake.requests.append(json.loads(self.rfile.read(length)))
        time.sleep(Fake.delay)
        if isinstance(Fake.reply, bytes):
            body = Fake.reply
        else:
            body = json.dumps({"choices": [{"message": {"role": "assistant",
                                                        "content": Fake.reply}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[llm.Config]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield llm.Config(f"http://127.0.0.1:{httpd.server_address[1]}/v1", "fake-model",
                     timeout=1.0)
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _reset() -> None:
    Fake.reply, Fake.delay = "", 0.0
    Fake.requests.clear()


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_cited_generated_answer_is_used(corpus: Engine, server: llm.Config) -> None:
    Fake.reply = "首贷户可享受贷款金额2%的贴息[1]。"
    with unit_of_work(corpus) as s:
        answer = service.ask(s, QUESTION, llm_config=server)
    assert answer.mode == "llm" and answer.answered and answer.fallback_reason is None
    assert answer.text == "首贷户可享受贷款金额2%的贴息[1]"
    assert answer.citations[0].clause_id == answer.retrieved[0].clause_id
    prompt = Fake.requests[0]["messages"][1]["content"]
    assert "[1]" in prompt and answer.retrieved[0].simplified in prompt  # clauses as context
    assert "[6]" not in prompt  # only the top five


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("reply", "delay", "reason"), [
    ("贴息为2%[9]。", 0.0, "未检索到的条款"),
    ("贴息为2%。另有补贴[1]。", 0.0, "未标注出处的句子"),
    (b"<html>502 Bad Gateway</html>", 0.0, "无法识别"),
    (b'{"choices": []}', 0.0, "无法识别"),
    ("贴息为2%[1]。", 2.0, "超时"),
])
def test_a_bad_generation_falls_back_to_the_extractive_answer(
        corpus: Engine, server: llm.Config, reply: Any, delay: float, reason: str) -> None:
    Fake.reply, Fake.delay = reply, delay
    with unit_of_work(corpus) as s:
        answer = service.ask(s, QUESTION, llm_config=server)
        offline = service.ask(s, QUESTION)
    assert answer.mode == "extractive" and reason in (answer.fallback_reason or "")
    assert answer.text == offline.text and "2%" in answer.text


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_dont_know_asks_no_model(corpus: Engine, server: llm.Config) -> None:
    with unit_of_work(corpus) as s:
        answer = service.ask(s, "商标注册需要多长时间？", llm_config=server)
    assert not answer.answered and Fake.requests == []
