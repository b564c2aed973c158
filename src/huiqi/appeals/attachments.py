"""Files attached to an appeal: the grants upload rules (size limit, type by content, random
name outside the web root, removed again if the transaction rolls back), at most `MAX_FILES`."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.appeals import records
from huiqi.appeals import repository as repo
from huiqi.appeals.access import access_appeal, appeal_filter, require_writer
from huiqi.appeals.state import InvalidTransition
from huiqi.appeals.vocab import AppealStatus
from huiqi.auth.actor import Actor
from huiqi.kit import uploads
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.kit.settings import Settings
from huiqi.models.appeal_intake import AppealAttachment

MAX_FILES = 10
UploadTooLarge = uploads.UploadTooLarge
UploadRefused = uploads.UploadRefused


def root(settings: Settings) -> Path:
    return settings.uploads_dir / "appeals"


def add(session: Session, actor: Actor, clock: Clock, settings: Settings, appeal_id: int,
        filename: str, stream: BinaryIO) -> AppealAttachment:
    require_writer(actor)
    appeal = access_appeal(session, actor, appeal_id, for_update=True)
    if appeal.status == AppealStatus.CLOSED.value:
        raise InvalidTransition("诉求已销号，不能再上传附件。")
    if repo.attachment_count(session, appeal.id) >= MAX_FILES:
        raise ValidationFailed(f"每条诉求最多上传 {MAX_FILES} 个附件。")
    stored = uploads.store(session, root(settings), stream, filename, settings.upload_max_bytes)
    now = clock.now()
    row = AppealAttachment(appeal_id=appeal.id, original_filename=stored.original_filename,
                           stored_name=stored.stored_name, kind=stored.kind,
                           content_type=stored.content_type, size=stored.size,
                           sha256=stored.sha256, uploaded_by=actor.user_id, uploaded_at=now)
    session.add(row)
    session.flush()
    records.add_event(session, appeal, actor, "attachment", now,
                      data={"attachment_id": row.id, "filename": row.original_filename},
                      note=row.original_filename)
    audit.record(session, actor, "appeal.attachment_add", row,
                 after={"appeal_id": appeal.id, "filename": row.original_filename,
                        "size": row.size, "sha256": row.sha256}, at=now)
    return row


def list_for(session: Session, actor: Actor, appeal_id: int) -> list[AppealAttachment]:
    access_appeal(session, actor, appeal_id)
    return repo.attachments(session, appeal_id)


def open_file(session: Session, actor: Actor, settings: Settings, attachment_id: int
              ) -> tuple[AppealAttachment, Path]:
    row = repo.visible_attachment(session, appeal_filter(actor), attachment_id)
    if row is None:
        raise NotFound("附件不存在，或您没有访问权限。")
    path = uploads.resolve(root(settings), row.stored_name)
    if not path.is_file():
        raise NotFound("附件文件已不存在，请联系营商办。")
    return row, path
