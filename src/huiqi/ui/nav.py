"""Navigation per role. Domains add their entries at import time:

    from huiqi.ui.nav import NavItem, register_nav
    register_nav(NavItem("政策礼包", "/gift-pack", {Role.ENTERPRISE}, order=10,
                         description="可享受的政策、预计金额与缺少的信息"))

The home page shows the same entries as cards, so a new page is reachable from both places.

The top bar shows 首页 and a few dropdown menus, one per `group` (a menu with a single entry is a
plain link), so every role's bar fits 1280 px. Name one of GROUPS (or a new one) when you register:

    register_nav(NavItem("包联企业", "/liaison", {Role.LIAISON}, order=15, group="服务企业"))

An entry without a group goes into the 更多 menu.
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
    group: str = ""  # the top bar's dropdown menu it sits in (GROUPS); "" → 更多
    in_bar: bool = True  # False: only a card on the home page (消息通知 has the bell)

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


# The top bar's menus, in this order; a group not listed here comes after them, before 更多.
GROUPS = ("政策兑现", "政策管理", "服务企业", "诉求办理", "监督评价", "数据分析", "系统管理")
MORE = "更多"


@dataclass(frozen=True)
class NavGroup:
    label: str
    items: tuple[NavItem, ...]

    @property
    def single(self) -> NavItem | None:
        """A menu of one entry is shown as that entry's plain link."""
        return self.items[0] if len(self.items) == 1 else None

    def active(self, path: str, among: Iterable[NavItem]) -> bool:
        return any(i.active(path, among) for i in self.items)


def _rank(label: str) -> tuple[int, str]:
    if label == MORE:
        return (len(GROUPS) + 1, label)
    return (GROUPS.index(label), "") if label in GROUPS else (len(GROUPS), label)


def nav_groups(items: list[NavItem]) -> list[NavGroup]:
    """A role's entries as the top bar shows them: 首页 alone, the rest in their menus."""
    by_group: dict[str, list[NavItem]] = {}
    for item in items:
        if not item.in_bar:
            continue
        label = "" if item.href == "/" else (item.group or MORE)
        by_group.setdefault(label, []).append(item)
    return [NavGroup(label, tuple(entries))
            for label, entries in sorted(by_group.items(), key=lambda kv: (kv[0] != "",
                                                                            _rank(kv[0])))]


def nav_for(actor: Actor | None) -> list[NavItem]:
    if actor is None or actor.role is None:
        return []
    return sorted((i for i in NAV if actor.role in i.roles), key=lambda i: (i.order, i.label))


ALL_ROLES = frozenset(Role)
register_nav(NavItem("首页", "/", ALL_ROLES, order=0, on_home=False))
register_nav(NavItem("审计日志", "/audit", {Role.AUDITOR}, order=10,
                     description="按操作人、操作、对象和时间查询全部操作记录，导出 Excel",
                     group="系统管理"))
register_nav(NavItem("消息通知", "/notifications", ALL_ROLES, order=90,
                     description="审核进度、政策推送等消息", group=MORE, in_bar=False))
# auth's administration pages (auth renders through kit.pages and imports nothing of ui).
register_nav(NavItem("账号管理", "/admin/users", {Role.OFFICE, Role.SYSADMIN}, order=80,
                     description="创建账号、发送设置密码链接、解除锁定、停用；管理部门",
                     group="系统管理"))
register_nav(NavItem("角色与安全", "/admin/roles", {Role.SECURITY}, order=80,
                     description="分配角色、解除登录锁定、查看安全参数", group="系统管理"))
