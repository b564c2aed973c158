"""The menu marks the entry of the current page: the longest matching prefix wins."""

from __future__ import annotations

import re

from huiqi.models.user import Role
from huiqi.ui.nav import NavItem

MENU = [NavItem("首页", "/", {Role.OFFICE}), NavItem("诉求台账", "/appeals", {Role.OFFICE}),
        NavItem("诉求统计", "/appeals/rates", {Role.OFFICE}),
        NavItem("诉求工具", "/appeals/tools", {Role.OFFICE})]


def current(path: str) -> list[str]:
    return [i.label for i in MENU if i.active(path, MENU)]


def test_longest_prefix_wins() -> None:
    assert current("/appeals") == ["诉求台账"]
    assert current("/appeals/12") == ["诉求台账"]
    assert current("/appeals/rates") == ["诉求统计"]
    assert current("/appeals/tools") == ["诉求工具"]
    assert current("/appeals/tools/x") == ["诉求工具"]
    assert current("/appeals/ratesx") == ["诉求台账"]  # a path prefix, not a text one
    assert current("/") == ["首页"]
    assert MENU[1].active("/appeals/rates")  # alone, an entry still matches its sub-pages


def test_office_menu_marks_one_entry(logged_in) -> None:
    office = logged_in("office")
    for path, label in (("/appeals/rates", "诉求统计"), ("/appeals/tools", "诉求工具"),
                        ("/appeals", "诉求台账")):
        page = office.get(path)
        assert page.status_code == 200
        marked = re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', page.text)
        assert marked == [label], (path, marked)
