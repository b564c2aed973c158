"""Notifications: written in the transaction, delivered after commit, dropped on rollback."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from huiqi.kit.db import unit_of_work
from huiqi.models.notification import Notification, OutboxMessage
from huiqi.notify import service, worker
from tests.fixtures.web import post_form


def _outbox(engine, user_id: int) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(OutboxMessage.channel, OutboxMessage.status)
            .join(Notification, Notification.id == OutboxMessage.notification_id)
            .where(Notification.user_id == user_id))
        return [tuple(r) for r in rows]


def test_delivered_after_commit_and_shown_in_the_bell(logged_in, app_engine) -> None:
    c = logged_in("enterprise")
    uid = c.creds.id
    with unit_of_work(app_engine) as db:
        service.notify(db, [uid, uid], "申报已受理", "您的申报已受理。", "/notifications")
        with app_engine.connect() as other:  # not visible to anyone before commit
            assert other.scalar(select(func.count()).select_from(Notification)
                                .where(Notification.user_id == uid)) == 0
    assert _outbox(app_engine, uid) == [("inapp", "sent")]  # once, despite the duplicate id
    bell = c.get("/notifications/bell")
    assert bell.text == '<span class="badge" aria-label="1 条未读">1</span>'
    page = c.get("/notifications")
    assert "申报已受理" in page.text and "1 条未读" in page.text


def test_rolled_back_notification_is_never_delivered(logged_in, app_engine) -> None:
    c = logged_in("enterprise")
    with pytest.raises(RuntimeError), unit_of_work(app_engine) as db:
        service.notify(db, [c.creds.id], "不该收到", "")
        raise RuntimeError("the change failed")
    assert _outbox(app_engine, c.creds.id) == []
    assert c.get("/notifications/bell").text == ""


def test_open_marks_read_and_follows_the_link(logged_in, app_engine) -> None:
    c = logged_in("office")
    with unit_of_work(app_engine) as db:
        [n] = service.notify(db, [c.creds.id], "新诉求", "", "/account/tokens")
    response = post_form(c, f"/notifications/{n.id}/open")
    assert response.status_code == 303 and response.headers["location"] == "/account/tokens"
    assert c.get("/notifications/bell").text == ""


def test_cannot_open_someone_elses_notification(logged_in, app_engine) -> None:
    owner, other = logged_in("office"), logged_in("office")
    with unit_of_work(app_engine) as db:
        [n] = service.notify(db, [owner.creds.id], "私信", "")
    assert post_form(other, f"/notifications/{n.id}/open").status_code == 404
    assert owner.get("/notifications/bell").text != ""


def test_read_all(logged_in, app_engine) -> None:
    c = logged_in("office")
    with unit_of_work(app_engine) as db:
        service.notify(db, [c.creds.id], "一", "")
        service.notify(db, [c.creds.id], "二", "")
    assert "2 条未读" in c.get("/notifications/bell").text
    post_form(c, "/notifications/read-all")
    assert c.get("/notifications/bell").text == ""


def test_links_must_stay_inside_the_app(app_engine) -> None:
    with pytest.raises(ValueError), unit_of_work(app_engine) as db:
        service.notify(db, [1], "x", "", "https://evil.example/")


def test_a_failing_channel_is_retried_then_marked_failed(logged_in, app_engine,
                                                        monkeypatch) -> None:
    c = logged_in("office")
    calls: list[int] = []
    monkeypatch.setattr(worker, "wake", lambda engine: False)  # sent after commit, no thread

    def flaky(db, message, notification) -> None:
        calls.append(message.id)
        raise ConnectionError("短信网关无响应")

    service.register_channel("sms-test", flaky)
    try:
        with unit_of_work(app_engine) as db:
            service.notify(db, [c.creds.id], "短信", "", channels=("inapp", "sms-test"))
        for _ in range(service.MAX_ATTEMPTS):
            service.deliver(app_engine)
    finally:
        service.CHANNELS.pop("sms-test")
    statuses = dict(_outbox(app_engine, c.creds.id))
    assert statuses == {"inapp": "sent", "sms-test": "failed"}
    assert len(calls) == service.MAX_ATTEMPTS


def test_deliver_command_sends_what_is_pending(logged_in, app_engine, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from huiqi.cli.main import app as cli
    from huiqi.kit.oncommit import _KEY

    c = logged_in("office")
    with unit_of_work(app_engine) as db:
        service.notify(db, [c.creds.id], "积压的通知", "")
        db.info.pop(_KEY)  # as if the process died right after the commit
    assert _outbox(app_engine, c.creds.id) == [("inapp", "pending")]
    assert c.get("/notifications/bell").text == ""
    monkeypatch.setattr("huiqi.cli.notify_cmd.default_engine", lambda: app_engine)
    result = CliRunner().invoke(cli, ["notify", "deliver"])
    assert result.exit_code == 0 and "已投递 1 条" in result.output
    assert _outbox(app_engine, c.creds.id) == [("inapp", "sent")]
    assert "1 条未读" in c.get("/notifications/bell").text


def test_the_api_lists_only_the_callers_notifications_newest_first_in_pages(
        app, logged_in, app_engine, clock) -> None:
    from datetime import datetime

    from fastapi.testclient import TestClient

    from huiqi.auth import service as auth_service
    from huiqi.auth.actor import Actor
    from huiqi.models.user import User

    me, other = logged_in("enterprise"), logged_in("enterprise")
    with unit_of_work(app_engine) as db:
        for n in range(3):
            service.notify(db, [me.creds.id], f"通知{n}", f"内容{n}", "/gift-pack")
        service.notify(db, [other.creds.id], "别人的通知", "不应看到", None)
    with unit_of_work(app_engine) as db:
        _, secret = auth_service.create_api_token(db, Actor.of(db.get(User, me.creds.id)),
                                                  clock, "t")
    api = TestClient(app, base_url="http://testserver")
    api.headers["Authorization"] = f"Bearer {secret}"

    first = api.get("/api/v1/notifications?per_page=2")
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    body = first.json()
    assert {k: body[k] for k in ("total", "unread", "page", "per_page")} == {
        "total": 3, "unread": 3, "page": 1, "per_page": 2}
    assert [i["title"] for i in body["items"]] == ["通知2", "通知1"]
    item = body["items"][0]
    assert set(item) == {"id", "title", "body", "link", "created_at", "read_at"}
    assert item["body"] == "内容2" and item["link"] == "/gift-pack" and item["read_at"] is None
    datetime.fromisoformat(item["created_at"])  # an ISO 8601 timestamp
    assert [i["title"] for i in api.get("/api/v1/notifications?page=2&per_page=2").json()[
        "items"]] == ["通知0"]
    assert api.get("/api/v1/notifications?page=0").status_code == 422
    assert api.get("/api/v1/notifications?per_page=500").status_code == 422
