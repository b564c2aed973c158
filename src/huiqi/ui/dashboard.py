"""The home page per role. A domain fills a role's home by registering a panel:

    from huiqi.ui.dashboard import Panel, register_panel
    register_panel(Panel(Role.ENTERPRISE, "grants/_home_panel.html", grants_home_context, order=10))

`context(db, actor)` returns a dict the included template reads as `panel` (`{{ panel.total }}`);
it also sees `actor`. With no panels a role's home shows its menu as cards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.models.user import Role

ContextFn = Callable[[Session, Actor], dict[str, Any]]


@dataclass(frozen=True)
class Panel:
    role: Role
    template: str
    context: ContextFn | None = None
    order: int = 100


PANELS: list[Panel] = []


def register_panel(panel: Panel) -> None:
    if panel not in PANELS:
        PANELS.append(panel)


def panels_for(db: Session, actor: Actor) -> list[tuple[str, dict[str, Any]]]:
    chosen = sorted((p for p in PANELS if p.role == actor.role), key=lambda p: p.order)
    return [(p.template, p.context(db, actor) if p.context else {}) for p in chosen]
