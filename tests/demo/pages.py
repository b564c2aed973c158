"""A crawl of the demo as each demo login sees it: every page reachable by links from the home
page (a few of each shape: /grants/17 and /grants/18 are one shape), parsed once."""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from fastapi.testclient import TestClient

PER_SHAPE = 2
MAX_PAGES = 400
SKIP = ("/logout", "/static/", "/api/")
SOURCE = ("script", "style", "textarea", "code")


@dataclass
class Form:
    action: str
    method: str
    inputs: list[dict[str, str | None]] = field(default_factory=list)


class PageParser(HTMLParser):
    """Links, forms with their controls (attributes as the browser reads them) and the text
    a person reads (not scripts or styles; not source shown for editing: textarea, code)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in SOURCE:
            self._skip += 1
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if a.get("hx-get"):  # a fragment the page loads: a page of its own to the crawl
            self.links.append(str(a["hx-get"]))
        if tag == "form":
            self.forms.append(Form(str(a.get("action") or ""), str(a.get("method") or "get")))
        if tag in ("input", "textarea", "select", "button") and self.forms:
            self.forms[-1].inputs.append({"_tag": tag, **a})
        for name in ("placeholder", "title", "aria-label"):
            if a.get(name):
                self.text.append(str(a[name]))

    def handle_endtag(self, tag: str) -> None:
        if tag in SOURCE and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.text.append(data.strip())


@dataclass
class Page:
    url: str
    status: int
    referrer: str
    parsed: PageParser | None


def shape(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({kv.split("=")[0] for kv in parts.query.split("&") if kv})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def crawl(client: TestClient, start: str = "/", reset: Callable[[], object] | None = None
          ) -> list[Page]:
    """`reset`: clears the rate limits when a page answers 429 (one login follows more export
    links in a second than a person would in a minute; the limits are tested elsewhere)."""
    seen: set[str] = {start}
    per_shape: Counter[str] = Counter()
    queue: deque[tuple[str, str]] = deque([(start, "")])
    pages: list[Page] = []
    while queue and len(pages) < MAX_PAGES:
        url, referrer = queue.popleft()
        response = client.get(url)
        if response.status_code == 429 and reset is not None:
            reset()
            response = client.get(url)
        html = response.headers.get("content-type", "").startswith("text/html")
        parsed = None
        if html and response.status_code == 200:
            parsed = PageParser()
            parsed.feed(response.text)
        pages.append(Page(url, response.status_code, referrer, parsed))
        for href in parsed.links if parsed else []:
            target = urljoin("http://testserver" + url, href)
            parts = urlsplit(target)
            if parts.netloc != "testserver" or parts.path.startswith(SKIP):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local in seen or per_shape[shape(local)] >= PER_SHAPE:
                continue
            seen.add(local)
            per_shape[shape(local)] += 1
            queue.append((local, url))
    return pages
