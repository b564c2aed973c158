"""The optional LLM path: an OpenAI-compatible chat endpoint (DeepSeek, a local server) writes
the answer from the retrieved clauses only; its citations are checked after generation.

Configured by environment variables (unset = offline, extractive only):
  HUIQI_LLM_BASE_URL  e.g. https://api.deepseek.com/v1 or http://127.0.0.1:8000/v1
  HUIQI_LLM_MODEL     e.g. deepseek-chat
  HUIQI_LLM_API_KEY   optional
  HUIQI_LLM_TIMEOUT   seconds, default 20
Anything wrong — a timeout, an HTTP error, a body that is not a chat completion, a sentence
without a citation, a citation of a clause that was not given — rejects the generated answer and
the extractive one is returned instead (with the reason).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import httpx

from huiqi.knowledge.answer import Answer, Sentence
from huiqi.knowledge.search import Hit

CONTEXT = 5
SYSTEM = ("你是政务服务平台的政策问答助手。只能依据用户给出的编号条款回答，不得使用其他知识。"
          "每句话末尾用方括号标注所依据的条款编号，如[1]。条款中没有答案时只回答：不知道。")
_SENTENCES = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_CITED = re.compile(r"^(.*?)((?:\[\d+\])+)$", re.S)


@dataclass(frozen=True)
class Config:
    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 20.0

    @classmethod
    def from_env(cls) -> Config | None:
        base, model = os.environ.get("HUIQI_LLM_BASE_URL"), os.environ.get("HUIQI_LLM_MODEL")
        if not base or not model:
            return None
        return cls(base.rstrip("/"), model, os.environ.get("HUIQI_LLM_API_KEY") or None,
                   float(os.environ.get("HUIQI_LLM_TIMEOUT", "20")))


class Rejected(Exception):
    """The generated answer cannot be used (the message says why, in Chinese)."""


def _prompt(question: str, context: list[Hit]) -> str:
    clauses = "\n".join(f"[{n}] {h.citation}：{h.simplified}" for n, h in enumerate(context, 1))
    return f"条款：\n{clauses}\n\n问题：{question}"


def _complete(config: Config, question: str, context: list[Hit]) -> str:
    headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
    body = {"model": config.model, "temperature": 0,
            "messages": [{"role": "system", "content": SYSTEM},
                         {"role": "user", "content": _prompt(question, context)}]}
    try:
        response = httpx.post(f"{config.base_url}/chat/completions", json=body, headers=headers,
                              timeout=config.timeout)
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
    except httpx.TimeoutException:
        raise Rejected("大模型接口超时") from None
    except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise Rejected(f"大模型接口返回无法识别：{type(exc).__name__}") from None
    if not isinstance(content, str) or not content.strip():
        raise Rejected("大模型接口返回空答案")
    return content.strip()


def parse(content: str, context: list[Hit], base: Answer) -> Answer:
    """The generated text as cited sentences; every citation must name a given clause."""
    answer = Answer(base.question, True, retrieved=base.retrieved, mode="llm")
    if content.startswith("不知道"):
        return Answer(base.question, False, retrieved=base.retrieved, mode="llm")
    index: dict[int, int] = {}
    for sentence in (s.strip().rstrip("。！？!?").strip() for s in _SENTENCES.findall(content)):
        if not sentence:
            continue
        cited = _CITED.match(sentence)
        if cited is None or not cited.group(1).strip():
            raise Rejected(f"答案中有未标注出处的句子：“{sentence[:30]}”")
        text, marks = cited.group(1), cited.group(2)
        numbers = [int(m) for m in re.findall(r"\d+", marks)]
        if any(not 1 <= n <= len(context) for n in numbers):
            raise Rejected(f"答案引用了未检索到的条款 {marks}")
        first = numbers[0]
        if first not in index:
            answer.citations.append(context[first - 1])
            index[first] = len(answer.citations)
        answer.sentences.append(Sentence(text.strip(), index[first]))
    if not answer.sentences:
        raise Rejected("答案为空")
    return answer


def generate(config: Config, base: Answer) -> Answer:
    """The LLM's answer over the retrieved clauses, or `base` (extractive) with the reason."""
    context = base.retrieved[:CONTEXT]
    try:
        return parse(_complete(config, base.question, context), context, base)
    except Rejected as exc:
        base.fallback_reason = str(exc)
        return base
