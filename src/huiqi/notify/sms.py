"""The SMS channel of the outbox: which sender delivers, chosen by the environment at send time.

- `HUIQI_SMS_SENDER=log` (default): the message is appended to `<data dir>/sms-outbox.log`
  (or `HUIQI_SMS_LOG`), one JSON line (time, outbox id, phone, text) — what an installation
  without a gateway, a test or the demo uses; an operator can forward the file.
- `HUIQI_SMS_SENDER=gateway`: POST JSON `{"phone", "text", "id"}` to `HUIQI_SMS_GATEWAY_URL`
  with `Authorization: Bearer $HUIQI_SMS_GATEWAY_TOKEN`; a 2xx answer is success, anything else
  fails the attempt (the outbox retries, at most MAX_ATTEMPTS times). The adapter of a
  carrier's API sits behind that URL.
Limits (per phone per 24 h, all SMS per hour) are checked when a message is queued
(notify.service.send_sms), from the outbox itself, so they hold across processes.
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from huiqi.kit.settings import get_settings
from huiqi.models.notification import Notification, OutboxMessage

MOBILE = re.compile(r"^1[3-9]\d{9}$")  # 中国大陆手机号


def normalise_phone(phone: str) -> str | None:
    digits = re.sub(r"[\s\-]", "", phone or "")
    digits = digits.removeprefix("+86")
    return digits if MOBILE.match(digits) else None


def per_phone_per_day() -> int:
    return int(os.environ.get("HUIQI_SMS_PER_PHONE_DAY", "3"))


def per_hour() -> int:
    return int(os.environ.get("HUIQI_SMS_PER_HOUR", "500"))


def send(db: Session, message: OutboxMessage, notification: Notification) -> None:
    kind = os.environ.get("HUIQI_SMS_SENDER", "log")
    text = notification.body
    if kind == "gateway":
        _gateway(message, text)
    elif kind == "log":
        path = Path(os.environ.get("HUIQI_SMS_LOG") or get_settings().data_dir / "sms-outbox.log")
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"at": datetime.now(UTC).isoformat(), "id": message.id,
                           "phone": message.recipient, "text": text}, ensure_ascii=False)
        with path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
    else:
        raise RuntimeError(f"HUIQI_SMS_SENDER={kind!r}: use log or gateway")


def _gateway(message: OutboxMessage, text: str) -> None:
    url = os.environ.get("HUIQI_SMS_GATEWAY_URL", "")
    if not url.startswith(("https://", "http://")):
        raise RuntimeError("HUIQI_SMS_GATEWAY_URL is not set")
    body = json.dumps({"phone": message.recipient, "text": text, "id": message.id},
                      ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json; charset=utf-8",
        "Authorization": f"Bearer {os.environ.get('HUIQI_SMS_GATEWAY_TOKEN', '')}"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - configured URL
        if not 200 <= answer.status < 300:
            raise RuntimeError(f"SMS gateway answered {answer.status}")
