"""API shapes for accounts."""

from __future__ import annotations

from pydantic import BaseModel


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    department_id: int | None
    enterprise_uscc: str | None
