"""Turning a fetched page or file into the document's text: no markup, navigation, share buttons,
front matter, trailing link spam or inline pinyin; and its simplified form for indexing."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from selectolax.lexbor import LexborHTMLParser as HTMLParser

# Tone-marked (or plain) pinyin syllables in brackets right after a Han character: 動(dòng).
_PINYIN_CHARS = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_PINYIN = re.compile(rf"(?<=[\u3400-\u9fff])[(（][{_PINYIN_CHARS}]{{1,7}}[)）]")
# The same annotation where a broken encoding ate the character before it: 展?fàn)I.
_PINYIN_BROKEN = re.compile(rf"\?[{_PINYIN_CHARS}]{{1,7}}\)[A-Z]?")
_FRONT_MATTER = re.compile(r"\A\s*---\s*\n(.*?)\n---\s*\n", re.S)
_DROP_TAGS = "script, style, noscript, nav, header, footer, aside, form, iframe, button, svg"
_BLOCK_TAGS = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section",
               "article", "table", "blockquote", "pre", "ul", "ol", "dd", "dt"}
_CLUTTER_CLASS = re.compile(r"share|nav|menu|breadcrumb|footer|header|sidebar|related|comment"
                            r"|copyright|toolbar|bdsharebuttonbox|social", re.I)
# Whole lines that are site furniture rather than document text (matched on simplified text).
_NAV_LINE = re.compile(
    r"^(今天是.{0,20}|首页|当前位置[:：].*|您的位置[:：].*|新闻动态|代表工作|政务公开|通知公告|"
    r"分享到[:：]?.*|打印(本页)?|关闭(窗口)?|【?(打印|关闭|返回顶部)】?|返回(顶部|首页|列表)?|"
    r"字号[:：].*|扫一扫.*|微信|微博|QQ空间|上一篇.*|下一篇.*|编发[:：].*|审核[:：].*|终审[:：].*|"
    r"责任编辑[:：].*|发布会现场|\(?[A-Za-z]+ ?[Ss]hare\)?)$")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_BARE_URL = re.compile(r"<?https?://\S+>?|//[\w.-]+\.\w+/\S*")
_SPAM_MARKERS = ("蜘蛛池", "主站", "模板:", "模板：")


@lru_cache(maxsize=1)
def _t2s() -> Any:  # opencc has no types
    import opencc

    return opencc.OpenCC("t2s")


def simplify(text: str) -> str:
    """Traditional → simplified (OpenCC t2s); simplified text passes through unchanged."""
    return str(_t2s().convert(unicodedata.normalize("NFKC", text)))


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """YAML-ish `key: value` front matter (Jekyll, Hexo) as a dict, and the rest of the text."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith(" "):
            meta[key.strip()] = value.strip().strip("'\"")
    return meta, text[match.end():]


def looks_like_html(text: str) -> bool:
    return bool(re.search(r"<(p|div|br|html|body|span|h[1-6]|table|article)\b", text, re.I))


def html_to_text(html: str) -> tuple[str, str | None]:
    """The visible text of a page, one block per line, and its <title>/<h1> if any."""
    tree = HTMLParser(html)
    title_node = tree.css_first("h1") or tree.css_first("title")
    title = title_node.text(strip=True) if title_node else None
    for node in tree.css(_DROP_TAGS):
        node.decompose()
    for node in tree.css("[class], [id]"):
        marker = f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}"
        if _CLUTTER_CLASS.search(marker) and node.tag not in ("body", "html"):
            node.decompose()
    root = tree.body or tree.root
    if root is None:
        return "", title
    parts: list[str] = []
    for node in root.traverse(include_text=True):
        if node.tag == "-text":
            parts.append(node.text_content or "")
        elif node.tag in _BLOCK_TAGS:
            parts.append("\n")
    return "".join(parts), title


def strip_pinyin(text: str) -> str:
    return _PINYIN_BROKEN.sub("", _PINYIN.sub("", text))


def _is_spam(line: str) -> bool:
    """Link farms pasted at the end of a page: many short `|`-separated names, or known markers."""
    if any(marker in line for marker in _SPAM_MARKERS):
        return True
    pieces = [p for p in re.split(r"[|｜]", line) if p.strip()]
    return len(pieces) >= 5 and sum(len(p.strip()) for p in pieces) / len(pieces) <= 8


def clean_lines(text: str) -> list[str]:
    """Paragraphs of the document: normalised, furniture and spam removed, duplicates dropped."""
    text = text.replace("\u3000", " ").replace("\xa0", " ")
    text = strip_pinyin(text)
    lines: list[str] = []
    seen: set[str] = set()
    for raw in text.splitlines():
        line = _MARKDOWN_LINK.sub(lambda m: m.group(1), raw)
        line = _BARE_URL.sub("", line).strip(" \t|｜")
        line = re.sub(r"\s+", " ", line).strip()
        if not line or _is_spam(line):
            continue
        simple = simplify(line)
        if _NAV_LINE.match(simple) or re.fullmatch(r"返回.{0,12}", simple):
            continue
        key = re.sub(r"^摘要[:：]", "", simple)
        if key in seen:  # a summary repeating the first paragraph, a caption twice
            continue
        seen.add(key)
        lines.append(line)
    return lines
