"""Every page of the demo, as each demo login reaches it, reads in Chinese: no field or action
codes (`loan_amount`, `auth.login`, `true`) in the text a person reads. Source shown for
editing (policy YAML in <code> and <textarea>) is exempt."""

from __future__ import annotations

import re

from tests.demo.pages import Page, PageParser

# snake_case names, dotted action codes, JSON/Python literals; not inside URLs, e-mails,
# file names or hyphenated usernames (demo-office).
CODE = re.compile(r"(?<![\w./:@-])(?:[a-z][a-z0-9]*_[a-z0-9_]+|[a-z]+\.[a-z_]*[a-z]|true|false"
                  r"|None|null)(?![\w/@.-])")


def codes_in(text: str) -> list[str]:
    return CODE.findall(text)


def test_the_pattern_finds_what_leaked_once() -> None:
    for leak in ["还需：relending_supported", "有贷款：loan_amount > 0", "操作 auth.login",
                 "是否首贷：true", "grant_applications #3"]:
        assert codes_in(leak), leak
    for fine in ["demo-office", "https://example.org/a_b", "材料.pdf", "江北区 500105",
                 "sha256 abc", "审核中"]:
        assert not codes_in(fine), fine


def test_no_codes_on_any_page(demo_pages: dict[str, list[Page]]) -> None:
    found = sorted({(code, username, page.url) for username, pages in demo_pages.items()
                    for page in pages if page.parsed
                    for text in page.parsed.text for code in codes_in(text)})
    assert not found, found[:30]
    assert sum(len(pages) for pages in demo_pages.values()) > 250


def test_source_is_exempt_only_inside_code_or_textarea() -> None:
    parser = PageParser()
    parser.feed("<p>条件</p><code>loan_amount > 0</code><textarea>auto_grant: true</textarea>"
                "<td>relending_supported</td>")
    assert [c for t in parser.text for c in codes_in(t)] == ["relending_supported"]


def test_every_seed_criterion_reads_in_chinese_on_a_card(demo) -> None:  # type: ignore[no-untyped-def]
    from huiqi.kit.db import unit_of_work
    from huiqi.matching.packs import criterion_text
    from huiqi.policies.service import published_items

    with unit_of_work(demo.engine) as db:
        items = [iv.item for iv in published_items(db)]
    texts = {(i.id, c.name): criterion_text(i, c.name) for i in items for c in i.criteria}
    assert len(texts) > 20
    leaks = {k: t for k, t in texts.items() if codes_in(t)}
    assert not leaks, leaks
