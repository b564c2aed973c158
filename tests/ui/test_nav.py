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


def test_entries_are_grouped_into_menus_home_first_more_last() -> None:
    from huiqi.ui.nav import MORE, nav_groups

    items = [NavItem("首页", "/", {Role.OFFICE}),
             NavItem("诉求台账", "/appeals", {Role.OFFICE}, group="诉求办理"),
             NavItem("诉求统计", "/appeals/rates", {Role.OFFICE}, group="诉求办理"),
             NavItem("申报台账", "/grants/applications", {Role.OFFICE}, group="政策兑现"),
             NavItem("新页面", "/x", {Role.OFFICE}),  # no group: 更多
             NavItem("包联企业", "/liaison", {Role.OFFICE}, group="新的分组")]
    groups = nav_groups(items)
    assert [g.label for g in groups] == ["", "政策兑现", "诉求办理", "新的分组", MORE]
    assert groups[0].single and groups[0].single.label == "首页"
    assert [i.label for i in groups[2].items] == ["诉求台账", "诉求统计"]
    assert groups[2].single is None and groups[1].single is not None  # one entry: a plain link
    assert groups[2].active("/appeals/rates", items) and not groups[1].active("/appeals", items)


def test_office_bar_shows_menus_not_a_long_row(logged_in) -> None:
    office = logged_in("office")
    page = office.get("/")
    bar = page.text.split('<nav class="mainnav"', 1)[1].split("</nav>", 1)[0]
    top = re.findall(r"<summary>([^<]+)</summary>", bar)
    assert "政策兑现" in top and "诉求办理" in top
    assert len(top) <= 7 and bar.count("<details") == len(top)
