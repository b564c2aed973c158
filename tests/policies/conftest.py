"""Policy library fixtures: the web app (tests/fixtures/web.py), policy texts made up per test,
enterprises with accounts, and the library as the process's item source for the test."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from huiqi.kit.db import unit_of_work
from huiqi.models.notification import Notification
from huiqi.policies.library import LibraryItemSource
from huiqi.registry import service as registry
from tests.fixtures.policy_items import serving
from tests.fixtures.web import *  # noqa: F403
from tests.fixtures.web import Creds, test_uscc


def policy_yaml(doc_id: str, *, min_rent: int = 20000, title: str = "测试区房租补贴政策",
                extra_items: str = "", criterion: str | None = None) -> str:
    """A small valid policy file: one item, eligible when renting state property at a monthly
    rent of at least `min_rent` yuan; three test cases around the threshold."""
    rule = criterion or f"monthly_rent >= {min_rent}"
    return f"""policy:
  id: {doc_id}
  title: {title}
  issuer: 测试区人民政府
  region: "500105"
  source: "tests/policies"
  effective_from: 2025-01-01
  effective_to: 2025-12-31

items:
  - id: {doc_id}-rent
    title: 房租补贴（{doc_id}）
    department: 测试区商务委员会
    policy_text: 承租国有房屋、月租金{min_rent}元以上的企业，补贴一个月租金。
    criteria:
      承租国有房屋: rents_state_property
      租金达标: {rule}
    amount: monthly_rent
    caps:
      per_enterprise: 100000
    budget:
      per_year: 1000000
    materials: [房屋租赁合同]
    auto_grant: false
    tests:
      - name: 达标
        as_of: 2025-06-01
        facts: {{rents_state_property: true, monthly_rent: {min_rent}}}
        expect: {{eligible: true, amount: "{min_rent}.00"}}
      - name: 不承租国有房屋
        as_of: 2025-06-01
        facts: {{rents_state_property: false, monthly_rent: {min_rent}}}
        expect: {{eligible: false, failed: [承租国有房屋]}}
      - name: 租金不足
        as_of: 2025-06-01
        facts: {{rents_state_property: true, monthly_rent: {min_rent - 1}}}
        expect: {{eligible: false, failed: [租金达标]}}
{extra_items}"""


@pytest.fixture
def doc_id() -> str:
    """A policy id no other test of the module uses (the module shares one database)."""
    return f"tst.p{uuid.uuid4().hex[:8]}"


@pytest.fixture
def enterprise(app_engine: Engine, make_user: Callable[..., Creds]) -> Callable[..., Creds]:
    """`enterprise(monthly_rent=30000)`: an enterprise in the registry and its account."""

    def factory(**profile: Any) -> Creds:
        uscc = test_uscc()
        with unit_of_work(app_engine) as db:
            registry.upsert(db, {"uscc": uscc, "name": f"测试企业{uscc[-6:]}有限公司",
                                 "region": "500105", "legal_form": "enterprise",
                                 "industry_code": "F5212", "size_class": "small",
                                 "rents_state_property": True, **profile})
        return make_user("enterprise", enterprise_uscc=uscc)

    return factory


def notifications(engine: Engine, user_id: int) -> list[Notification]:
    with unit_of_work(engine) as db:
        rows = list(db.scalars(select(Notification).where(Notification.user_id == user_id)
                               .order_by(Notification.id)))
        db.expunge_all()
        return rows


def notification_count(engine: Engine, user_id: int) -> int:
    with unit_of_work(engine) as db:
        return int(db.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == user_id)) or 0)


@pytest.fixture
def library_source(app_engine: Engine) -> Iterator[LibraryItemSource]:
    """The library (without the fallback files) as this database's items, for this test."""
    with serving(app_engine, LibraryItemSource()) as source:
        yield source  # type: ignore[misc]
