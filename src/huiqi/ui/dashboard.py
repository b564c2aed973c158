"""The home page per role. A domain fills a role's home by registering a panel:

    from huiqi.ui.dashboard import Panel, register_panel
    register_panel(Panel(Role.ENTERPRISE, "grants/_home_panel.html", grants_home_context, order=10))

`context(db, actor)` returns a dict the included template reads as `panel` (`{{ panel.total }}`);
it also sees `actor`. With no panels a role's home shows its menu as cards.

Figures on a panel are `Tile`s (`ui.tiles(panel.tiles)` in `_macros.html`): a label, a count,
and the link to exactly the filtered list that shows that count — tests/insights checks every
tile of every panel against its list. A panel whose context has `charts: True` gets ECharts
loaded on the page. `page` puts a panel on another dashboard than the role's home (the office's
`/insights/dashboard` reads `page="dashboard"`): liaison, supervision, ratings and projects add
their figures there with one call and no template of their own —

    register_panel(Panel(Role.OFFICE, "_tiles_panel.html", lambda db, actor: {
        "title": "包联服务", "tiles": [Tile("本月走访", n, "/liaison/visits?month=2025-06")]},
        order=30, page="dashboard"))
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
    page: str = "home"


@dataclass(frozen=True)
class Tile:
    """One figure of a panel: `count` rows are listed at `href` (the list says "共 N 条")."""

    label: str
    count: int
    href: str
    amount: object = None  # a Decimal sum shown under the count (元), if any
    note: str = ""


PANELS: list[Panel] = []


def register_panel(panel: Panel) -> None:
    if panel not in PANELS:
        PANELS.append(panel)


def panels_for(db: Session, actor: Actor, page: str = "home") -> list[tuple[str, dict[str, Any]]]:
    chosen = sorted((p for p in PANELS if p.role == actor.role and p.page == page),
                    key=lambda p: p.order)
    return [(p.template, p.context(db, actor) if p.context else {}) for p in chosen]
