"""A drafted policy as a policy file (YAML) for the policy editor.

Only elements the text states plainly become rules; each carries the words it came from as a
comment. Everything else is a `# TODO` comment holding the proposed rule and its words: the file
passes `huiqi policy check` as it stands, and says what is still to decide.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from huiqi.knowledge.drafting import OPEN_BRANCH, Draft, Element


@dataclass(frozen=True)
class Meta:
    """What the drafted file says about its document (from the ingested document's metadata)."""

    policy_id: str
    title: str
    source: str
    doc_no: str | None = None
    issuer: str | None = None
    region: str | None = None
    effective_from: date | None = None
    effective_to: date | None = None


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _words(element: Element) -> str:
    return "原文：“" + re.sub(r"\s+", " ", element.words.strip()) + "”"


def _names(elements: list[Element]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for e in elements:
        base = re.sub(r"[“”\"'：:#]", "", e.words.strip())[:18] or "条件"
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}{seen[base]}")
    return out


def _caps(draft: Draft) -> tuple[dict[str, tuple[str, Element]], list[Element]]:
    """Caps by name; a conditional cap and a plain one of the same name become one CASE."""
    caps: dict[str, tuple[str, Element]] = {}
    left: list[Element] = []
    for cap in draft.of("cap"):
        if cap.rule is None:
            left.append(cap)
            continue
        plain = caps.get(cap.name)
        if plain is None:
            caps[cap.name] = (cap.rule, cap)
        elif OPEN_BRANCH in cap.rule and OPEN_BRANCH not in plain[0]:
            caps[cap.name] = (cap.rule.replace(OPEN_BRANCH, plain[0]), cap)
        elif OPEN_BRANCH in plain[0] and OPEN_BRANCH not in cap.rule:
            caps[cap.name] = (plain[0].replace(OPEN_BRANCH, cap.rule), plain[1])
        else:
            left.append(cap)
    for name, (rule, cap) in list(caps.items()):
        if OPEN_BRANCH in rule:  # only the conditional one: the editor gives the other branch
            del caps[name]
            left.append(cap)
    return caps, left


def _amount(draft: Draft) -> Element | None:
    return next((e for e in draft.of("rate") if e.rule and not e.todo), None)


def pending(draft: Draft) -> list[Element]:
    """What the drafted file leaves to the editor (its TODO comments), in the text's order."""
    amount = _amount(draft)
    _, open_caps = _caps(draft)
    todo = [e for e in draft.elements if (e.todo or not e.rule) and e.kind != "cap"]
    todo += [e for e in draft.of("rate") if e.rule and e is not amount and not e.todo]
    return sorted([*todo, *open_caps], key=lambda e: e.start)


def render(draft: Draft, meta: Meta, item_title: str | None = None, *,
           today: date | None = None) -> str:
    """`today`: the date a file with no stated effective date starts from (for the editor)."""
    amount = _amount(draft)
    caps, _ = _caps(draft)
    budget = next((e for e in draft.of("budget") if not e.todo), None)
    firm = [e for e in draft.of("criterion") if e.rule and not e.todo]
    todo = pending(draft)
    slug = meta.policy_id
    out = [
        f"# 草稿：由“{meta.title}”的条款自动解析生成（惠企·政策文件解析）。",
        "# 发布前须逐条核对原文；以 TODO 开头的注释是尚未决定的内容，须由编辑者补全或删除。",
        "policy:",
        f"  id: {slug}",
        f"  title: {_q(meta.title)}",
        f"  doc_no: {_q(meta.doc_no) if meta.doc_no else 'null'}",
    ]
    if meta.issuer:
        out.append(f"  issuer: {_q(meta.issuer)}")
    else:
        out += ["  # TODO 发文单位：原文中没有识别出", '  issuer: "待定"']
    if meta.region:
        out.append(f"  region: {_q(meta.region)}")
    else:
        # A code no enterprise has: until the editor fills it in, the draft applies nowhere.
        out += ["  # TODO 适用地区：原文中没有识别出，暂填 000000（不适用于任何地区），"
                "发布前必须改为6位行政区划代码", '  region: "000000"']
    out.append(f"  source: {_q(meta.source)}")
    if meta.effective_from:
        out.append(f"  effective_from: {meta.effective_from.isoformat()}")
    else:
        out += ["  # TODO 生效日期：原文未写明，暂按今天，请核对",
                f"  effective_from: {(today or date(2000, 1, 1)).isoformat()}"]
    if meta.effective_to:
        out.append(f"  effective_to: {meta.effective_to.isoformat()}")
    out += [
        "",
        "items:",
        f"  - id: {slug}.item-1",
        f"    title: {_q(item_title or meta.title)}",
        f"    department: {_q(meta.issuer or '待定')}",
        f"    summary: {_q(_summary(draft.text))}",
        "    policy_text: |",
        *("      " + line for line in draft.text.strip().splitlines() if line.strip()),
        "    criteria:",
    ]
    for name, e in zip(_names(firm), firm, strict=True):
        out += [f"      {_q(name)}:", f"        rule: {_q(e.rule or '')}",
                f"        note: {_q(_words(e))}"]
    if not firm:
        out.append("      # TODO 原文中没有识别出可直接写成规则的条件")
    if amount is not None:
        out += [f"    amount: {_q(amount.rule or '')}  # {_words(amount)}"]
    else:
        out += ["    # TODO 补助金额：原文中没有识别出可直接写成公式的比例或金额"]
    if caps:
        out.append("    caps:")
        for name, (rule, e) in caps.items():
            out.append(f"      {name}: {_q(rule) if not rule.isdigit() else rule}  # {_words(e)}")
    if budget is not None:
        out += ["    budget:", f"      per_year: {budget.rule}  # {_words(budget)}"]
    out += [
        "    exclusions: []",
        "    # TODO 申报材料：按原文逐项列出",
        "    materials: []",
        "    auto_grant: false",
        "    # TODO 测试用例：每个条件、比例和上限至少一个，金额按原文手算",
        "    tests: []",
        "",
        "# ---- 待决定（TODO）----",
    ]
    for e in todo:
        proposed = f"建议规则 {e.rule}；" if e.rule else ""
        out.append(f"# TODO [{_KIND[e.kind]}] {e.todo or '请确认'}。{proposed}{_words(e)}")
    return "\n".join(out) + "\n"


_KIND = {"criterion": "条件", "rate": "比例", "cap": "上限", "budget": "预算",
         "guidance": "原则性表述"}


def _summary(text: str) -> str:
    first = re.split(r"[。\n]", text.strip())[0]
    return first[:120]
