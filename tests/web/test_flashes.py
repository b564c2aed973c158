"""Flash messages ("已保存" and the like): shown once, on the next page the user sees; a request
that fails neither shows nor loses the ones waiting. Pages read the session with one query and
load its row only when a message waits (huiqi.auth.dependencies.Auth.session)."""

from __future__ import annotations

import pytest
from starlette.responses import Response

from huiqi.auth.dependencies import CurrentUser
from huiqi.kit import web
from huiqi.kit.errors import Conflict
from huiqi.kit.web import DBSession
from huiqi.ui.templating import flash, redirect
from tests.fixtures.web import csrf_token

PAGE = "/account/password"


@pytest.fixture
def probed(app):  # type: ignore[no-untyped-def]
    router = web.router()

    @router.post("/probe/flash/{text}")
    def saved(request: web.Request, db: DBSession, actor: CurrentUser, text: str) -> Response:
        flash(request, f"已保存{text}")
        return redirect(request, PAGE)

    @router.post("/probe/fail")
    def fails(request: web.Request, db: DBSession, actor: CurrentUser) -> Response:
        flash(request, "不该出现")
        raise Conflict("办不成")

    @router.post("/probe/fail-quietly")
    def fails_quietly(request: web.Request, db: DBSession, actor: CurrentUser) -> Response:
        raise Conflict("办不成")

    app.include_router(router)
    return app


def _post(c, url: str):  # type: ignore[no-untyped-def]
    # The token fetched once and kept: fetching it shows a page, which would show the messages.
    if not hasattr(c, "csrf"):
        c.csrf = csrf_token(c)
    return c.post(url, headers={"X-CSRF-Token": c.csrf})


def test_a_message_is_shown_once(probed, logged_in) -> None:
    c = logged_in("enterprise")
    assert _post(c, "/probe/flash/甲").status_code == 303
    assert "已保存甲" in c.get(PAGE).text
    assert "已保存甲" not in c.get(PAGE).text


def test_a_failed_request_keeps_the_waiting_messages(probed, logged_in) -> None:
    c = logged_in("enterprise")
    assert _post(c, "/probe/flash/乙").status_code == 303
    failed = _post(c, "/probe/fail")
    assert failed.status_code == 409
    assert "已保存乙" not in failed.text and "不该出现" not in failed.text
    page = c.get(PAGE).text
    assert "已保存乙" in page and "不该出现" not in page


def test_messages_of_one_session_stay_in_it(probed, logged_in) -> None:
    a, b = logged_in("enterprise"), logged_in("enterprise")
    assert _post(a, "/probe/flash/丙").status_code == 303
    assert "已保存丙" not in b.get(PAGE).text
    assert "已保存丙" in a.get(PAGE).text


def test_an_error_page_leaves_the_waiting_messages_for_the_next_page(probed, logged_in) -> None:
    c = logged_in("enterprise")
    assert _post(c, "/probe/flash/丁").status_code == 303
    failed = _post(c, "/probe/fail-quietly")
    assert failed.status_code == 409 and "已保存丁" not in failed.text
    assert "已保存丁" in c.get(PAGE).text
