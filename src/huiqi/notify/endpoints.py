"""JSON API for the caller's notifications (mounted under /api/v1)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from starlette.responses import Response

from huiqi.auth.dependencies import CurrentUser
from huiqi.auth.guards import auditor_may
from huiqi.kit import web
from huiqi.kit.pagination import PageQuery
from huiqi.kit.web import ClockDep, DBSession
from huiqi.notify import repository as repo
from huiqi.notify import service

router = web.router(tags=["通知"])


class NotificationOut(BaseModel):
    id: int
    title: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    total: int
    unread: int
    page: int
    per_page: int


def _out(n: object) -> NotificationOut:
    return NotificationOut.model_validate(n, from_attributes=True)


@router.get("/notifications", response_model=NotificationPage, summary="我的通知")
@web.read_only
def list_notifications(db: DBSession, actor: CurrentUser, params: PageQuery) -> Response:
    user_id = actor.user_id or 0
    total, unread = repo.counts(db, user_id)
    past_end = params.offset >= total  # nothing to fetch
    rows = [] if past_end else repo.page_rows(db, user_id, params.per_page, params.offset)
    found = NotificationPage(items=[_out(n) for n in rows], total=total, unread=unread,
                             page=params.page, per_page=params.per_page)
    # Serialised here (the response model still documents it): FastAPI would validate the
    # page again.
    return Response(found.model_dump_json(), media_type="application/json")


@router.post("/notifications/{notification_id}/read", response_model=NotificationOut,
             summary="标记为已读")
@auditor_may
def mark_read(
    db: DBSession, clock: ClockDep, actor: CurrentUser, notification_id: int
) -> NotificationOut:
    return _out(service.mark_read(db, actor.user_id or 0, notification_id, clock.now()))
