"""Splitting a document into clauses by its own structure: 第X章/第X条, 一、 (一) 1. (1), 第一,.

Each paragraph is a clause numbered by the path of headings above it (一、(二)), or by its
article (第五条); a short marker line with no sentence of its own is a heading for the paragraphs
that follow. Unstructured text (a news report) is numbered by paragraph: 第3段.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN = "一二三四五六七八九十百零〇"
# (level, pattern); a lower level is an outer one. The match is the clause's own number.
_MARKERS: list[tuple[int, re.Pattern[str]]] = [
    (0, re.compile(rf"^第[{_CN}\d]+章")),
    (1, re.compile(rf"^第[{_CN}\d]+条")),
    (1, re.compile(rf"^[{_CN}]+[、.．]")),
    (2, re.compile(rf"^[(（][{_CN}]+[)）]")),
    (2, re.compile(rf"^第[{_CN}]+[,，、]")),
    (3, re.compile(r"^\d{1,2}[.．、](?!\d)")),
    (4, re.compile(r"^[(（]\d{1,2}[)）]")),
]


@dataclass
class Clause:
    seq: int
    number: str
    heading: str | None
    text: str


def marker(line: str) -> tuple[int, str] | None:
    for level, pattern in _MARKERS:
        match = pattern.match(line)
        if match:
            return level, match.group(0).rstrip(",，、.．")
    return None


def _is_heading(line: str, found: tuple[int, str]) -> bool:
    if re.match(r"^第.+([,，]|条)", line[:len(found[1]) + 1]):
        return False  # articles (第五条) and list items (第一,) are never headings
    rest = line[len(found[1]):].strip(" 、.．,，").removesuffix("。")
    return len(rest) <= 40 and not re.search(r"[。;；!！?？]", rest)


def split(lines: list[str]) -> list[Clause]:
    path: dict[int, str] = {}  # level → number of the enclosing headings and the current item
    headings: set[int] = set()  # levels whose entry is a heading line (not an item with text)
    heading: str | None = None
    pending: str | None = None  # a heading not yet followed by text of its own
    out: list[Clause] = []
    structured = sum(1 for line in lines if marker(line)) >= 2

    def emit(number: str, text: str, under: str | None) -> None:
        out.append(Clause(len(out) + 1, _unique(number, out), under, text))

    for index, line in enumerate(lines, start=1):
        found = marker(line) if structured else None
        if found:
            level, label = found
            if pending is not None and level <= max(path):
                emit("".join(path[k] for k in sorted(path)), pending, None)
            path = {k: v for k, v in path.items() if k < level}
            headings = {k for k in headings if k < level}
            path[level] = label
            pending = None
            if _is_heading(line, found):
                heading = pending = line
                headings.add(level)
                continue
        elif path and max(path) not in headings:
            # Plain text after a list of items ends the list: back to the enclosing headings.
            path = {k: v for k, v in path.items() if k in headings}
        pending = None
        if path:
            number = "".join(path[k] for k in sorted(path))
        else:
            number, heading = f"第{index}段", None
        emit(number, line, heading)
    if pending is not None:
        emit("".join(path[k] for k in sorted(path)), pending, None)
    return _chunked(out)


_SENTENCE = re.compile(r"[^。！？!?；;]+[。！？!?；;]?")
CHUNK = 200


def _chunked(parts: list[Clause]) -> list[Clause]:
    """A long paragraph is retrieved in pieces of a few sentences (same clause number): a
    short relevant passage is not drowned by the length of its paragraph."""
    out: list[Clause] = []
    for part in parts:
        pieces: list[str] = []
        for sentence in _SENTENCE.findall(part.text):
            if pieces and len(pieces[-1]) + len(sentence) <= CHUNK:
                pieces[-1] += sentence
            else:
                pieces.append(sentence)
        for piece in pieces or [part.text]:
            out.append(Clause(len(out) + 1, part.number, part.heading, piece.strip()))
    return out


def _unique(number: str, before: list[Clause]) -> str:
    """A second paragraph under the same heading: 一、(二) → 一、(二)第2段."""
    same = sum(1 for c in before if c.number == number or c.number.startswith(number + "第"))
    return number if not same else f"{number}第{same + 1}段"
