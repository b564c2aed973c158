"""The projects pages' access dependencies: who may open them at all (object checks are in
access.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import require_roles
from huiqi.models.user import Role

ProjectReader = Annotated[Actor, Depends(require_roles(
    Role.OFFICE, Role.AUDITOR, Role.AGENT, Role.PROJECT_LEAD))]
ProjectWriter = Annotated[Actor, Depends(require_roles(Role.OFFICE, Role.AGENT))]
RatesReader = Annotated[Actor, Depends(require_roles(
    Role.OFFICE, Role.AUDITOR, Role.PROJECT_LEAD, Role.AGENT))]
