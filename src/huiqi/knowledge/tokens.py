"""Chinese tokenisation for the index and the queries: jieba (search mode, so 技术改造 also
yields 技术 and 改造) with a user dictionary of policy terms, stop words and punctuation dropped."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jieba

from huiqi.knowledge.cleaning import simplify

USER_DICT = Path(__file__).with_name("policy_terms.txt")
_STOP_WORDS = (
    "的 了 和 与 及 或 等 是 在 为 对 把 被 从 向 由 于 以 之 其 这 那 有 也 都 就 而 并 将 已 "
    "吗 呢 吧 啊 么 什么 怎么 怎样 如何 哪些 哪个 多少 几 能 能否 可以 可否 是否 我 我们 我的 "
    "我能 我司 你 您 他 她 它 请问 请 一下 要 需要 想 会 该 个 些 里 中 上 下 给 让 还 又 再 "
    "没有 不 呀 哪 谁 多 时候 有没有 有何 吗 几天 几个 几次 哪几天 多久 多长时间 什么样 "
    "怎么办 办理 是不是 具体 情况 相关 哪里 目前")
STOP = frozenset(_STOP_WORDS.split())
_WORD = re.compile(r"[\w\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    jieba.setLogLevel(60)
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(USER_DICT))
    return tokenizer


def words(text: str) -> list[str]:
    """The question's own words (no sub-words), for judging how much of it a clause meets."""
    return [w for w in (w.strip().lower() for w in _tokenizer().cut(simplify(text)))
            if w and _WORD.search(w) and w not in STOP]


def tokenize(text: str) -> list[str]:
    """Index and query tokens of (any form of) Chinese text, lower-cased, in order."""
    tokenizer = _tokenizer()
    out: list[str] = []
    for word in tokenizer.cut(simplify(text)):
        word = word.strip().lower()
        if not word or not _WORD.search(word) or word in STOP:
            continue
        # Every dictionary word inside a long one, so 首贷续贷 finds 首贷续贷中心 (jieba's search
        # mode only adds the 2- and 3-character ones).
        for size in range(2, len(word)):
            for start in range(len(word) - size + 1):
                part = word[start:start + size]
                if tokenizer.FREQ.get(part) and part not in STOP:
                    out.append(part)
        out.append(word)
    return out
