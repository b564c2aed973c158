"""No dead link: every link each demo login is shown, followed, answers (no 404, no error)."""

from __future__ import annotations

from tests.demo.pages import Page


def test_every_role_reaches_its_pages(demo_pages: dict[str, list[Page]]) -> None:
    for username, pages in demo_pages.items():
        if username != "anonymous":
            assert len(pages) > 20, (username, len(pages))


def test_no_link_leads_to_a_missing_page_or_an_error(demo_pages: dict[str, list[Page]]) -> None:
    broken = [(username, page.status, page.url, "from", page.referrer)
              for username, pages in demo_pages.items() for page in pages
              if page.status >= 400]
    assert not broken, broken
