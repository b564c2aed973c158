"""Who may use the indicator ledger: the office (everything) and department handlers (their
own indicators; repository queries narrow further)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import require_roles
from huiqi.models.user import Role

LedgerUser = Annotated[Actor, Depends(require_roles(Role.OFFICE, Role.DEPARTMENT,
                                                       Role.LEADER))]
