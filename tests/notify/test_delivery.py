"""Delivery off the request: in-app in bulk right after commit, slow channels in the background
worker, every pending message retried, none sent twice."""

from __future__ import annotations

import threading
import time
from collections import Counter

from sqlalchemy import event, func, insert, select

from huiqi.kit.db import unit_of_work
from huiqi.kit.oncommit import _KEY
from huiqi.models.notification import Notification, OutboxMessage
from huiqi.models.user import User
from huiqi.notify import service, worker


def _users(engine, n: int) -> list[int]:
    tag = time.monotonic_ns()
    with unit_of_work(engine) as db:
        db.execute(insert(User), [{"username": f"bulk{tag}_{i}", "display_name": f"企业{i}",
                                   "role": "enterprise", "password_hash": "!"}
                                  for i in range(n)])
        return list(db.scalars(select(User.id).where(User.username.like(f"bulk{tag}_%"))))


def _statuses(engine, channel: str, user_ids: list[int]) -> Counter[str]:
    with engine.connect() as conn:
        return Counter(conn.scalars(
            select(OutboxMessage.status)
            .join(Notification, Notification.id == OutboxMessage.notification_id)
            .where(OutboxMessage.channel == channel, Notification.user_id.in_(user_ids))))


def _visible(engine, user_ids: list[int]) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id.in_(user_ids), Notification.delivered_at.is_not(None))))


def test_in_app_is_visible_at_commit_with_a_few_statements_for_many(app_engine) -> None:
    users = _users(app_engine, 1200)
    updates: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            updates.append(statement)

    event.listen(app_engine, "before_cursor_execute", count)
    try:
        with unit_of_work(app_engine) as db:
            service.notify(db, users, "新政策", "贵单位新符合政策。", "/gift-pack")
    finally:
        event.remove(app_engine, "before_cursor_execute", count)
    assert _visible(app_engine, users) == 1200
    assert _statuses(app_engine, "inapp", users) == Counter({"sent": 1200})
    assert len(updates) <= 6  # two per batch of 500, not one or more per message


def test_slow_channels_are_sent_by_the_background_worker(logged_in, app_engine) -> None:
    c = logged_in("office")  # the app's lifespan started the worker for this engine
    started, release = threading.Event(), threading.Event()
    threads: list[str] = []

    def slow(db, message, notification) -> None:
        threads.append(threading.current_thread().name)
        started.set()
        release.wait(5)

    service.register_channel("slow-test", slow)
    try:
        begun = time.perf_counter()
        with unit_of_work(app_engine) as db:
            service.notify(db, [c.creds.id], "短信", "", channels=("inapp", "slow-test"))
        assert time.perf_counter() - begun < 2  # the commit did not wait for the gateway
        assert "1 条未读" in c.get("/notifications/bell").text  # in-app: at once
        assert started.wait(5)
        assert _statuses(app_engine, "slow-test", [c.creds.id]) == Counter({"sending": 1})
        release.set()
        for _ in range(100):
            if _statuses(app_engine, "slow-test", [c.creds.id]) == Counter({"sent": 1}):
                break
            time.sleep(0.05)
    finally:
        release.set()
        service.CHANNELS.pop("slow-test")
    assert _statuses(app_engine, "slow-test", [c.creds.id]) == Counter({"sent": 1})
    assert threads == ["huiqi-notify"]


def test_two_deliverers_at_once_send_each_message_once(app_engine, monkeypatch) -> None:
    users = _users(app_engine, 40)
    sent: list[int] = []
    monkeypatch.setattr(worker, "wake", lambda engine: True)  # leave them for the deliverers

    def record(db, message, notification) -> None:
        sent.append(message.id)
        time.sleep(0.002)

    service.register_channel("count-test", record)
    try:
        with unit_of_work(app_engine) as db:
            service.notify(db, users, "通知", "", channels=("count-test",))
        runners = [threading.Thread(target=service.deliver, args=(app_engine,))
                   for _ in range(2)]
        for t in runners:
            t.start()
        for t in runners:
            t.join()
        assert service.deliver(app_engine) == 0  # a third pass finds nothing left
    finally:
        service.CHANNELS.pop("count-test")
    assert len(sent) == 40 and len(set(sent)) == 40
    assert _statuses(app_engine, "count-test", users) == Counter({"sent": 40})


def test_deliver_sends_every_pending_message_not_just_a_batch(app_engine) -> None:
    users = _users(app_engine, 1100)
    with unit_of_work(app_engine) as db:
        service.notify(db, users, "积压", "")
        db.info.pop(_KEY)  # as if the process died right after the commit
    assert _visible(app_engine, users) == 0
    assert service.deliver(app_engine) == 1100
    assert _visible(app_engine, users) == 1100
    assert service.deliver(app_engine) == 0  # idempotent


def test_a_send_claimed_by_a_dead_process_is_retried_after_the_lease(app_engine) -> None:
    [uid] = _users(app_engine, 1)
    sent: list[int] = []
    service.register_channel("lease-test", lambda db, m, n: sent.append(m.id))
    try:
        with unit_of_work(app_engine) as db:
            service.notify(db, [uid], "租约", "", channels=("lease-test",))
            db.info.pop(_KEY)
        with unit_of_work(app_engine) as db:  # claimed, then the process died mid-send
            row = db.scalar(select(OutboxMessage).join(Notification).where(
                Notification.user_id == uid))
            row.status, row.attempts, row.sent_at = "sending", 1, \
                service.datetime.now(service.UTC) - service.LEASE / 2
        assert service.deliver(app_engine) == 0 and sent == []  # still someone else's
        with unit_of_work(app_engine) as db:
            db.get(OutboxMessage, row.id).sent_at -= service.LEASE
        assert service.deliver(app_engine) == 1 and sent == [row.id]
    finally:
        service.CHANNELS.pop("lease-test")


def test_many_notify_calls_in_one_transaction_are_delivered_in_one_pass(app_engine,
                                                                         monkeypatch) -> None:
    users = _users(app_engine, 60)
    passes: list[tuple[int, int]] = []
    real = service._after_commit

    def counting(engine, span, channels) -> None:
        passes.append(span)
        real(engine, span, channels)

    monkeypatch.setattr(service, "_after_commit", counting)
    with unit_of_work(app_engine) as db:
        for uid in users:  # a seeding script or a re-match: one notify() per enterprise
            service.notify(db, [uid], "新政策", "贵单位新符合政策。", "/gift-pack")
    assert len(passes) == 1
    assert _visible(app_engine, users) == 60


def test_a_rolled_back_savepoint_does_not_swallow_later_notifications(app_engine) -> None:
    first, second, third = _users(app_engine, 3)
    with unit_of_work(app_engine) as db:
        service.notify(db, [first], "一", "", "/")
        try:
            with db.begin_nested():
                service.notify(db, [second], "二", "", "/")
                raise RuntimeError("refused")
        except RuntimeError:
            pass
        service.notify(db, [third], "三", "", "/")
    assert _visible(app_engine, [first, third]) == 2
    assert _visible(app_engine, [second]) == 0
