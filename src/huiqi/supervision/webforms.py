"""Reading the domain's forms (typed values, Chinese errors) and its access aliases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Depends
from starlette.datastructures import FormData, UploadFile

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import require_roles
from huiqi.kit import numbers
from huiqi.kit.clock import SHANGHAI
from huiqi.kit.errors import ValidationFailed
from huiqi.models.user import Role

Planner = Annotated[Actor, Depends(require_roles(Role.OFFICE, Role.SUPERVISOR))]
Official = Annotated[Actor, Depends(require_roles(Role.OFFICE, Role.SUPERVISOR, Role.INSPECTOR))]
Office = Annotated[Actor, Depends(require_roles(Role.OFFICE))]
Viewer = Annotated[Actor, Depends(require_roles(
    Role.OFFICE, Role.SUPERVISOR, Role.INSPECTOR, Role.ENTERPRISE))]


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def ints(form: FormData, name: str) -> list[int]:
    return [int(v) for v in form.getlist(name) if isinstance(v, str) and numbers.is_id(v)]


def day(form: FormData, name: str, label: str) -> date:
    found = optional_day(form, name, label)
    if found is None:
        raise ValidationFailed(f"请填写{label}。")
    return found


def optional_day(form: FormData, name: str, label: str) -> date | None:
    raw = text(form, name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed(f"{label}“{raw}”不是日期。") from exc


def moment(form: FormData, name: str, label: str) -> datetime | None:
    raw = text(form, name)
    if not raw:
        return None
    try:
        local = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed(f"{label}“{raw}”不是时间。") from exc
    return local.replace(tzinfo=SHANGHAI).astimezone(UTC) if local.tzinfo is None else local


def number(form: FormData, name: str, label: str, default: int) -> int:
    raw = text(form, name)
    return numbers.parse_int(raw, label, lo=0, hi=10_000) if raw else default


def upload(form: FormData, name: str = "file") -> UploadFile:
    f = form.get(name)
    if not isinstance(f, UploadFile) or not f.filename:
        raise ValidationFailed("请选择要上传的文件。")
    return f
