"""Who reads insights: the office and the leaders (领导) read everything; leaders change nothing
(the request guard refuses their writes; pages hide their forms from them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import require_roles
from huiqi.models.user import Role

READ_ALL = (Role.OFFICE, Role.LEADER)
Reader = Annotated[Actor, Depends(require_roles(*READ_ALL))]

