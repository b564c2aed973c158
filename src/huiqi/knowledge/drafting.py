"""Drafting policy rules from policy text (政策文件解析): rule-based extraction of thresholds,
rates, caps, budgets and yes/no conditions, each linked to the words it came from.

What it proposes is a starting point for the policy editor, never a published rule: every element
carries its source words, and anything the text leaves open (which field a phrase means, a
condition for an alternative rate, guidance worded 原则上/鼓励) is a TODO the editor resolves.

Comparison words follow 民法典 第1259条: 以上、以下、以内、不超过 include the number (>=, <=);
不满、超过 exclude it (<, >). 不低于/不少于/达到 read as 以上, 低于/不足/未满 as 不满, 高于 as 超过.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from huiqi.rules import Catalog, FieldSpec, FieldType

# Longest first: the alternation takes the first that matches at a position.
_AT_LEAST = ("及以上", "以上", "不低于", "不少于", "达到")
_AT_MOST = ("最高不超过", "最长不超过", "及以下", "以下", "以内", "不超过", "不高于", "最高")
_MORE = ("超过", "高于", "多于")
_LESS = ("不满", "不足", "低于", "少于", "未满")
OPS: dict[str, str] = {**dict.fromkeys(_AT_LEAST, ">="), **dict.fromkeys(_AT_MOST, "<="),
                       **dict.fromkeys(_MORE, ">"), **dict.fromkeys(_LESS, "<")}
_UNITS = {"亿元": Decimal(100_000_000), "万元": Decimal(10_000), "元": Decimal(1),
          "%": Decimal("0.01"), "年": Decimal(1), "次": Decimal(1), "头": Decimal(1),
          "人": Decimal(1), "户": Decimal(1), "个月": Decimal(1)}
_NUM = r"(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>亿元|万元|元|%|个月|年|次|头|人|户)"
_OP_WORDS = "|".join(sorted(OPS, key=len, reverse=True))
# "500万元以上" (number, then the word) and "不超过3年" (the word, then the number).
_AFTER = re.compile(_NUM + r"(?P<op>及以上|以上|及以下|以下|以内)")
_BEFORE = re.compile(r"(?P<op>" + _OP_WORDS + r")\s*" + _NUM)
_RATE = re.compile(r"(?P<pct>\d+(?:\.\d+)?)%(?:\s*[-—~至到]\s*(?P<pct2>\d+(?:\.\d+)?)%)?")
_SENTENCE = re.compile(r"[^。；;\n]+")
_CLAUSE_BREAK = re.compile(r"[，,、：:（(）)]")
_GUIDANCE = ("原则上", "鼓励", "优先")
_CAP_WORDS = ("单个项目", "单个", "每个企业", "每户", "单户", "每家", "总额", "补助", "贴息",
              "补贴", "奖励", "资金")
_GRANT_WORDS = ("补助", "贴息", "补贴", "奖励", "扶持", "给予")
_NEGATIONS = ("未", "无", "没有", "不得", "不是", "不属于", "不在", "非")
_FILLER = re.compile(r"^(?:对|按照|按|其中|且|并|申报|申报项目|项目|企业|以|的)+")
MIN_FIELD_SCORE = 0.5
# The ELSE branch of a cap the text states for some projects only ("以“机器换人”为主的…500万元"):
# filled from the plain cap of the same name when the text has one, else left to the editor.
OPEN_BRANCH = "/*其他项目的上限*/"


@dataclass(frozen=True)
class Element:
    """One proposed rule element and the words of the text it came from."""

    kind: str  # criterion | rate | cap | budget | guidance
    words: str  # verbatim from the text
    start: int  # offset of `words` in the text
    rule: str | None  # the expression proposed (None: the editor writes it)
    field: str | None = None  # the catalog field it reads, when one was recognised
    value: Decimal | None = None  # the number in base units (元, a proportion, years…)
    op: str | None = None
    name: str = ""  # a cap's or budget's key (per_project, per_enterprise, per_year)
    todo: str | None = None  # what the editor must decide; None when the text is explicit


@dataclass
class Draft:
    text: str
    elements: list[Element] = field(default_factory=list)

    def of(self, kind: str) -> list[Element]:
        return [e for e in self.elements if e.kind == kind]

    @property
    def todos(self) -> list[Element]:
        return [e for e in self.elements if e.todo]


def number(num: str, unit: str | None) -> Decimal:
    return Decimal(num) * _UNITS.get(unit or "", Decimal(1))


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[“”\"'（）()、，,\s]", "", text)
    return {text[i:i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def field_score(phrase: str, spec: FieldSpec) -> float:
    """How much of the field's label the phrase says (share of the label's character pairs)."""
    label = _bigrams(spec.label)
    return len(label & _bigrams(phrase)) / len(label) if label else 0.0


def best_field(phrase: str, specs: Iterable[FieldSpec]) -> tuple[FieldSpec | None, float]:
    scored = [(field_score(phrase, s), s) for s in specs]
    if not scored:
        return None, 0.0
    score, spec = max(scored, key=lambda p: p[0])
    return (spec, score) if score >= MIN_FIELD_SCORE else (None, score)


def _subject(sentence: str, end: int) -> str:
    """The words before a number, back to the previous clause break (the thing measured)."""
    head = _CLAUSE_BREAK.split(sentence[:end])[-1]
    return _FILLER.sub("", head.strip())


def _numeric(spec: FieldSpec, unit: str | None) -> bool:
    if spec.type not in (FieldType.MONEY, FieldType.DECIMAL, FieldType.INTEGER):
        return False
    money_unit = unit in ("元", "万元", "亿元")
    return (spec.type is FieldType.MONEY) == money_unit or unit == spec.unit


def _literal(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _cap_name(subject: str) -> str:
    if "总额" in subject:
        return "per_year" if "每年" in subject else "total"
    if "年" in subject and ("每个企业" in subject or "企业年" in subject):
        return "per_year"
    return "per_project" if "项目" in subject else "per_enterprise"


class _Extractor:
    def __init__(self, text: str, catalog: Catalog) -> None:
        self.text = text
        self.numeric = [s for s in catalog if s.type in (
            FieldType.MONEY, FieldType.DECIMAL, FieldType.INTEGER)]
        self.flags = [s for s in catalog if s.type is FieldType.BOOL]
        self.money = [s for s in catalog if s.type is FieldType.MONEY]
        self.out: list[Element] = []
        self.taken: list[tuple[int, int]] = []
        self.flagged: set[str] = set()

    def run(self) -> list[Element]:
        for m in _SENTENCE.finditer(self.text):
            self.sentence(m.group(), m.start())
        return sorted(self.out, key=lambda e: e.start)

    def add(self, element: Element, span: tuple[int, int]) -> None:
        self.out.append(element)
        self.taken.append(span)

    def free(self, start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in self.taken)

    def sentence(self, s: str, at: int) -> None:
        for m in [*_AFTER.finditer(s), *_BEFORE.finditer(s)]:
            if m.group("unit") == "%":
                continue  # rates below
            self.threshold(s, at, m, _guidance(s, m.start()))
        self.rates(s, at)
        self.conditions(s, at)

    def threshold(self, s: str, at: int, m: re.Match[str], guidance: bool) -> None:
        start, end = at + m.start(), at + m.end()
        if not self.free(start, end):
            return
        op, unit = OPS[m.group("op")], m.group("unit")
        value = number(m.group("num"), unit)
        subject = _subject(s, m.start())
        words = s[max(0, m.start() - len(subject)):m.end()]
        if guidance:
            self.add(Element("guidance", words, at + m.start() - len(subject), None, value=value,
                             op=op, todo="原文为“原则上/鼓励”，是否作为条件请确认"), (start, end))
            return
        money = unit in ("元", "万元", "亿元")
        if money and op == "<=" and any(w in subject or w in s for w in _CAP_WORDS) \
                and not self._measured(subject):
            self.cap(s, at, m, subject, value)
            return
        spec, _ = best_field(subject, [f for f in self.numeric if _numeric(f, unit)])
        rule = f"{spec.name} {op} {_literal(value)}" if spec else None
        todo = None if spec else f"“{subject or words}”对应哪个字段？目录中没有找到"
        self.add(Element("criterion", words, at + m.start() - len(subject), rule,
                         spec.name if spec else None, value, op, todo=todo), (start, end))

    def _measured(self, subject: str) -> bool:
        """A phrase naming a catalog quantity (销售额, 设备投资) is a criterion, not a cap."""
        spec, score = best_field(subject, self.money)
        return spec is not None and score >= 0.6

    def cap(self, s: str, at: int, m: re.Match[str], subject: str, value: Decimal) -> None:
        head = s[:m.start()]
        name = _cap_name(subject)
        kind = "budget" if name == "per_year" and "每年" in subject else "cap"
        name = "per_enterprise" if name == "total" else name
        condition = None
        for spec in self.flags:  # "以“机器换人”为主的…项目单个最高不超过500万元"
            if field_score(head[-40:], spec) >= 0.6:
                condition = spec
                break
        rule = _literal(value)
        todo = None
        if condition is not None:
            rule = f"CASE WHEN {condition.name} THEN {_literal(value)} ELSE {OPEN_BRANCH} END"
            todo = f"仅“{condition.label}”的项目适用此上限，其他项目的上限请核对"
        self.add(Element(kind, s[max(0, m.start() - len(subject)):m.end()],
                         at + m.start() - len(subject), rule,
                         condition.name if condition else None, value, "<=",
                         "per_year" if kind == "budget" else name, todo),
                 (at + m.start(), at + m.end()))

    def money_spec(self, name: str | None) -> FieldSpec | None:
        return next((f for f in self.money if f.name == name), None)

    def rates(self, s: str, at: int) -> None:
        for m in _RATE.finditer(s):
            tail = s[m.end():m.end() + 8]
            head = s[max(0, m.start() - 24):m.start()]
            if not any(w in tail or w in head[-6:] for w in (*_GRANT_WORDS, "标准")):
                continue
            start = at + m.start()
            if not self.free(start, at + m.end()):
                continue
            rate = Decimal(m.group("pct")) / 100
            base_words = _subject(s, m.start()).removesuffix("的")
            base, _ = best_field(base_words, self.money)
            alternative = "标准为" in head[-6:] or "比例为" in head[-6:]
            if alternative:  # "(新能源动力储能电池行业企业,补贴标准为12%)": the previous base
                base = next((self.money_spec(e.field) for e in reversed(self.out)
                             if e.kind == "rate" and e.field), None)
                base_words = _alternative_condition(s, m.start())
            todo = None
            if m.group("pct2"):
                high = Decimal(m.group("pct2")) / 100
                todo = f"比例为区间 {_literal(rate)}–{_literal(high)}，按哪个比例请确认"
            elif alternative:
                todo = f"另一比例：适用于“{base_words}”，请把适用条件写成规则"
            elif base is None:
                todo = f"比例的计算基数“{base_words}”对应哪个字段？"
            rule = f"{base.name} * {_literal(rate)}" if base else None
            lead = len(_CLAUSE_BREAK.split(s[:m.start()])[-1]) if not alternative else \
                m.start() - max(s.rfind(c, 0, m.start()) for c in "（(") - 1
            end = m.end() + len(re.split(r"[,，（()）。]", tail)[0])
            words = s[m.start() - lead:end]
            self.add(Element("rate", words, start - lead, rule,
                             base.name if base else None, rate, todo=todo),
                     (start, at + m.end()))

    def conditions(self, s: str, at: int) -> None:
        """Yes/no facts the sentence names (失信被执行人, 已获…资金支持 → 不再支持)."""
        for spec in self.flags:
            if field_score(s, spec) < 0.7:
                continue
            where = _locate(s, spec.label)
            if not self.free(at + where[0], at + where[1]):
                continue
            clause = s[where[0]:where[1]]
            excluded = any(w in s for w in ("不再", "不予", "不得", "除外"))
            if spec.name in self.flagged:
                continue
            near = s[max(0, where[0] - 2):where[1]]
            negated = excluded or any(n in near and n not in spec.label for n in _NEGATIONS)
            self.flagged.add(spec.name)
            if "机器换人" in clause and "最高" in s:
                continue  # the condition of a cap, taken there
            rule = f"NOT {spec.name}" if negated else spec.name
            self.add(Element("criterion", clause, at + where[0], rule, spec.name,
                             todo=None if negated or excluded else "是否为必须满足的条件请确认"),
                     (at + where[0], at + where[1]))


def _alternative_condition(sentence: str, pos: int) -> str:
    """The words an alternative rate applies to: from its opening parenthesis to the comma."""
    start = max(sentence.rfind(c, 0, pos) for c in "（(") + 1
    return re.split(r"[,，]", sentence[start:pos])[0].strip()


def _guidance(sentence: str, pos: int) -> bool:
    """Whether the comma-clause holding `pos` is worded as guidance (原则上, 鼓励)."""
    start = max(sentence.rfind(c, 0, pos) for c in ",，;；") + 1
    ends = [i for i in (sentence.find(c, pos) for c in ",，;；") if i >= 0]
    return any(w in sentence[start:min(ends, default=len(sentence))] for w in _GUIDANCE)


def _locate(sentence: str, label: str) -> tuple[int, int]:
    """The span of the sentence that best covers the label's character pairs."""
    pairs = _bigrams(label)
    hits = [i for i in range(len(sentence) - 1) if sentence[i:i + 2] in pairs]
    if not hits:
        return 0, len(sentence)
    return hits[0], min(len(sentence), hits[-1] + 2)


def draft(text: str, catalog: Catalog) -> Draft:
    """The rule elements the text states, in the order it states them."""
    return Draft(text, _Extractor(text, catalog).run())
