"""Navigation per role. Domains add their entries at import time:

    from huiqi.ui.nav import NavItem, register_nav
    register_nav(NavItem("政策礼包", "/gift-pack", {Role.ENTERPRISE}, order=10,
                         description="可享受的政策、预计金额与缺少的信息"))

The home page shows the same entries as cards, so a new page is reachable from both places.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from huiqi.auth.actor import Actor
from huiqi.models.user import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    roles: AbstractSet[Role] = field(default_factory=frozenset)  # kept as a frozenset
    order: int = 100
    description: str = ""
    on_home: bool = True  # also shown as a card on the role's home page

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(self.roles))

    def matches(self, path: str) -> bool:
        return path == self.href or (self.href != "/" and path.startswith(self.href + "/"))

    def active(self, path: str, among: Iterable[NavItem] = ()) -> bool:
        """This entry is the current page's: it matches, and no entry of the same menu matches
        a longer prefix (/appeals/rates is 诉求统计's, not 诉求台账's)."""
        return self.matches(path) and not any(
            len(other.href) > len(self.href) and other.matches(path) for other in among)


NAV: list[NavItem] = []


def register_nav(item: NavItem) -> None:
    if all(existing.href != item.href or existing.roles != item.roles for existing in NAV):
        NAV.append(item)


def nav_for(actor: Actor | None) -> list[NavItem]:
    if actor is None or actor.role is None:
        return []
    return sorted((i for i in NAV if actor.role in i.roles), key=lambda i: (i.order, i.label))


ALL_ROLES = frozenset(Role)
register_nav(NavItem("首页", "/", ALL_ROLES, order=0, on_home=False))
register_nav(NavItem("审计日志", "/audit", {Role.AUDITOR}, order=10,
                     description="按操作人、操作、对象和时间查询全部操作记录，导出 Excel"))
register_nav(NavItem("消息通知", "/notifications", ALL_ROLES, order=90,
                     description="审核进度、政策推送等消息"))
