"""Every form of the demo, parsed as a browser parses it: its constraint attributes are real
attributes with valid values (an escaped `maxlength=&#34;200&#34;` switches the check off)."""

from __future__ import annotations

import re

from tests.demo.pages import Page, PageParser

VALID = {
    "maxlength": re.compile(r"\d+"), "minlength": re.compile(r"\d+"),
    "min": re.compile(r"-?\d+(\.\d+)?|\d{4}-\d{2}-\d{2}"),
    "max": re.compile(r"-?\d+(\.\d+)?|\d{4}-\d{2}-\d{2}"),
    "step": re.compile(r"any|\d+(\.\d+)?"),
    "inputmode": re.compile(r"none|text|decimal|numeric|tel|search|email|url"),
    "autocapitalize": re.compile(r"none|off|on|sentences|words|characters"),
    "spellcheck": re.compile(r"true|false"),
    "autocomplete": re.compile(r"[a-z -]+"),
    "type": re.compile(r"[a-z-]+"),
    "pattern": re.compile(r"[^\"&]+"),
}
ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9-:_]*")


def test_the_crawl_found_the_forms(demo_pages: dict[str, list[Page]]) -> None:
    forms = [f for pages in demo_pages.values() for p in pages if p.parsed
             for f in p.parsed.forms]
    assert len(forms) > 30
    # the fields that once came out escaped are among them
    named = {(i.get("name"), k) for f in forms for i in f.inputs for k in i}
    assert {("username", "autocapitalize"), ("title", "maxlength"), ("days", "min"),
            ("days", "max")} <= named


def _wrong(name: str, value: str | None) -> bool:
    if not ATTRIBUTE_NAME.fullmatch(name):
        return True
    if value is not None and ('"' in value or "&#" in value):
        return True
    return name in VALID and not VALID[name].fullmatch(value or "")


def test_every_constraint_attribute_is_real_and_valid(demo_pages: dict[str, list[Page]]) -> None:
    bad = [(username, page.url, control.get("name"), name, value)
           for username, pages in demo_pages.items() for page in pages
           for form in (page.parsed.forms if page.parsed else [])
           for control in form.inputs for name, value in control.items()
           if name != "_tag" and _wrong(name, value)]
    assert not bad, bad[:20]


def test_the_field_macro_writes_keyword_arguments_as_attributes() -> None:
    from huiqi.ui.templating import make_env

    macros = make_env().get_template("_macros.html").make_module({"csrf_token": "t"})
    html = str(macros.field("score", "评分", type="number", min=0, max=100, autofocus=True,
                            spellcheck=False, pattern='a"b'))
    parser = PageParser()
    parser.feed(f"<form>{html}</form>")
    control = parser.forms[0].inputs[0]
    assert control["min"] == "0" and control["max"] == "100" and control["type"] == "number"
    assert "autofocus" in control and control["autofocus"] is None
    assert "spellcheck" not in control
    assert control["pattern"] == 'a"b'  # a value is escaped as a value, never as markup
