"""render(..., inner=bytes): a large fragment kept between requests is spliced into the page as
bytes where the template shows `inner_html` (the 政策礼包 body); the layout around it is the
request's own (its user's CSRF token), and the length header counts the whole page."""

from __future__ import annotations

import pytest
from fastapi import Request
from starlette.responses import Response

from huiqi.auth.dependencies import CurrentUser
from huiqi.kit import web
from huiqi.ui.templating import INNER_SLOT, render

INNER = "<section id='kept'>政策礼包 · 已渲染</section>".encode() * 500


@pytest.fixture
def probed(app, tmp_path):  # type: ignore[no-untyped-def]
    from huiqi.ui.templating import add_template_dir

    (tmp_path / "probe_inner.html").write_text(
        '{% extends "base.html" %}{% block content %}<main>{{ inner_html }}</main>{% endblock %}',
        encoding="utf-8")
    add_template_dir(tmp_path)
    router = web.router()

    @router.get("/probe/inner")
    def page(request: Request, actor: CurrentUser) -> Response:
        return render(request, "probe_inner.html", inner=INNER)

    app.include_router(router)
    return app


def test_the_fragment_sits_in_the_page_as_given(probed, logged_in) -> None:
    c = logged_in("enterprise")
    response = c.get("/probe/inner")
    assert response.status_code == 200
    body = response.content
    assert int(response.headers["content-length"]) == len(body)
    assert body.count(INNER) == 1 and b"<main>" + INNER + b"</main>" in body
    assert INNER_SLOT.encode() not in body
    assert b'name="csrf-token"' in body.split(INNER)[0]  # the layout is rendered around it
