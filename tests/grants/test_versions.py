"""Applications follow the policy version they were submitted under: withdrawn or superseded
policies do not stop (or change) a case in flight, while new applications need the item in force."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from huiqi.grants import applications as apps
from huiqi.grants import payouts, review
from huiqi.kit.errors import ValidationFailed
from huiqi.policies import service as policies
from huiqi.policies.items import ItemWithdrawn, VersionMissing
from huiqi.policies.library import LibraryItemSource
from tests.fixtures.policy_items import serving
from tests.grants.conftest import World

AS_OF = date(2025, 6, 2)
ITEM = "tv.versioned-rent"


def policy(*, factor: int = 1, finance_review: bool = False) -> str:
    """One item: enterprises renting state property get `factor` months of rent."""
    amount = "monthly_rent" if factor == 1 else f"monthly_rent * {factor}"
    return f"""policy:
  id: tv.versioned
  title: 测试区房租补贴（版本测试）
  issuer: 测试区人民政府
  region: "500105"
  source: "tests/grants"
  effective_from: 2025-01-01
  effective_to: 2025-12-31

items:
  - id: {ITEM}
    title: 房租补贴（版本测试）
    department: 江北区商务委员会
    policy_text: 承租国有房屋的企业补贴{factor}个月租金。
    criteria:
      承租国有房屋: rents_state_property
    amount: {amount}
    budget:
      per_year: 1000000
    materials: []
    auto_grant: false
    finance_review: {"true" if finance_review else "false"}
    tests:
      - name: 承租
        as_of: 2025-06-01
        facts: {{rents_state_property: true, monthly_rent: 10000}}
        expect: {{eligible: true, amount: "{10000 * factor}.00"}}
      - name: 不承租
        as_of: 2025-06-01
        facts: {{rents_state_property: false, monthly_rent: 10000}}
        expect: {{eligible: false, failed: [承租国有房屋]}}
      - name: 租金较低
        as_of: 2025-06-01
        facts: {{rents_state_property: true, monthly_rent: 5000}}
        expect: {{eligible: true, amount: "{5000 * factor}.00"}}
"""


@pytest.fixture
def library(world: World) -> Iterator[LibraryItemSource]:
    with serving(world.engine, LibraryItemSource()) as source:
        yield source  # type: ignore[misc]


def publish(w: World, text: str) -> int:
    """Save `text` as a new version and publish it; the document's id."""
    with w.tx() as s:
        row = policies.save(s, w.office, w.clock, text, "versioned.yaml")
        document_id, number = row.document_id, row.number
    with w.tx() as s:
        policies.publish(s, w.office, w.clock, document_id, number, as_of=AS_OF)
    return document_id


def withdraw(w: World, document_id: int) -> None:
    with w.tx() as s:
        policies.withdraw(s, w.office, w.clock, document_id, as_of=AS_OF, reason="政策调整")


def test_withdrawn_policy_still_reviewed_approved_and_paid_under_its_version(
        world: World, library: LibraryItemSource) -> None:
    document_id = publish(world, policy())
    app = world.do(apps.submit, world.ent_a, item_id=ITEM)
    withdraw(world, document_id)

    world.do(review.accept, world.dept, app.id)
    preview = world.do(review.preview, world.dept, app.id)
    assert preview.eligible is True and preview.engine_amount == Decimal("10000.00")
    approved = world.do(review.approve, world.dept, app.id)
    assert (approved.status, approved.approved_amount) == ("approved", Decimal("10000.00"))
    batch = world.do(payouts.create_batch, world.office)
    assert batch.lines == 1
    world.do(payouts.export, world.office, batch.id)
    world.do(payouts.mark_paid, world.office2, batch.id, "回单-版本测试")
    assert world.do(apps.get, world.ent_a, app.id).status == "paid"

    with pytest.raises(ItemWithdrawn) as refused:
        world.do(apps.submit, world.ent_b, item_id=ITEM)
    assert refused.value.status_code == 410
    assert "撤回" in refused.value.message and "不再受理新的申报" in refused.value.message


def test_finance_review_goes_on_after_withdrawal(world: World, library) -> None:
    document_id = publish(world, policy(finance_review=True))
    app = world.do(apps.submit, world.ent_a, item_id=ITEM)
    world.do(review.approve, world.dept, app.id)
    withdraw(world, document_id)
    granted = world.do(review.finance_approve, world.finance, app.id)
    assert (granted.status, granted.approved_amount) == ("approved", Decimal("10000.00"))


def test_approval_after_a_new_version_uses_the_submitted_version(world: World, library) -> None:
    publish(world, policy(factor=1))
    old = world.do(apps.submit, world.ent_a, item_id=ITEM)
    publish(world, policy(factor=2))  # the same document: version 2 doubles the amount
    new = world.do(apps.submit, world.ent_b, item_id=ITEM)
    assert new.estimated_amount == Decimal("20000.00")
    assert new.policy_version != old.policy_version

    with pytest.raises(ValidationFailed, match="高于政策核定金额 10000"):
        world.do(review.approve, world.dept, old.id, amount=Decimal("20000.00"))
    approved = world.do(review.approve, world.dept, old.id)
    assert approved.engine_amount == approved.approved_amount == Decimal("10000.00")
    assert world.do(review.approve, world.dept, new.id).approved_amount == Decimal("20000.00")


def test_an_unknown_version_is_a_clear_conflict_not_the_current_rules(
        world: World, library) -> None:
    publish(world, policy())
    app = world.do(apps.submit, world.ent_a, item_id=ITEM)
    with world.tx() as s:
        apps.get(s, world.ent_a, app.id).policy_version = "tv.versioned@0000000000000000"
    with pytest.raises(VersionMissing) as err:
        world.do(review.approve, world.dept, app.id)
    assert err.value.status_code == 409 and "已不在政策库中" in err.value.message
    with world.tx() as s:
        assert library.get_version(s, ITEM, "tv.versioned@0000000000000000") is None
        assert library.get_version(s, "tv.other", app.policy_version) is None


def test_file_source_knows_only_the_files_current_version(world: World) -> None:
    source = policies.items(world.engine).source
    with world.tx() as s:
        current = source.get(s, "testville.rent")
        assert source.get_version(s, "testville.rent", current.version) == current
        assert source.get_version(s, "testville.rent", "testville.grants-2025@feed") is None


def test_the_application_page_says_which_version_applies(world: World, library, web) -> None:
    document_id = publish(world, policy())
    app = world.do(apps.submit, world.ent_a, item_id=ITEM)
    dept, ent = web.page("dept"), web.page("ent_a")
    page = dept.get(f"/grants/applications/{app.id}").text
    assert "适用政策版本：第 1 版" in page and "撤回" not in page

    publish(world, policy(factor=2))
    page = dept.get(f"/grants/applications/{app.id}").text
    assert "现行第 2 版" in page and "按提交时的第 1 版审核" in page
    assert "核定金额 <strong>10,000.00元" in page

    withdraw(world, document_id)  # withdraws version 2; the case still follows version 1
    page = ent.get(f"/grants/applications/{app.id}").text
    assert "适用政策版本：第 1 版" in page and "已于 2025-06-02 撤回" in page
    refused = ent.get(f"/grants/apply/{ITEM}")
    assert refused.status_code == 410 and "不再受理新的申报" in refused.text


def test_the_api_says_which_version_applies_as_the_page_does(world: World, library, web) -> None:
    document_id = publish(world, policy())
    app = world.do(apps.submit, world.ent_a, item_id=ITEM)
    dept, ent = web.api("dept"), web.api("ent_a")

    def status(client) -> dict:  # type: ignore[no-untyped-def]
        r = client.get(f"/api/v1/grants/applications/{app.id}")
        assert r.status_code == 200, r.text
        assert r.json()["policy_version"] == app.policy_version
        return r.json()["policy_version_status"]

    now = status(dept)
    assert (now["state"], now["applied"], now["applied_number"], now["available"],
            now["current"]) == ("current", app.policy_version, 1, True, None)

    publish(world, policy(factor=2))
    later = status(dept)
    assert (later["state"], later["applied_number"], later["current_number"]) == (
        "superseded", 1, 2)
    assert later["current"] != app.policy_version and later["current"].startswith("tv.versioned@")
    assert "按提交时版本办理" in later["state_label"]

    withdraw(world, document_id)
    gone = status(ent)
    assert (gone["state"], gone["applied_number"], gone["current"]) == ("withdrawn", 1, None)
    assert gone["withdrawn_at"].startswith("2025-06-02")
