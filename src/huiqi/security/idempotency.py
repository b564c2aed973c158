"""`Idempotency-Key` on API POSTs that create or pay (draft-ietf-httpapi-idempotency-key-header;
等保/ASVS 2.3.3): a client that lost the answer retries with the same key and gets the first
response, not a second application, appeal or payment.

- The key is claimed (a row in `idempotency_keys`, unique per account and key) inside the
  request's own transaction: if the write rolls back, so does the claim, and the retry runs;
  if it commits, the claim commits with it and the write can never run twice (across workers
  and restarts: it is in the database).
- The response (status, body) is stored by `StoreResponses` before it is sent, and replayed to a
  retry with the same method, path and body (`Idempotent-Replayed: true`) until the key expires
  (`HUIQI_IDEMPOTENCY_HOURS`, 24 h).
- The same key with a different request → 422; a retry while the first is still running → 409.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huiqi.auth.dependencies import CurrentUser
from huiqi.kit.db import unit_of_work, write_lock_now
from huiqi.kit.errors import Conflict, ValidationFailed
from huiqi.kit.web import ClockDep, DBSession
from huiqi.models.idempotency_key import IdempotencyKey
from huiqi.security import repository as repo

HEADER = "Idempotency-Key"
STATE = "huiqi_idempotency_row"


def ttl() -> timedelta:
    return timedelta(hours=float(os.environ.get("HUIQI_IDEMPOTENCY_HOURS", "24")))


class KeyReused(ValidationFailed):
    code = "idempotency_key_reused"


class StillRunning(Conflict):
    code = "idempotency_in_progress"


class Replayed(Exception):  # not an error: the stored answer, sent again
    def __init__(self, row: IdempotencyKey) -> None:
        super().__init__("replayed")
        self.status, self.body = row.status_code or 200, row.body or ""
        self.content_type = row.content_type or "application/json"


@dataclass(frozen=True)
class Attempt:
    key: str
    fingerprint: str


async def read_key(request: Request) -> Attempt | None:
    """The key and a fingerprint of the request (no I/O beyond the body already sent)."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > 255 or not key.isascii() or not key.isprintable():
        raise ValidationFailed("Idempotency-Key 须为 1–255 个可见 ASCII 字符（建议使用 UUID）。")
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode())
    digest.update(await request.body())
    return Attempt(key, digest.hexdigest())


def claim(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
          attempt: Annotated[Attempt | None, Depends(read_key)]) -> None:
    if attempt is None or actor.user_id is None:
        return
    now = clock.now()
    write_lock_now(db)  # SQLite: a duplicate waits here for the first one's commit
    found = repo.find_key(db, actor.user_id, attempt.key)
    if found is not None and found.expires_at <= now:
        repo.delete_key(db, found.id)
        found = None
    if found is not None:
        _answer_for(found, attempt, now)
    row = IdempotencyKey(user_id=actor.user_id, key=attempt.key,
                         fingerprint=attempt.fingerprint, created_at=now, expires_at=now + ttl())
    try:
        if db.get_bind().dialect.name == "sqlite":  # serialized above: no race to lose
            db.add(row)
            db.flush()
        else:
            with db.begin_nested():  # a concurrent duplicate fails here, after waiting
                db.add(row)
    except IntegrityError:
        raise StillRunning("同一 Idempotency-Key 的请求正在处理，请稍后用同一键重试。") from None
    request.scope.setdefault("state", {})[STATE] = row.id


def _answer_for(found: IdempotencyKey, attempt: Attempt, now: object) -> None:
    if found.fingerprint != attempt.fingerprint:
        raise KeyReused("该 Idempotency-Key 已用于另一个请求（地址或内容不同）；"
                        "新的请求请换一个新的键。")
    if found.status_code is None:
        raise StillRunning("同一 Idempotency-Key 的请求正在处理或其结果未能保存，"
                           "请稍后重试，或先查询是否已经办理，切勿换键重复提交。")
    raise Replayed(found)


Idempotent = Annotated[None, Depends(claim)]


async def replay_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replayed)
    return Response(exc.body.encode(), status_code=exc.status, media_type=exc.content_type,
                    headers={"Idempotent-Replayed": "true", "Cache-Control": "no-store"})


class StoreResponses:
    """Keeps the first response of a claimed key, before sending it (a retry that arrives after
    the answer finds it stored). Only requests carrying the header are buffered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or not any(
                k == b"idempotency-key" for k, _ in scope.get("headers") or ()):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})  # shared with the request's copies of the scope
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)
            if message["type"] != "http.response.body" or message.get("more_body"):
                return
            row_id = state.get(STATE)
            if row_id is not None:
                start = held[0]
                body = b"".join(m.get("body", b"") for m in held[1:])
                await to_thread.run_sync(_store, scope["app"].state.engine, row_id, start, body)
            for m in held:
                await send(m)

        await self.app(scope, receive, hold)


def _store(engine: Engine, row_id: int, start: Message, body: bytes) -> None:
    status = int(start.get("status", 200))
    if status >= 500 or status == 429:
        return  # nothing was done (rolled back): the claim is gone with it
    headers = {k.lower(): v for k, v in start.get("headers") or ()}
    kind = headers.get(b"content-type", b"application/json").decode("latin-1")[:100]
    with unit_of_work(engine) as db:
        repo.store_response(db, row_id, status, kind, body.decode("utf-8", "replace"))
