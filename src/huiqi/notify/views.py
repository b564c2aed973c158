"""The notification list, the bell (polled by the header) and marking as read."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import HTMLResponse, Response

from huiqi.auth.dependencies import CurrentUser, passive
from huiqi.auth.guards import auditor_may
from huiqi.kit import web
from huiqi.kit.pagination import PageQuery, paginate
from huiqi.kit.web import ClockDep, DBSession
from huiqi.notify import repository as repo
from huiqi.notify import service
from huiqi.ui.templating import redirect, render

router = web.router(include_in_schema=False)


@router.get("/notifications")
def notifications(
    request: Request, db: DBSession, actor: CurrentUser, params: PageQuery
) -> Response:
    page = paginate(db, repo.visible(actor.user_id or 0), params)
    unread = service.unread_count(db, actor.user_id or 0)
    return render(request, "notify/list.html", {"page": page, "unread": unread})


@router.get("/notifications/bell")
@passive
@web.read_only
def bell(db: DBSession, actor: CurrentUser) -> Response:
    count = service.unread_count(db, actor.user_id or 0)
    if not count:
        return HTMLResponse("")
    shown = "99+" if count > 99 else str(count)
    return HTMLResponse(f'<span class="badge" aria-label="{count} 条未读">{shown}</span>')


@router.post("/notifications/{notification_id}/open")
@auditor_may
def open_notification(
    request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser, notification_id: int
) -> Response:
    """Mark read and go where the notification points."""
    row = service.mark_read(db, actor.user_id or 0, notification_id, clock.now())
    return redirect(request, row.link or "/notifications")


@router.post("/notifications/read-all")
@auditor_may
def read_all(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser) -> Response:
    service.mark_all_read(db, actor.user_id or 0, clock.now())
    return redirect(request, "/notifications")
