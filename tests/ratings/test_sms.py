"""SMS rating links go out through the notification outbox: a 办件's completion with a phone
queues exactly one SMS carrying the link, delivered by the configured sender, rate limited per
phone, audited; the rating link in the message works."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from huiqi.kit.errors import Conflict, ValidationFailed
from huiqi.models.audit import AuditLog
from huiqi.models.notification import Notification, OutboxMessage
from huiqi.notify import service as notify
from huiqi.ratings import service
from huiqi.ratings.service import RatingIn
from tests.ratings.conftest import SECRET, World


def _invite(world: World, ref: str, phone: str | None = "138 0013 8000"):
    return world.do(lambda s: service.invite(
        s, world.market, world.clock, SECRET, service.InviteIn(
            "contact", ref, "market", item_name="企业开办", phone=phone),
        base_url="https://huiqi.example.gov.cn/"))


def test_completion_queues_exactly_one_sms_with_the_link(world: World, tmp_path,
                                                         monkeypatch) -> None:
    monkeypatch.setenv("HUIQI_SMS_LOG", str(tmp_path / "sms.log"))
    _, path = _invite(world, "SL-0100")
    with world.tx() as s:
        sms = s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).all()
        assert len(sms) == 1 and sms[0].recipient == "13800138000"
        note = s.get(Notification, sms[0].notification_id)
        assert note.user_id is None
        assert f"https://huiqi.example.gov.cn{path}" in note.body and "SL-0100" in note.body
        logged = s.scalars(select(AuditLog).where(AuditLog.action == "rating.sms_queued")).one()
        assert logged.after["phone"] == "138****8000" and logged.after["outbox"] == sms[0].id
    with pytest.raises(Conflict, match="不再重复发送"):  # the link is still open
        _invite(world, "SL-0100")
    # delivered after commit (no worker runs here): one line in the log sender's file
    lines = (tmp_path / "sms.log").read_text("utf-8").splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["phone"] == "13800138000" and path in line["text"]
    with world.tx() as s:
        assert s.get(OutboxMessage, sms[0].id).status == "sent"
    token = path.rsplit("/", 1)[1]
    rating = world.do(lambda s: service.rate_invite(s, world.clock, "1.2.3.4", SECRET, token,
                                                    RatingIn(level=5)))
    assert rating.case_key == "contact:SL-0100"


def test_without_a_phone_nothing_is_sent_and_bad_numbers_are_refused(world: World) -> None:
    _invite(world, "SL-0200", phone=None)
    with pytest.raises(ValidationFailed, match="手机号"):
        _invite(world, "SL-0201", phone="12345")
    with world.tx() as s:
        assert s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).all() == []


def test_sms_are_rate_limited_per_phone(world: World, monkeypatch) -> None:
    monkeypatch.setenv("HUIQI_SMS_PER_PHONE_DAY", "2")
    _invite(world, "SL-0301")
    _invite(world, "SL-0302")
    with pytest.raises(notify.SmsLimited) as caught:
        _invite(world, "SL-0303")
    assert caught.value.status_code == 429
    _invite(world, "SL-0304", phone="13900139000")  # another phone is not limited
    world.clock.advance(days=1, minutes=1)
    _invite(world, "SL-0305")


def test_a_failing_gateway_leaves_the_message_pending_for_retry(world: World,
                                                               monkeypatch) -> None:
    monkeypatch.setenv("HUIQI_SMS_SENDER", "gateway")
    monkeypatch.setenv("HUIQI_SMS_GATEWAY_URL", "http://127.0.0.1:9/sms")  # nothing listens
    _invite(world, "SL-0400")  # the send after commit fails
    assert notify.deliver(world.engine, channels=["sms"]) == 0  # and the retry too
    with world.tx() as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).one()
        assert (row.status, row.attempts) == ("pending", 2) and row.last_error
