"""Windows (政务服务窗口) whose QR codes collect ratings: the office sets them up; rotating a
window's code invalidates the printed one."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import Conflict, NotFound, ValidationFailed
from huiqi.models.rating import RatingWindow
from huiqi.models.user import Role
from huiqi.ratings import repository as repo

CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
FIELDS = ("code", "name", "place", "region", "department_id", "items", "staff", "qr_version",
          "active")


def _office(actor: Actor) -> None:
    if actor.role is not Role.OFFICE:
        raise NotFound("页面不存在，或您没有访问权限。")


def parse_staff(lines: str) -> list[dict[str, str]]:
    """"工号 姓名" per line."""
    out = []
    for n, line in enumerate((lines or "").splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2:
            raise ValidationFailed(f"工作人员第 {n} 行应为「工号 姓名」，收到「{line.strip()}」。")
        out.append({"no": parts[0][:32], "name": parts[1][:50]})
    return out


def create(session: Session, actor: Actor, clock: Clock, *, code: str, name: str,
           department: str, place: str | None = None, region: str | None = None,
           items: Sequence[str] = (), staff: Sequence[dict[str, str]] = ()) -> RatingWindow:
    _office(actor)
    code = (code or "").strip()
    if not CODE.match(code):
        raise ValidationFailed("窗口编号只能用字母、数字、- 和 _，不超过 32 位。",
                               details={"field": "code"})
    if not (name or "").strip():
        raise ValidationFailed("请填写窗口名称。", details={"field": "name"})
    if repo.window(session, code) is not None:
        raise Conflict(f"窗口编号「{code}」已存在。")
    dept = repo.department(session, (department or "").strip())
    if dept is None:
        raise ValidationFailed(f"部门「{department}」不存在。", details={"field": "department"})
    row = RatingWindow(code=code, name=name.strip()[:100], place=(place or "").strip() or None,
                       region=(region or "").strip() or None, department_id=dept.id,
                       items=[i.strip() for i in items if i.strip()], staff=list(staff),
                       qr_version=1, active=True, created_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, actor, "rating.window_create", row,
                 after=audit.snapshot(row, *FIELDS), at=clock.now())
    return row


def rotate_qr(session: Session, actor: Actor, clock: Clock, window_id: int) -> RatingWindow:
    _office(actor)
    row = repo.window(session, window_id)
    if row is None:
        raise NotFound("窗口不存在。")
    before = {"qr_version": row.qr_version}
    row.qr_version += 1
    audit.record(session, actor, "rating.window_rotate", row, before=before,
                 after={"qr_version": row.qr_version}, at=clock.now())
    return row
