"""A document's metadata from its own text: title, 文号, issuer, dates of issue and effect, region.

Read on the simplified text; every value is None when the text does not say it (never guessed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from huiqi.knowledge.cleaning import simplify

REGIONS = {"江北区": "500105", "巴南区": "500113", "九龙坡区": "500107", "东宝区": "420802",
           "青原区": "360803"}
_DOC_NO = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[(（【]\d{4}[〕\])）】]\d{1,4}号")
_ISSUER = re.compile(r"^[\u4e00-\u9fff]{2,30}(人民政府|委员会|办公室|办公厅|局|中心|委)$")
_DATE = re.compile(r"(\d{4})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})\s*日?")
_ISSUE_LABEL = re.compile(r"(发布日期|发文日期|成文日期|印发日期|date)[:：]?\s*")
_EFFECT = re.compile(r"自\s*(\d{4}年\d{1,2}月\d{1,2}日)\s*起(施行|执行|实施)")
_EXPIRE = re.compile(r"有效期至\s*(\d{4}年\d{1,2}月\d{1,2}日)")
# A line of page metadata (作者: 发布日期: 来源: 阅读次数:) or a byline; read, then dropped.
_META_LINE = re.compile(r"(作者|发布日期|来源|阅读次数|文章来源|发布时间|浏览次数)[:：]")


@dataclass
class Metadata:
    title: str
    doc_no: str | None = None
    issuer: str | None = None
    region: str | None = None
    issued_on: date | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    publisher: str | None = None


def parse_date(text: str) -> date | None:
    match = _DATE.search(text)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def is_meta_line(line: str) -> bool:
    simple = simplify(line)
    return bool(_META_LINE.search(simple)) and len(simple) < 80


def _title_from(lines: list[str]) -> str:
    from huiqi.knowledge.clauses import marker

    candidates = lines[:2] if lines and _ISSUER.match(simplify(lines[0])) else lines[:1]
    for line in candidates:
        simple = simplify(line)
        if (6 <= len(simple) <= 60 and not _ISSUER.match(simple) and not marker(line)
                and simple[-1] not in "。;；,，"):
            return line
    first = next((line for line in lines if not _ISSUER.match(simplify(line))), "无标题")
    first = re.sub(r"^摘要[:：]", "", first)
    return re.split(r"[。!！?？]", first)[0][:40]


def extract(lines: list[str], front: dict[str, str], html_title: str | None) -> Metadata:
    simple_all = simplify("\n".join(lines))
    title = front.get("title") or html_title or _title_from(lines)
    meta = Metadata(title=title.strip())
    doc_no = _DOC_NO.search(simple_all[:2000])
    meta.doc_no = doc_no.group(0) if doc_no else None
    for line in lines:
        simple = simplify(line)
        if _ISSUER.match(simple) and meta.issuer is None:
            meta.issuer = simple
        if is_meta_line(line):
            label = _ISSUE_LABEL.search(simple)
            if label and meta.issued_on is None:
                meta.issued_on = parse_date(simple[label.end():])
            source = re.search(r"来源[:：]\s*(?!阅读|浏览)([\u4e00-\u9fff]{2,20})", simple)
            if source:
                meta.publisher = source.group(1)
    if meta.issued_on is None and front.get("date"):
        meta.issued_on = parse_date(front["date"]) or _english_date(front["date"])
    effect = _EFFECT.search(simple_all)
    meta.effective_from = parse_date(effect.group(1)) if effect else None
    expire = _EXPIRE.search(simple_all)
    meta.effective_to = parse_date(expire.group(1)) if expire else None
    counts = {code: simple_all.count(name) for name, code in REGIONS.items()}
    best = max(counts, key=lambda code: counts[code])
    meta.region = best if counts[best] else None
    return meta


def _english_date(text: str) -> date | None:
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    match = re.search(r"(\d{1,2}) (\w{3}) (\d{4})", text)
    if match and match[2] in months:
        return date(int(match[3]), months.index(match[2]) + 1, int(match[1]))
    return None
