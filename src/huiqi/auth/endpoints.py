"""JSON API for the caller's own account (mounted under /api/v1)."""

from __future__ import annotations

from huiqi.auth.dependencies import CurrentUser
from huiqi.auth.schemas import Me
from huiqi.kit import web

router = web.router(tags=["账号"])


@router.get("/me", response_model=Me, summary="当前令牌所属账号")
def me(actor: CurrentUser) -> Me:
    return Me(
        id=actor.user_id or 0, username=actor.username, display_name=actor.display_name,
        role=actor.role.value if actor.role else "", role_label=actor.role_label,
        department_id=actor.department_id, enterprise_uscc=actor.enterprise_uscc,
    )
