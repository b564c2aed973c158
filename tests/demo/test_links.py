"""No dead link: every link each demo login is shown, followed, answers (no 404, no error)."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from tests.demo.pages import Page

# Administrators of accounts and security settings (三权分立) see only their own few pages.
ADMINS = ("demo-sysadmin", "demo-security")


def test_every_role_reaches_its_pages(demo_pages: dict[str, list[Page]]) -> None:
    for username, pages in demo_pages.items():
        if username != "anonymous":
            assert len(pages) > (5 if username in ADMINS else 20), (username, len(pages))


def test_no_link_leads_to_a_missing_page_or_an_error(demo_pages: dict[str, list[Page]]) -> None:
    broken = [(username, page.status, page.url, "from", page.referrer)
              for username, pages in demo_pages.items() for page in pages
              if page.status >= 400]
    assert not broken, broken


TILE = re.compile(r'<li class="card"><a href="([^"]+)"><h3>(\d+)</h3><p>([^<]+)</p>')
TOTAL = re.compile(r"共 (\d+) 条")


def test_every_dashboard_tile_links_to_the_list_it_counts(
        demo_clients: dict[str, TestClient]) -> None:
    wrong, checked = [], 0
    for username, client in demo_clients.items():
        if username == "anonymous":
            continue
        for href, count, label in TILE.findall(client.get("/").text):
            listing = client.get(html.unescape(href))
            assert listing.status_code == 200, (username, href)
            totals = TOTAL.findall(listing.text)
            shown = int(totals[0]) if totals else 0
            checked += 1
            if shown != int(count):
                wrong.append((username, label, href, count, shown))
    assert checked >= 5 and not wrong, wrong
