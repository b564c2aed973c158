"""`huiqi demo-up` creates someone for every step of every loop, and prints them by role."""

from __future__ import annotations

import io
from collections import Counter

from rich.console import Console
from sqlalchemy import select

from huiqi.grants.access import finance_department_for
from huiqi.kit.db import unit_of_work
from huiqi.models.department import Department
from huiqi.models.user import Role, User
from huiqi.policies.service import published_items
from tests.fixtures.demo import Demo


def test_every_item_department_and_its_finance_bureau_has_handlers(demo: Demo) -> None:
    with unit_of_work(demo.engine) as db:
        items = [iv.item for iv in published_items(db)]
        handlers = Counter(db.execute(
            select(Department.name).join(User, User.department_id == Department.id)
            .where(User.username.in_([x.username for x in demo.logins]))).scalars())
    owners = {i.department for i in items}
    finance = {finance_department_for(i.department) for i in items if i.finance_review}
    assert owners and finance
    assert all(handlers[name] >= 1 for name in owners), handlers
    assert all(handlers[name] >= 2 for name in finance), handlers  # approver ≠ finance reviewer
    assert any(i.auto_grant for i in items if handlers[i.department])  # 免申即享 has its handler


def test_one_account_per_other_role(demo: Demo) -> None:
    roles = Counter(x.role for x in demo.logins)
    assert roles[Role.ENTERPRISE] == roles[Role.LIAISON] == 1
    assert roles[Role.OFFICE] == 2  # a payout batch is made and marked paid by different people
    assert roles[Role.AUDITOR] == 1


def test_printed_grouped_by_role(demo: Demo) -> None:
    from huiqi.cli.serve_cmd import demo_logins_table

    out = io.StringIO()
    Console(file=out, width=200).print(demo_logins_table(demo.logins))
    text = out.getvalue()
    for x in demo.logins:
        assert x.username in text and x.password in text
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines()
            if line.startswith("│")]
    # the role named once, heading its group, groups in role order
    assert [r[0] for r in rows if r[0]] == ["企业用户", "部门经办人", "服务专员", "营商办",
                                            "审计管理员", "系统管理员", "安全管理员",
                                            "项目代办员", "项目牵头领导",
                                            "执法检查人员", "部门监管负责人", "领导"]
    role = ""
    by_username = {x.username: x for x in demo.logins}
    for cells in rows:
        role = cells[0] or role
        assert by_username[cells[1]].role_label == role


def test_finance_bureau_handlers_get_a_printed_second_factor(demo: Demo) -> None:
    from huiqi.cli.serve_cmd import demo_logins_table

    with unit_of_work(demo.engine) as db:
        rows = db.execute(select(User.username, Department.name).join(
            Department, User.department_id == Department.id)).all()
    department_of = {username: name for username, name in rows}
    handlers = [x for x in demo.logins if x.role is Role.DEPARTMENT]
    finance = [x for x in handlers if "财政局" in department_of[x.username]]
    assert len(finance) >= 2 and len(handlers) > len(finance)
    assert all(x.totp_secret for x in finance)  # 财政复核 moves money: a second factor
    assert not any(x.totp_secret for x in handlers if x not in finance)
    out = io.StringIO()
    Console(file=out, width=240).print(demo_logins_table(demo.logins))
    printed = {cells[1]: cells[4] for cells in (
        [c.strip() for c in line.split("│")[1:-1]] for line in out.getvalue().splitlines()
        if line.startswith("│"))}
    assert all(printed[x.username] == x.totp_secret for x in finance)
